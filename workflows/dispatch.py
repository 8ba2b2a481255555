"""DispatchWorkflow: re-optimise one service day and pass the changes on (issue 7; seed 003 P1).

``dispatch-{date}`` runs the solve activity on the optimizer queue (it writes the plan, its routes
and the changed assignments), then for every changed repair signals ``repair-{id}``
(``dispatch_replanned``: RepairWorkflow takes the new technician and window) and sends one
notice activity (customer and technicians; keyed by the change, so nobody hears twice). The plan
with its explanations is the solve activity's result in the history and the ``plan`` query.

The morning schedule starts it without a date: that run picks the current day in the company's
zone and runs it as the child ``dispatch-{date}`` (so the schedule and an on-demand re-plan of
the same day never run at once). Deterministic code only.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, FailureError, WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from domain.contracts import dispatch as contract
    from domain.contracts.dispatch import (
        PLAN_QUERY,
        REPLAN_SIGNAL,
        DayPlan,
        DispatchInput,
        DispatchNoticeInput,
        DispatchSummary,
        ReplanSignal,
        SolveDayInput,
        dispatch_workflow_id,
    )
    from domain.ids import repair_workflow_id
    from domain.schedule import local_today

from workflows.kit import OPTIMIZER_CALL, SEND_CALL, ActivityCall, CallOptions

#: a day's solve: the settings' time limit plus loading and writing; heartbeats every 2 s
SOLVE_CALL = CallOptions(
    start_to_close=timedelta(minutes=5),
    heartbeat=timedelta(seconds=30),
    retry=OPTIMIZER_CALL.retry,
)
solve_day = ActivityCall(contract.SOLVE_DAY, SOLVE_CALL)
notify_change = ActivityCall(contract.NOTIFY_DISPATCH_CHANGE, SEND_CALL)


@workflow.defn(name=contract.DISPATCH_WORKFLOW)
class DispatchWorkflow:
    """One re-optimisation of a service day; ID ``dispatch-{date}``."""

    def __init__(self) -> None:
        self._plan: DayPlan | None = None

    @workflow.run
    async def run(self, inp: DispatchInput) -> DispatchSummary:
        """Plan the day, signal and notify the changed repairs; returns what was done."""
        if inp.service_date is None:
            day = local_today(workflow.now(), inp.timezone)
            child = inp.model_copy(update={"service_date": day})
            try:
                result: DispatchSummary = await workflow.execute_child_workflow(
                    contract.DISPATCH_WORKFLOW,
                    child,
                    id=dispatch_workflow_id(day),
                    result_type=DispatchSummary,
                    parent_close_policy=ParentClosePolicy.ABANDON,
                    static_summary=f"Dispatch {day}",
                )
            except WorkflowAlreadyStartedError:  # the day's dispatch is running (started on demand)
                return DispatchSummary(service_date=day, note="a dispatch of this day was already running")
            return result
        day = inp.service_date
        info = workflow.info()
        plan = await solve_day(
            SolveDayInput(
                service_date=day, plan_key=f"{info.workflow_id}:{info.run_id}", actor=inp.requested_by
            ),
            task_queue=inp.optimizer_task_queue,
        )
        self._plan = plan
        signalled: list[str] = []
        failed = 0
        for change in plan.changes:
            handle = workflow.get_external_workflow_handle(repair_workflow_id(change.work_order_id))
            try:
                await handle.signal(
                    REPLAN_SIGNAL,
                    ReplanSignal(
                        plan_key=plan.plan_key,
                        technician_id=change.technician_id,
                        scheduled_date=day,
                        window_start=change.window_start,
                        window_end=change.window_end,
                        explanation=change.explanation,
                    ),
                )
                signalled.append(change.work_order_id)
            except FailureError as err:  # the repair's workflow has ended (or never existed)
                workflow.logger.warning("could not signal %s: %s", change.work_order_id, err)
                continue
            try:
                await notify_change(DispatchNoticeInput(change=change, service_date=day))
            except ActivityError:
                failed += 1
        return DispatchSummary(
            service_date=day, plan_id=plan.plan_id, signalled=signalled, notices_failed=failed
        )

    @workflow.query(name=PLAN_QUERY)
    def plan(self) -> DayPlan | None:
        """The day's plan with routes, explanations and changes (None until solved)."""
        return self._plan
