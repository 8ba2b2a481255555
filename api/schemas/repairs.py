"""Request and response bodies of ``/api/v1/repairs``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas.common import IsoDate, RequestBody, money
from domain.contracts.repair import MAX_PUMPED_GALLONS, PartUsed, RepairStatus

Priority = Literal["emergency", "high", "normal", "low"]
PhotoUrl = Annotated[str, Field(min_length=12, max_length=500, pattern=r"^https?://[^\s]+$")]


class RepairCreate(RequestBody):
    """A repair request taken by the office. ``description`` and ``photos`` stay in the database."""

    customer_id: int = Field(ge=1)
    job_type: str = Field(min_length=1, max_length=40, examples=["repair"])
    priority: Priority = "normal"
    description: str | None = Field(default=None, max_length=2000)
    photos: list[PhotoUrl] = Field(default_factory=list, max_length=10, description="photo URLs")
    repair_count: int = Field(default=1, ge=0, le=50, description="repairs in this visit (priced by tier)")
    scheduled_date: IsoDate | None = Field(
        default=None, description="requested service day; default tomorrow"
    )
    requested_by_technician_id: str | None = Field(default=None, max_length=20)
    from_lot_walk: bool = Field(
        default=False,
        description="a lot-walk finding (seed 001 2.3): auto-approved only for customers with "
        "auto_approve_lot_repairs; office and admin keys only",
    )
    repair_position: int = Field(
        default=1,
        ge=1,
        le=1000,
        description="position of this request's first repair in the visit or lot walk",
    )
    visit_repair_count: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="repairs in the whole walk (volume discount); default: the last position",
    )

    #: fields added after Idempotency-Key fingerprints were first stored: left out of the
    #: fingerprint at their defaults, so a retry of an earlier request still matches
    LATER_FIELDS: ClassVar[tuple[str, ...]] = ("from_lot_walk", "repair_position", "visit_repair_count")

    def fingerprint_json(self) -> str:
        """The body as hashed for Idempotency-Key checks (``LATER_FIELDS`` left out at defaults)."""
        left_out = {
            name for name in self.LATER_FIELDS if getattr(self, name) == type(self).model_fields[name].default
        }
        return self.model_dump_json(exclude=left_out)

    @property
    def lot_walk_terms(self) -> bool:
        """Whether any lot-walk field differs from a plain repair request."""
        return self.from_lot_walk or self.repair_position != 1 or self.visit_repair_count is not None


class EstimateLineOut(BaseModel):
    """One line of an estimate (USD; negative for a discount or a lowering override)."""

    description: str
    amount: Decimal
    kind: str = "charge"


class ApprovalOut(BaseModel):
    """The approval decision of an estimate (``domain.approval``): ``mode`` is
    ``auto_customer_limit``, ``manager_limit`` or ``customer`` (a link was sent)."""

    mode: str
    approved: bool
    approved_by: str | None
    reasons: list[str]


class UpfrontEstimate(BaseModel):
    """The price told while the customer is on the phone (seed 001 2.2): amount, lines, decision."""

    amount: Decimal
    version: int
    lines: list[EstimateLineOut]
    approval: ApprovalOut


class RepairCreated(BaseModel):
    """Answer to a new request: the work order id, the workflow an operator can open in the UI,
    the status once the estimate is decided and the estimate itself. ``estimate`` is null (and
    ``estimate_note`` says why) when the workflow did not decide within a few seconds (no worker
    running): the request is recorded and running, and GET /api/v1/repairs/{id} shows it later."""

    id: str
    workflow_id: str
    status: str
    estimate: UpfrontEstimate | None = None
    estimate_note: str | None = None


class RepairOut(BaseModel):
    """A work order as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    customer_id: int
    technician_id: str | None
    job_type: str
    status: str
    priority: str
    scheduled_date: date
    service_window_start: datetime | None
    service_window_end: datetime | None
    actual_start_time: datetime | None
    actual_end_time: datetime | None
    repair_count: int
    estimate_amount: Decimal | None
    estimate_version: int
    estimate_lines: list[dict]
    approval_mode: str | None
    approved_by: str | None
    approved_at: datetime | None
    approval_reasons: list[str]
    assignment_explanation: str | None
    runner_up_technician_id: str | None
    total_amount: Decimal | None
    total_labor_minutes: int | None
    workflow_id: str | None
    created_at: datetime
    cost_override: Decimal | None = Field(
        default=None, description="price set by an override (seed 001 1.3), null without one"
    )
    cost_override_from: Decimal | None = Field(default=None, description="the quoted price it replaced")
    cost_override_by: str | None = None
    cost_override_reason: str | None = None
    from_lot_walk: bool = False
    repair_position: int = Field(
        default=1, description="position of the first repair within its visit or lot walk"
    )
    visit_repair_count: int | None = None
    #: live tracking: arrival inside the site's geofence and the ETA given on "on my way"
    arrived_at: datetime | None = None
    eta_at: datetime | None = None


class RepairDetail(RepairOut):
    """The record plus the live workflow status (``workflow`` is None once unreachable)."""

    workflow: RepairStatus | None = None
    workflow_note: str | None = None


class ReasonBody(RequestBody):
    reason: str | None = Field(default=None, max_length=500)


class PriceOverrideBody(RequestBody):
    """A price set instead of the quoted one (seed 001 1.3 ``cost_override``), and why."""

    amount: money(le=Decimal("999999.99")) = Field(description="the new price in USD")  # type: ignore[valid-type]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)] = Field(
        description="why: kept in the audit log and on the work order"
    )


class ReviseBody(RequestBody):
    """The new number of repairs in the visit."""

    repair_count: int = Field(ge=0, le=50)


class AssignBody(RequestBody):
    """``technician_id`` assigns by hand; omitted re-runs smart assignment."""

    technician_id: str | None = Field(default=None, max_length=20)


class StartBody(RequestBody):
    """``technician_id`` defaults to the caller's own for technician keys."""

    technician_id: str | None = Field(default=None, max_length=20)


class CompleteBody(RequestBody):
    """Labor in minutes and parts used (USD unit costs); for a pump out (``pumping``,
    ``grease_trap``) the gallons pumped and the tank's size in US gallons (seed 000 Phase 1.2),
    which other job types refuse with a 422."""

    technician_id: str | None = Field(default=None, max_length=20)
    labor_minutes: int = Field(gt=0, le=24 * 60)
    parts: list[PartUsed] = Field(default_factory=list, max_length=50)
    gallons_pumped: int | None = Field(default=None, ge=0, le=MAX_PUMPED_GALLONS)
    tank_size_gallons: int | None = Field(default=None, gt=0, le=MAX_PUMPED_GALLONS)
