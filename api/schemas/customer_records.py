"""Bodies of the customer 360 records (seed 004 Phase 1): appliances, expenses, reviews,
technician ratings and service follow-ups. Amounts in USD; ratings 1-5."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas.common import IsoDate, PatchModel, RequestBody, money

Rating = Annotated[int, Field(ge=1, le=5, description="1 (poor) to 5 (excellent)")]
WorkOrderId = Annotated[str, StringConstraints(min_length=1, max_length=40)]
TechnicianId = Annotated[str, StringConstraints(min_length=1, max_length=20)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
#: an expense: more than zero, at most 10 digits before the point
ExpenseAmount = money()
ExpenseCategory = Literal[
    "materials", "equipment_rental", "disposal", "permit", "subcontractor", "travel", "other"
]
FollowUpStatus = Literal["open", "done"]


class ApplianceIn(RequestBody):
    """A new appliance at a customer's site; ``work_order_id`` is the job that last serviced it
    (a job of the same customer)."""

    customer_id: int = Field(ge=1)
    type: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)] = Field(
        examples=["septic tank"]
    )
    brand: str | None = Field(default=None, max_length=80)
    model_number: str | None = Field(default=None, max_length=80)
    serial_number: str | None = Field(default=None, max_length=80)
    installed_on: IsoDate | None = None
    last_service_date: IsoDate | None = None
    work_order_id: WorkOrderId | None = None
    notes: str | None = Field(default=None, max_length=4000)


class ApplianceUpdate(PatchModel):
    """PATCH: only the fields sent change (``type`` may not be null)."""

    type: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)] | None = None
    brand: str | None = Field(default=None, max_length=80)
    model_number: str | None = Field(default=None, max_length=80)
    serial_number: str | None = Field(default=None, max_length=80)
    installed_on: IsoDate | None = None
    last_service_date: IsoDate | None = None
    work_order_id: WorkOrderId | None = None
    notes: str | None = Field(default=None, max_length=4000)

    not_null = frozenset({"type"})


class ApplianceOut(BaseModel):
    """An appliance as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    type: str
    brand: str | None
    model_number: str | None
    serial_number: str | None
    installed_on: date | None
    last_service_date: date | None
    work_order_id: str | None
    notes: str | None
    created_at: datetime
    updated_at: datetime


class ExpenseIn(RequestBody):
    """A new expense for a customer and/or a job: at least one of ``customer_id`` and
    ``work_order_id``; with a job, the customer is the job's (422 when both disagree)."""

    customer_id: int | None = Field(default=None, ge=1)
    work_order_id: WorkOrderId | None = None
    category: ExpenseCategory
    description: str | None = Field(default=None, max_length=300)
    amount: ExpenseAmount = Field(examples=["85.00"])
    incurred_on: IsoDate


class ExpenseOut(BaseModel):
    """An expense as stored; ``work_order_id`` null for a direct expense of the customer."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int | None
    work_order_id: str | None
    category: str
    description: str | None
    amount: Decimal
    incurred_on: date
    created_by: str
    created_at: datetime


class ReviewIn(RequestBody):
    """A review of a completed job typed in by staff (``source`` manual); the customer and the
    technician are the job's."""

    work_order_id: WorkOrderId
    rating: Rating
    comment: str | None = Field(default=None, max_length=4000)


class ReviewOut(BaseModel):
    """A review; ``sentiment_score`` in [-1, 1] once scored, ``source`` manual or survey."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    work_order_id: str
    customer_id: int
    technician_id: str
    rating: int
    comment: str | None
    sentiment_score: Decimal | None
    source: str
    created_by: str | None
    created_at: datetime


class RatingIn(RequestBody):
    """PUT: the customer's rating of the technician who did the job (replaces an earlier one)."""

    rating: Rating


class RatingOut(BaseModel):
    """A customer's rating of the technician of one job."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    technician_id: str
    work_order_id: str
    rating: int
    created_by: str | None
    created_at: datetime
    updated_at: datetime


class TechnicianRatingSummary(BaseModel):
    """A customer's ratings of one technician: how many and their mean (two decimals)."""

    technician_id: str
    technician_name: str | None
    ratings: int
    average: Decimal


class CustomerRatingsOut(BaseModel):
    """A customer's technician ratings, newest first, with a summary per technician (best first)."""

    customer_id: int
    ratings: list[RatingOut]
    technicians: list[TechnicianRatingSummary]


class FollowUpIn(RequestBody):
    """A new follow-up with a customer; with ``work_order_id`` (a job of that customer) the
    technician defaults to the job's. ``key`` makes it idempotent: the same key returns the
    follow-up already stored (200) instead of a second one."""

    customer_id: int = Field(ge=1)
    work_order_id: WorkOrderId | None = None
    technician_id: TechnicianId | None = None
    assigned_to_technician_id: TechnicianId | None = Field(
        default=None, description="the manager or technician who owns it; null: the office queue"
    )
    reason: Text
    due_date: IsoDate | None = None
    key: str | None = Field(default=None, min_length=1, max_length=200)


class FollowUpUpdate(PatchModel):
    """PATCH: status (``done`` records who and when; ``open`` reopens), assignee, due date, and the
    customer's answer."""

    status: FollowUpStatus | None = None
    assigned_to_technician_id: TechnicianId | None = None
    due_date: IsoDate | None = None
    reason: Text | None = None
    satisfaction_rating: Rating | None = None
    feedback: str | None = Field(default=None, max_length=4000)

    not_null = frozenset({"status", "reason"})


class FollowUpOut(BaseModel):
    """A follow-up as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str | None
    customer_id: int
    work_order_id: str | None
    technician_id: str | None
    assigned_to_technician_id: str | None
    reason: str
    status: str
    due_date: date | None
    source: str
    satisfaction_rating: int | None
    feedback: str | None
    created_by: str
    completed_at: datetime | None
    completed_by: str | None
    created_at: datetime
    updated_at: datetime
