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
#: Update answered once the first estimate is quoted and its approval decided (seed 001 2.2:
#: the price is told upfront); it issues no commands, so any run accepts it.
ESTIMATE_UPDATE = "estimate"


# ---- workflow input and query --------------------------------------------------------------


class Durations(BaseModel):
    """Waits in seconds (from settings at start time): the approval step's, and the post-service
    survey's (``SurveyWorkflow``, started at completion). ``survey_delay_seconds`` None means no
    survey: runs started before surveys existed, and callers that do not ask for one."""

    approval_reminder_seconds: int = Field(gt=0)
    approval_expiry_seconds: int = Field(gt=0)
    survey_delay_seconds: int | None = Field(default=None, ge=0)
    survey_reminder_seconds: int = Field(default=2 * 86400, gt=0)
    survey_expiry_seconds: int = Field(default=7 * 86400, gt=0)
    survey_hold_recheck_seconds: int = Field(default=12 * 3600, gt=0)


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
    #: set for a repair found on a lot walk (a child of ``lot-walk-…``): it sends no approval
    #: link of its own but waits for the walk's single request; None keeps the usual link
    lot_walk_workflow_id: str | None = None
    #: tell the customer about approval, assignment and completion (``notify_customer``, by his
    #: preferences); runs started before status updates, and tests without the activity, leave it off
    notify_status_updates: bool = False


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
    #: the price staff set instead of the quoted one (USD), None without an override
    cost_override: Decimal | None = None
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


#: the largest volume one pump out records, in US gallons (a big grease interceptor or a pump truck's
#: several loads); beyond it a typo is more likely than a job
MAX_PUMPED_GALLONS = 50_000


class CompletionInput(BaseModel):
    """Labor and parts of a finished job; the workflow has decided the repair is completed.

    ``gallons_pumped`` and ``tank_size_gallons`` (US gallons) are what a pump out took (seed 000
    Phase 1.2); None when not given (every run started before they existed)."""

    work_order_id: str
    technician_id: str
    labor_minutes: int = Field(gt=0, le=24 * 60)
    parts: list[PartUsed] = Field(default_factory=list, max_length=50)
    completed_at: datetime
    gallons_pumped: int | None = Field(default=None, ge=0, le=MAX_PUMPED_GALLONS)
    tank_size_gallons: int | None = Field(default=None, gt=0, le=MAX_PUMPED_GALLONS)


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
    """The assigned technician finishes: labor minutes and parts used, and for a pump out the
    gallons pumped and the tank's size in US gallons (optional fields: replay-safe)."""

    actor: str
    technician_id: str
    labor_minutes: int = Field(gt=0, le=24 * 60)
    parts: list[PartUsed] = Field(default_factory=list, max_length=50)
    gallons_pumped: int | None = Field(default=None, ge=0, le=MAX_PUMPED_GALLONS)
    tank_size_gallons: int | None = Field(default=None, gt=0, le=MAX_PUMPED_GALLONS)


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
