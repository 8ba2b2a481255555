"""Stub activities registered under the real activity names, recording every call."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.contracts import (
    ActivityName,
    ApprovalDecisionInput,
    ApprovalDecisionResult,
    ApprovalReminderInput,
    ApprovalRequestInput,
    ApprovalRequestResult,
    AssignInput,
    AssignResult,
    CompletionInput,
    CompletionResult,
    CreateWorkOrderInput,
    QuoteInput,
    QuoteResult,
    RecordApprovalInput,
    SetStatusInput,
)


class StubActivities:
    """In-memory activities; ``amount`` and ``auto_approve`` steer the approval branch."""

    def __init__(
        self,
        *,
        amount: Decimal = Decimal("180.00"),
        auto_approve: bool = False,
        technician_id: str | None = "T-001",
        fail_delivery: bool = False,
        fail_assignment: bool = False,
        room_for_manual: bool = True,
    ) -> None:
        self.fail_delivery = fail_delivery
        self.fail_assignment = fail_assignment
        self.room_for_manual = room_for_manual
        self.amount = amount
        self.auto_approve = auto_approve
        self.technician_id = technician_id
        self.calls: list[tuple[str, object]] = []
        self.scheduled: dict[str, list[datetime]] = {}

    def _log(self, name: str, arg: object) -> None:
        self.calls.append((name, arg))
        self.scheduled.setdefault(name, []).append(activity.info().current_attempt_scheduled_time)

    def names(self) -> list[str]:
        return [n for n, _ in self.calls]

    @activity.defn(name=ActivityName.CREATE_WORK_ORDER)
    async def create_work_order(self, inp: CreateWorkOrderInput) -> None:
        self._log(ActivityName.CREATE_WORK_ORDER, inp)

    @activity.defn(name=ActivityName.QUOTE_WORK_ORDER)
    async def quote_work_order(self, inp: QuoteInput) -> QuoteResult:
        self._log(ActivityName.QUOTE_WORK_ORDER, inp)
        return QuoteResult(
            estimate_version=inp.target_version, amount=self.amount + 10 * (inp.repair_count - 1)
        )

    @activity.defn(name=ActivityName.DECIDE_APPROVAL)
    async def decide_approval(self, inp: ApprovalDecisionInput) -> ApprovalDecisionResult:
        self._log(ActivityName.DECIDE_APPROVAL, inp)
        if self.auto_approve or inp.amount <= Decimal("100"):
            return ApprovalDecisionResult(
                mode="auto_customer_limit", approved=True, approved_by="policy:auto", reasons=["within limit"]
            )
        return ApprovalDecisionResult(
            mode="customer", approved=False, approved_by=None, reasons=["over limit"]
        )

    @activity.defn(name=ActivityName.REQUEST_CUSTOMER_APPROVAL)
    async def request_customer_approval(self, inp: ApprovalRequestInput) -> ApprovalRequestResult:
        self._log(ActivityName.REQUEST_CUSTOMER_APPROVAL, inp)
        if self.fail_delivery:
            raise ApplicationError("customer 7 has no sms address", type="NoContact", non_retryable=True)
        return ApprovalRequestResult(channel="sms", message_id=1)

    @activity.defn(name=ActivityName.SEND_APPROVAL_REMINDER)
    async def send_approval_reminder(self, inp: ApprovalReminderInput) -> None:
        self._log(ActivityName.SEND_APPROVAL_REMINDER, inp)

    @activity.defn(name=ActivityName.RECORD_APPROVAL)
    async def record_approval(self, inp: RecordApprovalInput) -> None:
        self._log(ActivityName.RECORD_APPROVAL, inp)

    @activity.defn(name=ActivityName.ASSIGN_TECHNICIAN)
    async def assign_technician(self, inp: AssignInput) -> AssignResult:
        self._log(ActivityName.ASSIGN_TECHNICIAN, inp)
        if self.fail_assignment:
            raise ApplicationError("solver crashed", type="NotFound", non_retryable=True)
        if inp.technician_id and not self.room_for_manual:
            return AssignResult(technician_id=None, explanation=f"{inp.technician_id} has no room")
        tech = inp.technician_id or self.technician_id
        if tech is None:
            return AssignResult(technician_id=None, explanation="no technician with skill 'repair'")
        start = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
        return AssignResult(
            technician_id=tech,
            scheduled_date=date(2026, 11, 23),
            window_start=start,
            window_end=start + timedelta(hours=2),
            explanation="closest",
        )

    @activity.defn(name=ActivityName.SET_WORK_STATUS)
    async def set_work_status(self, inp: SetStatusInput) -> None:
        self._log(ActivityName.SET_WORK_STATUS, inp)

    @activity.defn(name=ActivityName.RECORD_COMPLETION)
    async def record_completion(self, inp: CompletionInput) -> CompletionResult:
        self._log(ActivityName.RECORD_COMPLETION, inp)
        parts = sum((p.quantity * p.unit_cost for p in inp.parts), Decimal("0"))
        return CompletionResult(total_amount=self.amount + parts, labor_cost=Decimal("0"), parts_cost=parts)

    def all(self) -> list:
        return [
            self.create_work_order,
            self.quote_work_order,
            self.decide_approval,
            self.request_customer_approval,
            self.send_approval_reminder,
            self.record_approval,
            self.set_work_status,
            self.record_completion,
        ]
