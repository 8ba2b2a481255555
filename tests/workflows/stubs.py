"""Stub activities registered under the real activity names, recording every call."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.contracts import approval, assignment, messaging, repair
from domain.contracts.approval import (
    ApprovalDecisionInput,
    ApprovalDecisionResult,
    ApprovalReminderInput,
    ApprovalRequestInput,
    ApprovalRequestResult,
    QuoteInput,
    QuoteResult,
    RecordApprovalInput,
    RecordPriceOverrideInput,
)
from domain.contracts.assignment import AssignInput, AssignResult
from domain.contracts.messaging import (
    ContactTimeInput,
    ContactTimeResult,
    NotifyCustomerInput,
    NotifyCustomerResult,
)
from domain.contracts.repair import CompletionInput, CompletionResult, CreateWorkOrderInput, SetStatusInput
from domain.work_status import WorkStatus


class ActivityName:
    """The real activity names, read from the contracts (stubs register under them)."""

    CREATE_WORK_ORDER = repair.CREATE_WORK_ORDER.name
    QUOTE_WORK_ORDER = approval.QUOTE_WORK_ORDER.name
    DECIDE_APPROVAL = approval.DECIDE_APPROVAL.name
    REQUEST_CUSTOMER_APPROVAL = approval.REQUEST_CUSTOMER_APPROVAL.name
    SEND_APPROVAL_REMINDER = approval.SEND_APPROVAL_REMINDER.name
    RECORD_APPROVAL = approval.RECORD_APPROVAL.name
    RECORD_PRICE_OVERRIDE = approval.RECORD_PRICE_OVERRIDE.name
    ASSIGN_TECHNICIAN = assignment.ASSIGN_TECHNICIAN.name
    INSERT_REPAIR = assignment.INSERT_REPAIR.name
    SET_WORK_STATUS = repair.SET_WORK_STATUS.name
    RECORD_COMPLETION = repair.RECORD_COMPLETION.name
    NEXT_CONTACT_TIME = messaging.NEXT_CONTACT_TIME.name
    NOTIFY_CUSTOMER = messaging.NOTIFY_CUSTOMER.name


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
        stored_repair_count: int = 1,
        slow_status_writes: dict[WorkStatus, float] | None = None,
        assignment_reply_delay_s: float = 0.0,
        failing_attempts: dict[str, int] | None = None,
        quiet_until: list[datetime] | None = None,
    ) -> None:
        #: answers of ``next_contact_time`` in turn (each answer is used while still ahead of the
        #: asked instant; once none is, the customer may be contacted at once)
        self.quiet_until = list(quiet_until or [])
        #: activity name → how many of its first attempts fail with a retryable provider error
        #: (a slow delivery: the retry backoffs of SEND_CALL are 2, 4, 8 and 16 s)
        self.failing_attempts = failing_attempts or {}
        #: seconds between the assignment's "commit" and its reply reaching the workflow (the gap
        #: in which the old design showed ``assigned`` before the workflow accepted a start)
        self.assignment_reply_delay_s = assignment_reply_delay_s
        self.stored_repair_count = stored_repair_count
        self.slow_status_writes = slow_status_writes or {}
        #: statuses in the order their writes finished (what the database would hold last)
        self.persisted: list[WorkStatus] = []
        self.fail_delivery = fail_delivery
        self.fail_assignment = fail_assignment
        self.room_for_manual = room_for_manual
        self.amount = amount
        self.auto_approve = auto_approve
        self.technician_id = technician_id
        self.calls: list[tuple[str, object]] = []
        self.scheduled: dict[str, list[datetime]] = {}
        #: when each logged call's first attempt was scheduled (before any retry), and the
        #: attempt that succeeded
        self.first_scheduled: dict[str, list[datetime]] = {}
        self.attempts: dict[str, list[int]] = {}

    def _log(self, name: str, arg: object) -> None:
        info = activity.info()
        if info.attempt <= self.failing_attempts.get(name, 0):
            raise ApplicationError(
                f"provider unavailable (attempt {info.attempt})", type="ProviderUnavailable"
            )
        self.calls.append((name, arg))
        self.scheduled.setdefault(name, []).append(info.current_attempt_scheduled_time)
        self.first_scheduled.setdefault(name, []).append(info.scheduled_time)
        self.attempts.setdefault(name, []).append(info.attempt)

    @property
    def stored_status(self) -> WorkStatus:
        """What ``work_orders.status`` (and so the API) would show."""
        return self.persisted[-1] if self.persisted else WorkStatus.REQUESTED

    def names(self) -> list[str]:
        return [n for n, _ in self.calls]

    @activity.defn(name=ActivityName.CREATE_WORK_ORDER)
    async def create_work_order(self, inp: CreateWorkOrderInput) -> None:
        self._log(ActivityName.CREATE_WORK_ORDER, inp)

    @activity.defn(name=ActivityName.QUOTE_WORK_ORDER)
    async def quote_work_order(self, inp: QuoteInput) -> QuoteResult:
        self._log(ActivityName.QUOTE_WORK_ORDER, inp)
        if inp.price_override is not None:
            return QuoteResult(estimate_version=inp.target_version, amount=inp.price_override.amount)
        count = self.stored_repair_count if inp.repair_count is None else inp.repair_count
        return QuoteResult(estimate_version=inp.target_version, amount=self.amount + 10 * (count - 1))

    @activity.defn(name=ActivityName.RECORD_PRICE_OVERRIDE)
    async def record_price_override(self, inp: RecordPriceOverrideInput) -> QuoteResult:
        self._log(ActivityName.RECORD_PRICE_OVERRIDE, inp)
        return QuoteResult(estimate_version=1, amount=inp.override.amount)

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
        if inp.approved:
            self.persisted.append(WorkStatus.APPROVED)

    @activity.defn(name=ActivityName.ASSIGN_TECHNICIAN)
    async def assign_technician(self, inp: AssignInput) -> AssignResult:
        self._log(ActivityName.ASSIGN_TECHNICIAN, inp)
        return await self._assignment(inp)

    @activity.defn(name=ActivityName.INSERT_REPAIR)
    async def insert_repair(self, inp: AssignInput) -> AssignResult:
        self._log(ActivityName.INSERT_REPAIR, inp)
        return await self._assignment(inp)

    def optimizer(self) -> list:
        """The optimizer queue's stubs: per-job assignment (manual, recorded runs) and insertion."""
        return [self.assign_technician, self.insert_repair]

    async def _assignment(self, inp: AssignInput) -> AssignResult:
        if self.fail_assignment:
            raise ApplicationError("solver crashed", type="NotFound", non_retryable=True)
        if inp.technician_id and not self.room_for_manual:
            return AssignResult(technician_id=None, explanation=f"{inp.technician_id} has no room")
        tech = inp.technician_id or self.technician_id
        if tech is None:
            return AssignResult(technician_id=None, explanation="no technician with skill 'repair'")
        await asyncio.sleep(self.assignment_reply_delay_s)
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
        if inp.status in self.slow_status_writes:
            await asyncio.sleep(self.slow_status_writes[inp.status])
        self.persisted.append(inp.status)

    @activity.defn(name=ActivityName.RECORD_COMPLETION)
    async def record_completion(self, inp: CompletionInput) -> CompletionResult:
        self._log(ActivityName.RECORD_COMPLETION, inp)
        self.persisted.append(WorkStatus.COMPLETED)
        parts = sum((p.quantity * p.unit_cost for p in inp.parts), Decimal("0"))
        return CompletionResult(total_amount=self.amount + parts, labor_cost=Decimal("0"), parts_cost=parts)

    @activity.defn(name=ActivityName.NEXT_CONTACT_TIME)
    async def next_contact_time(self, inp: ContactTimeInput) -> ContactTimeResult:
        self._log(ActivityName.NEXT_CONTACT_TIME, inp)
        ahead = [t for t in self.quiet_until if t > inp.at]
        return ContactTimeResult(allowed_at=ahead[0] if ahead else inp.at)

    @activity.defn(name=ActivityName.NOTIFY_CUSTOMER)
    async def notify_customer(self, inp: NotifyCustomerInput) -> NotifyCustomerResult:
        self._log(ActivityName.NOTIFY_CUSTOMER, inp)
        return NotifyCustomerResult(outcome="sent", message_id=1)

    def all(self) -> list:
        return [
            self.next_contact_time,
            self.notify_customer,
            self.create_work_order,
            self.quote_work_order,
            self.record_price_override,
            self.decide_approval,
            self.request_customer_approval,
            self.send_approval_reminder,
            self.record_approval,
            self.set_work_status,
            self.record_completion,
        ]
