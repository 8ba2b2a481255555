"""Request and response bodies of ``/api/v1/technicians`` (skills, working hours, manager settings)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from api.schemas.common import Money, PatchModel, RequestBody
from domain.schedule import validate_working_hours

TECHNICIAN_ID_PATTERN = r"^T-[0-9]{3,6}$"

Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Skill = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
TechnicianId = Annotated[str, StringConstraints(max_length=20)]
WorkingHours = dict[str, list[str]]

WORKING_HOURS_EXAMPLE = {"mon": ["08:00", "17:00"], "tue": ["08:00", "17:00"]}

#: Columns that are NOT NULL: PATCH may omit them but not set them to null.
_REQUIRED = frozenset(
    {
        "first_name",
        "last_name",
        "is_manager",
        "can_assign_work",
        "can_override_pricing",
        "is_active",
        "working_hours",
        "home_latitude",
        "home_longitude",
        "skills",
        "managed_technician_ids",
    }
)


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


class TechnicianCreate(RequestBody):
    """A new technician; ``id`` is chosen by the office (``T-001``)."""

    id: str = Field(pattern=TECHNICIAN_ID_PATTERN, examples=["T-009"])
    first_name: Name
    last_name: Name
    email: Email | None = None
    phone: Phone | None = None
    is_manager: bool = False
    approval_limit: Money | None = Field(default=None, description="largest estimate (USD) they may approve")
    can_assign_work: bool = False
    can_override_pricing: bool = False
    is_active: bool = True
    working_hours: WorkingHours = Field(
        default_factory=dict,
        description="local shift per weekday (mon..sun); missing days are off",
        examples=[WORKING_HOURS_EXAMPLE],
    )
    home_latitude: Latitude
    home_longitude: Longitude
    home_zip: str | None = Field(default=None, max_length=10)
    skills: list[Skill] = Field(default_factory=list, max_length=30, examples=[["repair", "pumping"]])
    managed_technician_ids: list[TechnicianId] = Field(default_factory=list, max_length=200)

    @field_validator("working_hours")
    @classmethod
    def _hours(cls, value: WorkingHours) -> WorkingHours:
        return validate_working_hours(value)

    @field_validator("skills", "managed_technician_ids")
    @classmethod
    def _dedupe(cls, value: list[str]) -> list[str]:
        return _unique(value)

    @model_validator(mode="after")
    def _not_own_manager(self) -> TechnicianCreate:
        if self.id in self.managed_technician_ids:
            raise ValueError("a technician cannot manage themselves")
        return self


class TechnicianUpdate(PatchModel):
    """PATCH: only the fields given change; ``skills`` and ``managed_technician_ids`` replace the lists."""

    first_name: Name | None = None
    last_name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    is_manager: bool | None = None
    approval_limit: Money | None = None
    can_assign_work: bool | None = None
    can_override_pricing: bool | None = None
    is_active: bool | None = None
    working_hours: WorkingHours | None = Field(default=None, examples=[WORKING_HOURS_EXAMPLE])
    home_latitude: Latitude | None = None
    home_longitude: Longitude | None = None
    home_zip: str | None = Field(default=None, max_length=10)
    skills: list[Skill] | None = Field(default=None, max_length=30)
    managed_technician_ids: list[TechnicianId] | None = Field(default=None, max_length=200)

    @field_validator("working_hours")
    @classmethod
    def _hours(cls, value: WorkingHours | None) -> WorkingHours | None:
        return None if value is None else validate_working_hours(value)

    @field_validator("skills", "managed_technician_ids")
    @classmethod
    def _dedupe(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _unique(value)

    not_null = _REQUIRED


class TechnicianOut(BaseModel):
    """A technician as stored; ``skills`` are the skill names."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    is_manager: bool
    approval_limit: Decimal | None
    can_assign_work: bool
    can_override_pricing: bool
    is_active: bool
    working_hours: dict[str, list[str]]
    home_latitude: float
    home_longitude: float
    home_zip: str | None
    skills: list[str]
    managed_technician_ids: list[str] = Field(
        default_factory=list, validation_alias=AliasChoices("managed_technician_ids", "managed_technicians")
    )
    created_at: datetime
    updated_at: datetime
    repairs_completed: int = Field(
        default=0,
        description="seed 001 1.2, derived: completed work orders of job type repair or maintenance",
    )
    average_repair_time: timedelta | None = Field(
        default=None,
        description="seed 001 1.2, derived: mean recorded labor time of those repairs (ISO 8601 duration)",
    )
    customer_rating: Decimal | None = Field(
        default=None,
        description="seed 001 1.2, derived: mean review rating 1-5 (two decimals); null before any review",
    )

    @field_validator("skills", mode="before")
    @classmethod
    def _skill_names(cls, value: Any) -> Any:
        return sorted(getattr(s, "skill_type", s) for s in value)

    @field_validator("managed_technician_ids", mode="before")
    @classmethod
    def _technician_ids(cls, value: Any) -> Any:
        return sorted(getattr(t, "id", t) for t in value) if value is not None else []


class ScheduleItemOut(BaseModel):
    """One work order on a technician's day."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    customer_id: int
    job_type: str
    status: str
    priority: str
    scheduled_date: date
    service_window_start: datetime | None
    service_window_end: datetime | None
