"""Payloads exchanged between the API, workflows and activities, and the activity names.

One ``…Input``/``…Result`` model per call (Temporal samples style), serialised with
``pydantic_data_converter``. Histories are plaintext, so these carry IDs, statuses and amounts
only: never phone numbers, emails, tokens or free text from customers (activities look those up).
Money is Decimal (serialised as a string), times are aware UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from domain.ids import OPTIMIZER_TASK_QUEUE
from domain.work_status import WorkStatus


class ActivityName(StrEnum):
    """Globally unique activity names (verb_noun); stubs in tests register under these."""

    CREATE_WORK_ORDER = "create_work_order"
    QUOTE_WORK_ORDER = "quote_work_order"
    DECIDE_APPROVAL = "decide_approval"
    REQUEST_CUSTOMER_APPROVAL = "request_customer_approval"
    SEND_APPROVAL_REMINDER = "send_approval_reminder"
    RECORD_APPROVAL = "record_approval"
    ASSIGN_TECHNICIAN = "assign_technician"
    SET_WORK_STATUS = "set_work_status"
    RECORD_COMPLETION = "record_completion"


class RepairUpdate(StrEnum):
    """Update names of RepairWorkflow (one per staff action)."""

    APPROVE = "approve"
    DECLINE = "decline"
    ASSIGN = "assign"
    START = "start"
    COMPLETE = "complete"
    CANCEL = "cancel"
    REVISE_ESTIMATE = "revise_estimate"


STATUS_QUERY = "status"


class Durations(BaseModel):
    """Waits of the approval step in seconds (from settings at start time)."""

    approval_reminder_seconds: int = Field(gt=0)
    approval_expiry_seconds: int = Field(gt=0)


class RepairInput(BaseModel):
    """Start argument of RepairWorkflow; ``service_request_id`` points at the stored request text."""

    work_order_id: str
    service_request_id: int
    customer_id: int
    job_type: str
    priority: str = "normal"
    repair_count: int = Field(default=1, ge=0)
    first_repair_position: int = Field(default=1, ge=1)
    visit_repair_count: int | None = None
    has_photo: bool = False
    requested_by_technician_id: str | None = None
    from_lot_walk: bool = False
    scheduled_date: date
    durations: Durations
    optimizer_task_queue: str = OPTIMIZER_TASK_QUEUE


# ---- activity payloads -------------------------------------------------------------------


class CreateWorkOrderInput(BaseModel):
    work_order_id: str
    service_request_id: int
    workflow_id: str
    customer_id: int
    job_type: str
    priority: str
    scheduled_date: date


class QuoteInput(BaseModel):
    """Quote ``target_version`` of the estimate (idempotent: an existing version is returned)."""

    work_order_id: str
    target_version: int = Field(default=1, ge=1)
    repair_count: int
    first_repair_position: int = 1
    visit_repair_count: int | None = None


class QuoteResult(BaseModel):
    estimate_version: int
    amount: Decimal


class ApprovalDecisionInput(BaseModel):
    work_order_id: str
    amount: Decimal
    has_photo: bool
    requested_by_technician_id: str | None
    from_lot_walk: bool = False


class ApprovalDecisionResult(BaseModel):
    mode: str
    approved: bool
    approved_by: str | None
    reasons: list[str]


class ApprovalRequestInput(BaseModel):
    work_order_id: str
    workflow_id: str
    estimate_version: int
    expires_at: datetime


class ApprovalRequestResult(BaseModel):
    channel: str
    message_id: int


class ApprovalReminderInput(BaseModel):
    work_order_id: str
    workflow_id: str
    estimate_version: int


class RecordApprovalInput(BaseModel):
    work_order_id: str
    approved: bool
    mode: str
    decided_by: str
    reasons: list[str]
    estimate_version: int


class AssignInput(BaseModel):
    work_order_id: str
    technician_id: str | None = None
    actor: str = "optimizer"


class AssignResult(BaseModel):
    technician_id: str | None
    scheduled_date: date | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    explanation: str
    runner_up_technician_id: str | None = None


class SetStatusInput(BaseModel):
    work_order_id: str
    status: WorkStatus
    actor: str
    at: datetime
    reason: str | None = None


class PartUsed(BaseModel):
    """A part installed on the job; ``unit_cost`` in USD."""

    description: str = Field(min_length=1, max_length=200)
    quantity: Decimal = Field(gt=0, le=Decimal("9999.99"), decimal_places=2)
    unit: str = Field(default="each", max_length=20)
    unit_cost: Decimal = Field(ge=0, le=Decimal("99999.99"), decimal_places=2)


class CompletionInput(BaseModel):
    work_order_id: str
    technician_id: str
    labor_minutes: int = Field(gt=0, le=24 * 60)
    parts: list[PartUsed] = Field(default_factory=list, max_length=50)
    completed_at: datetime


class CompletionResult(BaseModel):
    total_amount: Decimal
    labor_cost: Decimal
    parts_cost: Decimal


# ---- update and query payloads -----------------------------------------------------------


class ApproveRequest(BaseModel):
    """Approve the estimate; ``actor`` is ``staff:{key_id}`` or ``customer:{id}:link``."""

    actor: str
    estimate_version: int | None = None
    reason: str | None = Field(default=None, max_length=500)


class DeclineRequest(BaseModel):
    actor: str
    estimate_version: int | None = None
    reason: str | None = Field(default=None, max_length=500)


class AssignRequest(BaseModel):
    """Assign by hand (``technician_id``) or re-run the optimizer (``None``)."""

    actor: str
    technician_id: str | None = None


class StartRequest(BaseModel):
    actor: str
    technician_id: str


class CompleteRequest(BaseModel):
    actor: str
    technician_id: str
    labor_minutes: int = Field(gt=0, le=24 * 60)
    parts: list[PartUsed] = Field(default_factory=list, max_length=50)


class ReviseEstimateRequest(BaseModel):
    """Change the estimate while the customer has not answered: re-quote, new link, old link dead."""

    actor: str
    repair_count: int = Field(ge=0, le=50)


class CancelRequest(BaseModel):
    actor: str
    reason: str | None = Field(default=None, max_length=500)


class RepairStatus(BaseModel):
    """Answer of the ``status`` query and of every update."""

    work_order_id: str
    status: WorkStatus
    estimate_amount: Decimal | None = None
    estimate_version: int | None = None
    approval_mode: str | None = None
    approved_by: str | None = None
    technician_id: str | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    total_amount: Decimal | None = None
    reminders_sent: int = 0
    delivery_failures: int = 0
