"""Request and response bodies of ``/api/v1/repairs``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import IsoDate, RequestBody
from domain.contracts.repair import PartUsed, RepairStatus

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


class RepairCreated(BaseModel):
    """Answer to a new request: the work order id and the workflow an operator can open in the UI."""

    id: str
    workflow_id: str
    status: str


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
    #: live tracking: arrival inside the site's geofence and the ETA given on "on my way"
    arrived_at: datetime | None = None
    eta_at: datetime | None = None


class RepairDetail(RepairOut):
    """The record plus the live workflow status (``workflow`` is None once unreachable)."""

    workflow: RepairStatus | None = None
    workflow_note: str | None = None


class ReasonBody(RequestBody):
    reason: str | None = Field(default=None, max_length=500)


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
    """Labor in minutes and parts used (USD unit costs)."""

    technician_id: str | None = Field(default=None, max_length=20)
    labor_minutes: int = Field(gt=0, le=24 * 60)
    parts: list[PartUsed] = Field(default_factory=list, max_length=50)
