"""LotWalkWorkflow's contract (seed 001 2.1, 2.3; DESIGN.md workflow catalog): start input,
the findings update, the decisions update, the status query, activity payloads and failures.

A walk is ``lot-walk-{customer_id}-{date}``. Its visit is a work order of job type
``LOT_WALK_JOB_TYPE`` (the walker's booking); each repair found becomes a child RepairWorkflow.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from domain.contracts.shared import ActivitySpec, FailureType
from domain.ids import OPTIMIZER_TASK_QUEUE

#: catalog code of a walk's visit (no price of its own: the repairs found are priced)
LOT_WALK_JOB_TYPE = "lot_walk"
LOT_WALK_QUERY = "lot_walk"
FINDINGS_UPDATE = "record_findings"
DECISIONS_UPDATE = "decide_repairs"
#: signal a child repair sends its walk once its approval is decided (or waits for the customer)
REPAIR_DECIDED_SIGNAL = "repair_decided"
#: signal the walk sends a waiting child with the customer's (or staff's) answer
LOT_WALK_DECISION_SIGNAL = "lot_walk_decision"

MAX_REPAIRS_PER_WALK = 200
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
PhotoUrl = Annotated[str, StringConstraints(min_length=12, max_length=500, pattern=r"^https?://[^\s]+$")]


class LotWalkState(StrEnum):
    """Where a walk is; ``closed`` has its summary."""

    REQUESTED = "requested"
    WALKER_ASSIGNED = "walker_assigned"
    REPAIRS_STARTED = "repairs_started"
    AWAITING_APPROVAL = "awaiting_approval"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"
    NOT_WALKED = "not_walked"


class LotWalkInput(BaseModel):
    """Start argument: the customer, the day, who asked (``schedule`` or ``staff:{key}``) and the
    waits in seconds (from settings at start time). ``walk_date`` None is a run started by the
    customer's Temporal Schedule: it starts that day's ``lot-walk-{customer_id}-{date}`` (the
    day in ``time_zone``) and ends; a walk already started for the day is left alone."""

    customer_id: int = Field(ge=1)
    walk_date: date | None
    time_zone: str = "UTC"
    requested_by: str
    findings_wait_seconds: int = Field(gt=0)
    approval_reminder_seconds: int = Field(gt=0)
    approval_expiry_seconds: int = Field(gt=0)
    optimizer_task_queue: str = OPTIMIZER_TASK_QUEUE


class FoundUnit(BaseModel):
    """One vehicle or unit of the lot and the repairs it needs (each one a repair)."""

    unit: Text = Field(description="the fleet's name or number of the vehicle/unit")
    repairs: list[Text] = Field(min_length=1, max_length=20)
    photos: list[PhotoUrl] = Field(default_factory=list, max_length=10)
    notes: str | None = Field(default=None, max_length=2000)


class FindingsRequest(BaseModel):
    """Update payload: what the walker found. The units' order is the walk's order, which prices
    the repairs by tier (1st, 2nd, … repair of the walk)."""

    actor: str
    technician_id: str | None = None
    units: list[FoundUnit] = Field(max_length=100)


class RepairDecision(BaseModel):
    """The customer's (or staff's) answer for one repair of the walk."""

    work_order_id: str
    approve: bool


class DecisionsRequest(BaseModel):
    """Update payload: answers for repairs waiting for approval; ``actor`` is
    ``customer:{id}:lot-walk-link`` or ``staff:{key_id}``. Repairs left out stay waiting."""

    actor: str
    decisions: list[RepairDecision] = Field(min_length=1, max_length=MAX_REPAIRS_PER_WALK)
    reason: str | None = Field(default=None, max_length=500)


class RepairDecided(BaseModel):
    """Signal payload from a child repair: its estimate and whether it is approved (None while
    it waits for the walk's single approval request)."""

    work_order_id: str
    amount: Decimal
    approval_mode: str
    approved: bool | None


class LotWalkChildDecision(BaseModel):
    """Signal payload to a waiting child: approve, decline or expire."""

    outcome: Literal["approve", "decline", "expire"]
    actor: str
    reason: str | None = None


class LotWalkRepair(BaseModel):
    """One repair of the walk as the walk knows it."""

    work_order_id: str
    position: int
    amount: Decimal | None = None
    approval_mode: str | None = None
    approved: bool | None = None
    status: str | None = None
    total_amount: Decimal | None = None


class LotWalkSummary(BaseModel):
    """A closed walk: repairs found, auto-approved, approved by the customer or staff, declined
    (or expired), completed, and the completed work's amount in USD."""

    found: int = 0
    auto_approved: int = 0
    approved: int = 0
    declined: int = 0
    completed: int = 0
    amount: Decimal = Decimal("0.00")


class LotWalkStatus(BaseModel):
    """Answer of the ``lot_walk`` query, of the updates and the workflow's result."""

    lot_walk_id: str
    customer_id: int
    state: LotWalkState
    visit_work_order_id: str | None = None
    technician_id: str | None = None
    repairs: list[LotWalkRepair] = Field(default_factory=list)
    summary: LotWalkSummary | None = None


# ---- activity payloads ---------------------------------------------------------------------


class OpenLotWalkInput(BaseModel):
    """Record the walk (``lot_walks`` row) and its visit work order; idempotent on the id."""

    lot_walk_id: str
    workflow_id: str
    customer_id: int
    walk_date: date
    requested_by: str


class OpenLotWalkResult(BaseModel):
    """The visit work order and the customer's preferred technicians, in order."""

    visit_work_order_id: str
    preferred_technician_ids: list[str]


class LotWalkStateInput(BaseModel):
    """Persist the walk's state (and walker) the workflow took."""

    lot_walk_id: str
    state: LotWalkState
    technician_id: str | None = None
    at: datetime


class NoticeInput(BaseModel):
    """Tell the customer the walk is planned (keyed ``{workflow_id}:lot-walk-notice``)."""

    lot_walk_id: str
    workflow_id: str


class RecordFindingsInput(BaseModel):
    """Write one service request and work order per repair found; idempotent on the walk."""

    lot_walk_id: str
    findings: FindingsRequest
    at: datetime


class RecordFindingsResult(BaseModel):
    """The repairs' work order ids in walk order (position = index + 1) and photo flags."""

    work_order_ids: list[str]
    has_photo: list[bool]
    scheduled_date: date


class LotWalkApprovalInput(BaseModel):
    """Issue the walk's single approval link for ``work_order_ids`` and send one message listing
    them all (keyed ``{workflow_id}:lot-walk-approval``)."""

    lot_walk_id: str
    workflow_id: str
    work_order_ids: list[str]
    expires_at: datetime


class CloseLotWalkInput(BaseModel):
    """Store the summary and close the walk (and its visit)."""

    lot_walk_id: str
    summary: LotWalkSummary
    at: datetime


OPEN_LOT_WALK: ActivitySpec[OpenLotWalkInput, OpenLotWalkResult] = ActivitySpec(
    "open_lot_walk", OpenLotWalkInput, OpenLotWalkResult, lambda i: f"Record lot walk {i.lot_walk_id}"
)
SET_LOT_WALK_STATE: ActivitySpec[LotWalkStateInput, None] = ActivitySpec(
    "set_lot_walk_state", LotWalkStateInput, None, lambda i: f"Set lot walk state {i.state}"
)
SEND_LOT_WALK_NOTICE: ActivitySpec[NoticeInput, None] = ActivitySpec(
    "send_lot_walk_notice", NoticeInput, None, lambda i: "Tell the customer the lot walk is planned"
)
RECORD_FINDINGS: ActivitySpec[RecordFindingsInput, RecordFindingsResult] = ActivitySpec(
    "record_lot_walk_findings",
    RecordFindingsInput,
    RecordFindingsResult,
    lambda i: f"Record {sum(len(u.repairs) for u in i.findings.units)} repair(s) found",
)
REQUEST_LOT_WALK_APPROVAL: ActivitySpec[LotWalkApprovalInput, None] = ActivitySpec(
    "request_lot_walk_approval",
    LotWalkApprovalInput,
    None,
    lambda i: f"Send one approval link for {len(i.work_order_ids)} repair(s)",
)
CLOSE_LOT_WALK: ActivitySpec[CloseLotWalkInput, None] = ActivitySpec(
    "close_lot_walk",
    CloseLotWalkInput,
    None,
    lambda i: f"Close lot walk: {i.summary.found} found, {i.summary.completed} completed",
)


class LotWalkFailure(FailureType):
    """What LotWalkWorkflow's validators refuse with."""

    NOT_STARTED = ("LotWalkNotStarted", 409, False, "the walk's workflow has not run its first task yet")
    NOT_WAITING = ("LotWalkNotWaiting", 409, False, "the walk is not waiting for this (findings or answers)")
    INVALID_FINDINGS = ("InvalidFindings", 422, False, "the findings are empty, too many or repeat a unit")
    UNKNOWN_REPAIR = ("UnknownRepair", 422, False, "a decision names a repair not waiting in this walk")
