"""Request and response bodies of ``/api/v1/lot-walks`` and ``/api/v1/customers/{id}/lot-walks``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas.common import IsoDate, RequestBody
from domain.contracts.lot_walk import LotWalkStatus

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
PhotoUrl = Annotated[str, Field(min_length=12, max_length=500, pattern=r"^https?://[^\s]+$")]


class LotWalkCreate(RequestBody):
    """Start a walk on demand; ``walk_date`` defaults to today (local)."""

    walk_date: IsoDate | None = Field(default=None, description="the walk's day; default today")


class FoundUnitIn(RequestBody):
    """One vehicle/unit of the lot with the repairs it needs (each one becomes a repair)."""

    unit: Text = Field(examples=["Truck 12"])
    repairs: list[Text] = Field(min_length=1, max_length=20, examples=[["brake light", "wiper blade"]])
    photos: list[PhotoUrl] = Field(default_factory=list, max_length=10)
    notes: str | None = Field(default=None, max_length=2000)


class FindingsBody(RequestBody):
    """What the walker found, in walk order (the order prices the repairs by tier)."""

    technician_id: str | None = Field(default=None, max_length=20, description="default: the caller's own")
    units: list[FoundUnitIn] = Field(min_length=1, max_length=100)


class RepairDecisionIn(RequestBody):
    """Approve (true) or decline (false) one repair of the walk."""

    work_order_id: str = Field(min_length=1, max_length=40)
    approve: bool


class DecisionsBody(RequestBody):
    """Answers for the customer (by phone) for repairs waiting for the walk's approval."""

    decisions: list[RepairDecisionIn] = Field(min_length=1, max_length=200)
    reason: str | None = Field(default=None, max_length=500)


class LotWalkStarted(BaseModel):
    """Answer to a started walk: its id (= workflow id) and state."""

    id: str
    workflow_id: str
    customer_id: int
    walk_date: date
    state: str


class LotWalkOut(BaseModel):
    """A walk as stored, with its summary once closed and the live workflow status while open."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    customer_id: int
    walk_date: date
    state: str
    requested_by: str
    technician_id: str | None
    visit_work_order_id: str | None
    findings: list[dict[str, Any]]
    found: int
    auto_approved: int
    approved: int
    declined: int
    completed: int
    amount: Decimal
    closed_at: datetime | None
    created_at: datetime
    repair_ids: list[str] = Field(
        default_factory=list, description="work orders of the repairs found, in walk order"
    )
    workflow: LotWalkStatus | None = None
    workflow_note: str | None = None
