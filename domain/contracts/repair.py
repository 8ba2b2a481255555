"""RepairWorkflow's contract: start input, status query, work order records, completion, failures.

The approval step's calls and updates are in :mod:`domain.contracts.approval`, assignment's in
:mod:`domain.contracts.assignment`. Update names are :class:`domain.work_status.StaffAction`
values (one update per staff action).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from domain.contracts.shared import ActivitySpec, FailureType
from domain.ids import OPTIMIZER_TASK_QUEUE
from domain.work_status import WorkStatus

STATUS_QUERY = "status"


# ---- workflow input and query --------------------------------------------------------------


class Durations(BaseModel):
    """Waits of the approval step in seconds (from settings at start time)."""

    approval_reminder_seconds: int = Field(gt=0)
    approval_expiry_seconds: int = Field(gt=0)


class RepairInput(BaseModel):
    """Start argument of RepairWorkflow. The API has already written the work order row (with its
    ``repair_count``) in the transaction that minted ``work_order_id``.

    ``service_request_id`` and ``repair_count`` are read only by runs started before the API
    created work orders (their first activity created the row); new runs leave them unset.
    """

    work_order_id: str
    customer_id: int
    job_type: str
    priority: str = "normal"
    first_repair_position: int = Field(default=1, ge=1)
    visit_repair_count: int | None = None
    has_photo: bool = False
    requested_by_technician_id: str | None = None
    from_lot_walk: bool = False
    scheduled_date: date
    durations: Durations
    optimizer_task_queue: str = OPTIMIZER_TASK_QUEUE
    service_request_id: int | None = None
    repair_count: int | None = Field(default=None, ge=0)


class RepairStatus(BaseModel):
    """Answer of the ``status`` query and of every update (and of GET for a closed repair)."""

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
    #: live tracking: arrival inside the site's geofence, and the ETA given on "on my way"
    arrived_at: datetime | None = None
    eta: datetime | None = None


# ---- activity payloads ---------------------------------------------------------------------


class CreateWorkOrderInput(BaseModel):
    """Legacy: runs started before the API wrote the work order create it with this call."""

    work_order_id: str
    service_request_id: int
    workflow_id: str
    customer_id: int
    job_type: str
    priority: str
    scheduled_date: date


class SetStatusInput(BaseModel):
    """Persist a status the workflow has already taken (it is the only owner of the status)."""

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
    """Labor and parts of a finished job; the workflow has decided the repair is completed."""

    work_order_id: str
    technician_id: str
    labor_minutes: int = Field(gt=0, le=24 * 60)
    parts: list[PartUsed] = Field(default_factory=list, max_length=50)
    completed_at: datetime


class CompletionResult(BaseModel):
    """Amounts in USD: what the customer owes, and the recorded labor and parts costs."""

    total_amount: Decimal
    labor_cost: Decimal
    parts_cost: Decimal


CREATE_WORK_ORDER: ActivitySpec[CreateWorkOrderInput, None] = ActivitySpec(
    "create_work_order", CreateWorkOrderInput, None, lambda i: f"Create work order {i.work_order_id}"
)
SET_WORK_STATUS: ActivitySpec[SetStatusInput, None] = ActivitySpec(
    "set_work_status", SetStatusInput, None, lambda i: f"Set status {i.status}"
)
RECORD_COMPLETION: ActivitySpec[CompletionInput, CompletionResult] = ActivitySpec(
    "record_completion", CompletionInput, CompletionResult, lambda i: "Record labor, parts and totals"
)


# ---- update payloads -----------------------------------------------------------------------


class StartRequest(BaseModel):
    """The assigned technician starts work on site."""

    actor: str
    technician_id: str


class CompleteRequest(BaseModel):
    """The assigned technician finishes: labor minutes and parts used."""

    actor: str
    technician_id: str
    labor_minutes: int = Field(gt=0, le=24 * 60)
    parts: list[PartUsed] = Field(default_factory=list, max_length=50)


class CancelRequest(BaseModel):
    """Cancel before completion; ``reason`` is shown to staff."""

    actor: str
    reason: str | None = Field(default=None, max_length=500)


# ---- failures ------------------------------------------------------------------------------


class RepairFailure(FailureType):
    """What RepairWorkflow's validators and handlers refuse with."""

    NOT_STARTED = ("NotStarted", 409, False, "the workflow has not run its first task yet")
    INVALID_TRANSITION = (
        "InvalidTransition",
        409,
        False,
        "the repair's status (or another action in flight) does not allow this action",
    )
