"""The quote-and-approval step of RepairWorkflow, and the status plumbing it shares with it.

Each estimate version is quoted and decided in an activity. When the customer must approve,
the link is sent (and reminded) while timers run; the customer or staff decide, staff may
revise the estimate (a new version: the old link dies, a new one goes out), or it expires.
A message that cannot be delivered does not stop the step: staff can still decide by phone and
the expiry still ends it. Deterministic code only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey, SearchAttributePair
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from domain.contracts import (
        ActivityName,
        ApprovalDecisionInput,
        ApprovalDecisionResult,
        ApprovalReminderInput,
        ApprovalRequestInput,
        ApprovalRequestResult,
        ApproveRequest,
        DeclineRequest,
        QuoteInput,
        QuoteResult,
        RecordApprovalInput,
        RepairInput,
        RepairStatus,
        SetStatusInput,
    )
    from domain.work_status import TERMINAL_STATUSES, WorkStatus

SA_CUSTOMER = SearchAttributeKey.for_keyword("CustomerId")
SA_TECHNICIAN = SearchAttributeKey.for_keyword("TechnicianId")
SA_JOB_TYPE = SearchAttributeKey.for_keyword("JobType")
SA_STATUS = SearchAttributeKey.for_keyword("WorkStatus")
SA_PRIORITY = SearchAttributeKey.for_keyword("Priority")
SA_AMOUNT = SearchAttributeKey.for_float("AmountDue")

DB_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))
DB_TIMEOUT = timedelta(seconds=30)
#: Messaging gives up after a few tries; the approval wait goes on and staff see the failure.
SEND_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    maximum_interval=timedelta(minutes=1),
    maximum_attempts=5,
    non_retryable_error_types=["NoContact", "NoLiveLink"],
)


class RepairSteps:
    """State, status handling and the approval step; RepairWorkflow adds the run and updates."""

    def __init__(self) -> None:
        self._state: RepairStatus | None = None
        self._input: RepairInput | None = None
        self._decision: ApproveRequest | DeclineRequest | None = None
        self._revision: int | None = None
        self._busy: str | None = None
        self._cancelled = False
        self._approval_open = False

    @contextmanager
    def _exclusive(self, action: str) -> Iterator[None]:
        """Mark ``action`` in flight for its duration; validators refuse other actions meanwhile."""
        self._busy = action
        try:
            yield
        finally:
            self._busy = None

    @property
    def status(self) -> WorkStatus:
        return self._state.status if self._state else WorkStatus.REQUESTED

    async def _db(self, name: ActivityName, arg, result_type, summary: str):
        return await workflow.execute_activity(
            name,
            arg,
            result_type=result_type,
            start_to_close_timeout=DB_TIMEOUT,
            retry_policy=DB_RETRY,
            summary=summary,
        )

    async def _set_status(self, status: WorkStatus, actor: str, reason: str | None = None) -> None:
        """Take the status now (validators see it at once), then persist it with an audit entry."""
        self._status(status)
        await self._db(
            ActivityName.SET_WORK_STATUS,
            SetStatusInput(
                work_order_id=self._state.work_order_id,
                status=status,
                actor=actor,
                at=workflow.now(),
                reason=reason,
            ),
            None,
            f"Set status {status}",
        )

    def _status(self, status: WorkStatus) -> None:
        if self._state.status in TERMINAL_STATUSES:
            return  # a cancel recorded while an activity was in flight wins
        self._state.status = status
        workflow.upsert_search_attributes([SearchAttributePair(SA_STATUS, status.value)])

    async def _wait(self, cond, seconds: int) -> bool:
        """Wait for ``cond`` up to ``seconds``; True when it became true."""
        if seconds <= 0:
            return cond()
        try:
            await workflow.wait_condition(cond, timeout=timedelta(seconds=seconds))
            return True
        except TimeoutError:
            return False

    # ---- approval ---------------------------------------------------------------------

    async def _approve(self, inp: RepairInput) -> bool:
        """Quote and obtain approval; False when the repair ended (declined, expired, cancelled)."""
        repair_count, version = inp.repair_count, 1
        while True:
            quote: QuoteResult = await self._db(
                ActivityName.QUOTE_WORK_ORDER,
                QuoteInput(
                    work_order_id=inp.work_order_id,
                    target_version=version,
                    repair_count=repair_count,
                    first_repair_position=inp.first_repair_position,
                    visit_repair_count=inp.visit_repair_count,
                ),
                QuoteResult,
                f"Quote estimate v{version} (catalog, repair tiers, volume discount)",
            )
            self._state.estimate_amount = quote.amount
            self._state.estimate_version = quote.estimate_version
            decision: ApprovalDecisionResult = await self._db(
                ActivityName.DECIDE_APPROVAL,
                ApprovalDecisionInput(
                    work_order_id=inp.work_order_id,
                    amount=quote.amount,
                    has_photo=inp.has_photo,
                    # a manager approved what he asked for, not a later revision he never saw
                    requested_by_technician_id=inp.requested_by_technician_id if version == 1 else None,
                    from_lot_walk=inp.from_lot_walk,
                ),
                ApprovalDecisionResult,
                f"Decide approval of ${quote.amount}",
            )
            self._state.approval_mode = decision.mode
            if self._cancelled:
                return False
            if decision.approved:
                await self._record_approval(
                    True, decision.mode, decision.approved_by or "policy", decision.reasons
                )
                return not self._cancelled
            self._approval_open = True
            await self._set_status(WorkStatus.PENDING_APPROVAL, "workflow", "; ".join(decision.reasons))
            outcome = await self._await_customer(inp, quote.estimate_version)
            if outcome != "revised":
                return outcome == "approved"
            repair_count, version = self._revision, version + 1
            self._revision = None

    async def _await_customer(self, inp: RepairInput, version: int) -> str:
        """approved | declined | expired | cancelled | revised."""
        wf_id = workflow.info().workflow_id
        durations = inp.durations
        settled = lambda: self._decision is not None or self._cancelled or self._revision is not None  # noqa: E731
        if not settled():
            await self._deliver(
                ActivityName.REQUEST_CUSTOMER_APPROVAL,
                ApprovalRequestInput(
                    work_order_id=inp.work_order_id,
                    workflow_id=wf_id,
                    estimate_version=version,
                    expires_at=workflow.now() + timedelta(seconds=durations.approval_expiry_seconds),
                ),
                ApprovalRequestResult,
                f"Send approval link for estimate v{version}",
            )
        reminder_after = min(durations.approval_reminder_seconds, durations.approval_expiry_seconds)
        if not await self._wait(settled, reminder_after):
            self._state.reminders_sent += 1
            await self._deliver(
                ActivityName.SEND_APPROVAL_REMINDER,
                ApprovalReminderInput(
                    work_order_id=inp.work_order_id, workflow_id=wf_id, estimate_version=version
                ),
                None,
                f"Send approval reminder for estimate v{version}",
            )
            await self._wait(settled, durations.approval_expiry_seconds - reminder_after)
        self._approval_open = False
        if self._cancelled:
            return "cancelled"
        if self._revision is not None:
            return "revised"
        if self._decision is None:
            await self._record_approval(False, "expired", "workflow", ["approval link expired unanswered"])
            await self._set_status(WorkStatus.EXPIRED, "workflow", "approval expired")
            return "expired"
        approved = isinstance(self._decision, ApproveRequest)
        actor = self._decision.actor
        mode = "customer_link" if actor.startswith("customer:") else "staff_on_behalf"
        reason = self._decision.reason or ("approved" if approved else "declined")
        await self._record_approval(approved, mode, actor, [reason])
        if not approved:
            await self._set_status(WorkStatus.DECLINED, actor, reason)
        return "approved" if approved and not self._cancelled else "declined"

    async def _deliver(self, name: ActivityName, arg, result_type, summary: str) -> None:
        """Send a customer message; a failed delivery is counted, not fatal."""
        try:
            await workflow.execute_activity(
                name,
                arg,
                result_type=result_type,
                start_to_close_timeout=timedelta(seconds=60),
                retry_policy=SEND_RETRY,
                summary=summary,
            )
        except ActivityError as err:
            self._state.delivery_failures += 1
            workflow.logger.warning("%s failed: %s", name, err.cause or err)

    async def _record_approval(self, approved: bool, mode: str, by: str, reasons: list[str]) -> None:
        await self._db(
            ActivityName.RECORD_APPROVAL,
            RecordApprovalInput(
                work_order_id=self._state.work_order_id,
                approved=approved,
                mode=mode,
                decided_by=by,
                reasons=reasons,
                estimate_version=self._state.estimate_version or 0,
            ),
            None,
            f"Record {'approval' if approved else 'no approval'} ({mode}) by {by}",
        )
        self._state.approval_mode = mode
        if approved:
            self._state.approved_by = by
            self._status(WorkStatus.APPROVED)
