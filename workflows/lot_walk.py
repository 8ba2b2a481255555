"""LotWalkWorkflow: a fleet customer's lot walk (seed 001 2.3; DESIGN.md workflow catalog).

Record the walk and its visit → walker: the customer's preferred technicians first, each
checked by the assignment activity, else its optimizer pick → tell the customer → wait for the
walker's findings (an update) → one child RepairWorkflow per repair, priced by its position in
the walk (tiers and volume discount of the whole walk), approved by the customer's lot-walk rule
(``auto_approve_lot_repairs``, ``max_auto_approve_amount``, photo rule) → ONE approval request
listing every repair that waits for the customer; its answers (one per repair) are signalled to
each child → when every repair has ended, close with the summary. Deterministic code only.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ChildWorkflowError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from domain.contracts import assignment as assignment_contract
    from domain.contracts import lot_walk as contract
    from domain.contracts import repair as repair_contract
    from domain.contracts.assignment import AssignInput
    from domain.contracts.lot_walk import (
        DECISIONS_UPDATE,
        FINDINGS_UPDATE,
        LOT_WALK_DECISION_SIGNAL,
        LOT_WALK_QUERY,
        REPAIR_DECIDED_SIGNAL,
        CloseLotWalkInput,
        DecisionsRequest,
        FindingsRequest,
        LotWalkApprovalInput,
        LotWalkChildDecision,
        LotWalkFailure,
        LotWalkInput,
        LotWalkRepair,
        LotWalkState,
        LotWalkStateInput,
        LotWalkStatus,
        LotWalkSummary,
        NoticeInput,
        OpenLotWalkInput,
        RecordFindingsInput,
        RepairDecided,
    )
    from domain.contracts.repair import Durations, RepairInput, RepairStatus, SetStatusInput
    from domain.ids import LOT_WALK_WORKFLOW, REPAIR_WORKFLOW, lot_walk_workflow_id, repair_workflow_id
    from domain.lot_walk import findings_problem, summarize
    from domain.schedule import local_today
    from domain.work_status import WorkStatus

from workflows.kit import (
    DB_CALL,
    OPTIMIZER_CALL,
    SA_CUSTOMER,
    SA_JOB_TYPE,
    SA_STATUS,
    SA_TECHNICIAN,
    SEND_CALL,
    ActivityCall,
    failure,
    wait_until,
)

open_lot_walk = ActivityCall(contract.OPEN_LOT_WALK, DB_CALL)
set_lot_walk_state = ActivityCall(contract.SET_LOT_WALK_STATE, DB_CALL)
send_lot_walk_notice = ActivityCall(contract.SEND_LOT_WALK_NOTICE, SEND_CALL)
record_findings = ActivityCall(contract.RECORD_FINDINGS, DB_CALL)
request_lot_walk_approval = ActivityCall(contract.REQUEST_LOT_WALK_APPROVAL, SEND_CALL)
close_lot_walk = ActivityCall(contract.CLOSE_LOT_WALK, DB_CALL)
assign_technician = ActivityCall(assignment_contract.ASSIGN_TECHNICIAN, OPTIMIZER_CALL)
set_work_status = ActivityCall(repair_contract.SET_WORK_STATUS, DB_CALL)

#: answers for the repairs of a walk come from its link or from staff
WALK_ACTOR = "lot-walk"


@workflow.defn(name=LOT_WALK_WORKFLOW)
class LotWalkWorkflow:
    """One walk; ID ``lot-walk-{customer_id}-{date}``."""

    def __init__(self) -> None:
        self._input: LotWalkInput | None = None
        self._state = LotWalkStatus(lot_walk_id="", customer_id=1, state=LotWalkState.REQUESTED)
        self._findings: FindingsRequest | None = None
        self._repairs: dict[str, LotWalkRepair] = {}
        self._ended: set[str] = set()
        self._asking = False

    @workflow.run
    async def run(self, inp: LotWalkInput) -> LotWalkStatus:
        """Walk the lot, run its repairs to their end, return the summary."""
        self._input = inp
        if inp.walk_date is None:
            return await self._start_todays_walk(inp)
        walk_date = inp.walk_date
        walk_id = workflow.info().workflow_id
        self._state = LotWalkStatus(
            lot_walk_id=walk_id, customer_id=inp.customer_id, state=LotWalkState.REQUESTED
        )
        workflow.upsert_search_attributes(
            [
                SA_CUSTOMER.value_set(str(inp.customer_id)),
                SA_JOB_TYPE.value_set(contract.LOT_WALK_JOB_TYPE),
                SA_STATUS.value_set(LotWalkState.REQUESTED.value),
            ]
        )
        opened = await open_lot_walk(
            OpenLotWalkInput(
                lot_walk_id=walk_id,
                workflow_id=walk_id,
                customer_id=inp.customer_id,
                walk_date=walk_date,
                requested_by=inp.requested_by,
            )
        )
        visit = self._state.visit_work_order_id = opened.visit_work_order_id
        walker = await self._assign_walker(visit, opened.preferred_technician_ids)
        if walker is not None:
            self._state.technician_id = walker
            workflow.upsert_search_attributes([SA_TECHNICIAN.value_set(walker)])
        await self._visit_status(
            WorkStatus.ASSIGNED if walker else WorkStatus.AWAITING_ASSIGNMENT,
            f"walker {walker or 'not found'}",
        )
        await self._take(LotWalkState.WALKER_ASSIGNED)
        try:
            await send_lot_walk_notice(NoticeInput(lot_walk_id=walk_id, workflow_id=walk_id))
        except ActivityError as err:  # a notice that cannot be delivered does not stop the walk
            workflow.logger.warning("lot walk notice failed: %s", err.cause or err)

        if not await wait_until(lambda: self._findings is not None, inp.findings_wait_seconds):
            await self._visit_status(WorkStatus.CANCELLED, "no findings recorded in time")
            self._state.state = LotWalkState.NOT_WALKED
            await self._close(LotWalkSummary())
            return self._state
        return await self._run_repairs(inp, walk_id)

    async def _start_todays_walk(self, inp: LotWalkInput) -> LotWalkStatus:
        """A run of the customer's schedule: start today's walk (its own id, so a walk staff
        already started for the day is not doubled) and end."""
        day = local_today(workflow.now(), inp.time_zone)
        walk_id = lot_walk_workflow_id(inp.customer_id, day)
        self._state = LotWalkStatus(
            lot_walk_id=walk_id, customer_id=inp.customer_id, state=LotWalkState.REQUESTED
        )
        try:
            await workflow.start_child_workflow(
                LOT_WALK_WORKFLOW,
                inp.model_copy(update={"walk_date": day}),
                id=walk_id,
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                static_summary=f"Scheduled lot walk of customer {inp.customer_id} on {day}",
            )
        except WorkflowAlreadyStartedError:
            workflow.logger.info("lot walk %s was already started", walk_id)
        return self._state

    async def _run_repairs(self, inp: LotWalkInput, walk_id: str) -> LotWalkStatus:
        assert self._findings is not None
        recorded = await record_findings(
            RecordFindingsInput(lot_walk_id=walk_id, findings=self._findings, at=workflow.now())
        )
        await self._visit_status(WorkStatus.COMPLETED, "findings recorded")
        total = len(recorded.work_order_ids)
        children = []
        for index, (wo, has_photo) in enumerate(
            zip(recorded.work_order_ids, recorded.has_photo, strict=True)
        ):
            self._repairs[wo] = LotWalkRepair(work_order_id=wo, position=index + 1)
            handle = await workflow.start_child_workflow(
                REPAIR_WORKFLOW,
                RepairInput(
                    work_order_id=wo,
                    customer_id=inp.customer_id,
                    job_type="repair",
                    first_repair_position=index + 1,
                    visit_repair_count=total,
                    has_photo=has_photo,
                    from_lot_walk=True,
                    scheduled_date=recorded.scheduled_date,
                    durations=Durations(
                        approval_reminder_seconds=inp.approval_reminder_seconds,
                        approval_expiry_seconds=inp.approval_expiry_seconds,
                    ),
                    optimizer_task_queue=inp.optimizer_task_queue,
                    lot_walk_workflow_id=walk_id,
                ),
                id=repair_workflow_id(wo),
                result_type=RepairStatus,
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                static_summary=f"Lot walk repair #{index + 1} of {total}",
            )
            children.append(asyncio.ensure_future(self._follow(handle)))
        await self._take(LotWalkState.REPAIRS_STARTED)

        # every repair has told its decision (or ended before one)
        await workflow.wait_condition(
            lambda: all(r.approval_mode is not None or w in self._ended for w, r in self._repairs.items())
        )
        waiting = self._waiting()
        if waiting:
            await self._ask(inp, walk_id, waiting)
        await self._take(LotWalkState.IN_PROGRESS)
        await asyncio.gather(*children)
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._close(summarize(list(self._repairs.values())))
        return self._view()

    async def _ask(self, inp: LotWalkInput, walk_id: str, waiting: list[str]) -> None:
        """One approval request for every repair in ``waiting``; then wait for the answers (the
        decisions update) until the link's deadline, and expire what is still unanswered."""
        await self._take(LotWalkState.AWAITING_APPROVAL)
        deadline = workflow.now() + timedelta(seconds=inp.approval_expiry_seconds)
        self._asking = True
        try:
            await request_lot_walk_approval(
                LotWalkApprovalInput(
                    lot_walk_id=walk_id, workflow_id=walk_id, work_order_ids=waiting, expires_at=deadline
                )
            )
        except ActivityError as err:  # staff can still answer for the customer until the deadline
            workflow.logger.warning("lot walk approval request failed: %s", err.cause or err)
        await wait_until(lambda: not self._waiting(), deadline - workflow.now())
        self._asking = False
        for wo in self._waiting():
            self._repairs[wo].approved = False
            await self._signal(
                wo, LotWalkChildDecision(outcome="expire", actor="workflow", reason="approval expired")
            )

    def _waiting(self) -> list[str]:
        """Repairs that wait for the walk's approval request, in walk order."""
        return [
            w
            for w, r in self._repairs.items()
            if r.approval_mode is not None and r.approved is None and w not in self._ended
        ]

    async def _follow(self, handle: workflow.ChildWorkflowHandle[object, RepairStatus]) -> None:
        """Wait for a child repair to end and keep its final status, approval and amount."""
        try:
            result: RepairStatus = await handle
        except ChildWorkflowError as err:  # terminated or failed: counted as neither approved nor done
            workflow.logger.warning("lot walk repair %s failed: %s", handle.id, err.cause or err)
            self._ended.add(next(w for w in self._repairs if repair_workflow_id(w) == handle.id))
            return
        repair = self._repairs[result.work_order_id]
        repair.status = result.status.value
        repair.total_amount = result.total_amount
        repair.amount = result.estimate_amount
        repair.approval_mode = result.approval_mode or repair.approval_mode
        repair.approved = result.approved_by is not None
        self._ended.add(result.work_order_id)

    async def _signal(self, work_order_id: str, decision: LotWalkChildDecision) -> None:
        await workflow.get_external_workflow_handle(repair_workflow_id(work_order_id)).signal(
            LOT_WALK_DECISION_SIGNAL, decision
        )

    async def _assign_walker(self, visit: str, preferred: list[str]) -> str | None:
        """The customer's preferred technicians in turn (the assignment activity checks skill and
        room), then the optimizer's pick; None when nobody can walk (staff assign the visit)."""
        queue = self.inp.optimizer_task_queue
        for technician_id in preferred:
            try:
                result = await assign_technician(
                    AssignInput(work_order_id=visit, technician_id=technician_id, actor=WALK_ACTOR),
                    task_queue=queue,
                )
            except ActivityError:  # lacks the skill or is inactive: the next one
                continue
            if result.technician_id is not None:
                return result.technician_id
        try:
            result = await assign_technician(
                AssignInput(work_order_id=visit, actor=WALK_ACTOR), task_queue=queue
            )
        except ActivityError:
            return None
        return result.technician_id

    async def _visit_status(self, status: WorkStatus, reason: str) -> None:
        assert self._state.visit_work_order_id is not None
        await set_work_status(
            SetStatusInput(
                work_order_id=self._state.visit_work_order_id,
                status=status,
                actor=WALK_ACTOR,
                at=workflow.now(),
                reason=reason,
            )
        )

    async def _take(self, state: LotWalkState) -> None:
        self._state.state = state
        workflow.upsert_search_attributes([SA_STATUS.value_set(state.value)])
        await set_lot_walk_state(
            LotWalkStateInput(
                lot_walk_id=self._state.lot_walk_id,
                state=state,
                technician_id=self._state.technician_id,
                at=workflow.now(),
            )
        )

    async def _close(self, summary: LotWalkSummary) -> None:
        self._state.summary = summary
        if self._state.state != LotWalkState.NOT_WALKED:
            self._state.state = LotWalkState.CLOSED
        workflow.upsert_search_attributes([SA_STATUS.value_set(self._state.state.value)])
        await close_lot_walk(
            CloseLotWalkInput(lot_walk_id=self._state.lot_walk_id, summary=summary, at=workflow.now())
        )

    def _view(self) -> LotWalkStatus:
        """The walk's status with its repairs in walk order."""
        self._state.repairs = list(self._repairs.values())
        return self._state

    @property
    def inp(self) -> LotWalkInput:
        """The start input (set before any handler runs)."""
        assert self._input is not None
        return self._input

    # ---- query, signal, updates ------------------------------------------------------------

    @workflow.query(name=LOT_WALK_QUERY)
    def get_status(self) -> LotWalkStatus:
        """The walk's state, walker, repairs and (once closed) summary."""
        if self._input is None:
            raise failure(LotWalkFailure.NOT_STARTED, "the walk has not started yet")
        return self._view()

    @workflow.signal(name=REPAIR_DECIDED_SIGNAL)
    def repair_decided(self, decided: RepairDecided) -> None:
        """A child repair's estimate and decision (``approved`` None: it waits for the walk)."""
        repair = self._repairs.get(decided.work_order_id)
        if repair is None:
            return
        repair.amount = decided.amount
        repair.approval_mode = decided.approval_mode
        repair.approved = decided.approved

    @workflow.update(name=FINDINGS_UPDATE)
    async def record_findings(self, req: FindingsRequest) -> LotWalkStatus:
        """The walker's findings (vehicles/units, repairs, photos, notes); the walk then starts a
        repair per finding. Answers once the repairs are started."""
        self._findings = req
        await workflow.wait_condition(lambda: self._state.state != LotWalkState.WALKER_ASSIGNED)
        return self._view()

    @record_findings.validator
    def _findings_ok(self, req: FindingsRequest) -> None:
        if self._input is None:
            raise failure(LotWalkFailure.NOT_STARTED, "the walk has not started yet")
        if self._findings is not None or self._state.state != LotWalkState.WALKER_ASSIGNED:
            raise failure(
                LotWalkFailure.NOT_WAITING, f"the walk is {self._state.state}: it does not wait for findings"
            )
        if req.technician_id is not None and req.technician_id != self._state.technician_id:
            raise failure(
                LotWalkFailure.NOT_WAITING,
                f"technician {req.technician_id} is not this walk's walker ({self._state.technician_id})",
            )
        problem = findings_problem(req)
        if problem is not None:
            raise failure(LotWalkFailure.INVALID_FINDINGS, problem)

    @workflow.update(name=DECISIONS_UPDATE)
    async def decide_repairs(self, req: DecisionsRequest) -> LotWalkStatus:
        """Answers from the walk's single link (or staff): each named repair is approved or
        declined and its child told by a signal."""
        for decision in req.decisions:
            self._repairs[decision.work_order_id].approved = decision.approve
            await self._signal(
                decision.work_order_id,
                LotWalkChildDecision(
                    outcome="approve" if decision.approve else "decline", actor=req.actor, reason=req.reason
                ),
            )
        return self._view()

    @decide_repairs.validator
    def _decisions_ok(self, req: DecisionsRequest) -> None:
        if self._input is None:
            raise failure(LotWalkFailure.NOT_STARTED, "the walk has not started yet")
        if not self._asking:
            raise failure(LotWalkFailure.NOT_WAITING, f"the walk is {self._state.state}: no approval is open")
        waiting = set(self._waiting())
        named = [d.work_order_id for d in req.decisions]
        unknown = sorted(set(named) - waiting)
        if unknown or len(named) != len(set(named)):
            raise failure(
                LotWalkFailure.UNKNOWN_REPAIR,
                f"not waiting for approval in this walk (or named twice): {', '.join(unknown) or 'duplicates'}",
            )
