"""The bare workflow of the burst benchmark (bench/burst.py): ``steps`` empty activities in a row.

A module of its own with nothing but Temporal imports, so the workflow sandbox validates it
without importing the benchmark's stack.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    from domain.contracts import approval, repair
    from domain.ids import TASK_QUEUE
    from domain.work_status import WorkStatus


@activity.defn(name="bench_noop")
def bench_noop(step: int) -> int:
    """An activity that does nothing (a thread-pool activity, like the real ones)."""
    return step


@workflow.defn(name="BenchBareWorkflow")
class BareWorkflow:
    """Runs ``steps`` empty activities one after another."""

    @workflow.run
    async def run(self, steps: int) -> int:
        """Return the number of steps run."""
        for step in range(steps):
            await workflow.execute_activity(bench_noop, step, start_to_close_timeout=timedelta(seconds=30))
        return steps


@workflow.defn(name="BenchSameActivitiesWorkflow")
class SameActivitiesWorkflow:
    """The repair flow's activities up to the assignment, without its logic: quote, approval
    decision and record (main queue, the real activities on the main worker), an empty activity
    where the repair inserts itself into the routes, and the status write. The ceiling of the
    flow when assignment costs nothing and never waits."""

    @workflow.run
    async def run(self, work_order_id: str) -> str:
        """Return the work order id once its status is written."""
        main = TASK_QUEUE
        timeout = timedelta(seconds=30)
        quote = await workflow.execute_activity(
            approval.QUOTE_WORK_ORDER.name,
            approval.QuoteInput(work_order_id=work_order_id),
            result_type=approval.QuoteResult,
            task_queue=main,
            start_to_close_timeout=timeout,
        )
        decision = await workflow.execute_activity(
            approval.DECIDE_APPROVAL.name,
            approval.ApprovalDecisionInput(
                work_order_id=work_order_id,
                amount=quote.amount,
                has_photo=True,
                requested_by_technician_id=None,
            ),
            result_type=approval.ApprovalDecisionResult,
            task_queue=main,
            start_to_close_timeout=timeout,
        )
        await workflow.execute_activity(
            approval.RECORD_APPROVAL.name,
            approval.RecordApprovalInput(
                work_order_id=work_order_id,
                approved=True,
                mode=decision.mode,
                decided_by="policy",
                reasons=decision.reasons,
                estimate_version=quote.estimate_version,
            ),
            task_queue=main,
            start_to_close_timeout=timeout,
        )
        await workflow.execute_activity(bench_noop, 0, start_to_close_timeout=timeout)
        await workflow.execute_activity(
            repair.SET_WORK_STATUS.name,
            repair.SetStatusInput(
                work_order_id=work_order_id,
                status=WorkStatus.AWAITING_ASSIGNMENT,
                actor="bench",
                at=workflow.now(),
            ),
            task_queue=main,
            start_to_close_timeout=timeout,
        )
        return work_order_id
