"""Request and response bodies of ``/api/v1/customers`` (contact, location, approval settings, pricing)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from api.schemas.common import LocalTime, Money, PatchModel, RequestBody, money

ContactMethod = Literal["sms", "email"]
ServiceMode = Literal["SCHEDULED", "ON_CALL", "HYBRID"]
PaymentTerms = Literal["NET_30", "NET_60", "PREPAID"]

Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
TechnicianId = Annotated[str, StringConstraints(min_length=1, max_length=20)]

#: Columns that are NOT NULL: PATCH may omit them but not set them to null.
_REQUIRED = frozenset(
    {
        "first_name",
        "last_name",
        "preferred_contact_method",
        "latitude",
        "longitude",
        "fleet_size",
        "lot_walking_enabled",
        "lot_walking_schedule",
        "auto_approve_lot_repairs",
        "max_auto_approve_amount",
        "require_photo_for_approval",
        "service_mode",
        "payment_terms",
        "credit_hold",
    }
)


class CustomerCreate(RequestBody):
    """A new customer; defaults match the database's."""

    first_name: Name
    last_name: Name
    company_name: str | None = Field(default=None, max_length=160)
    email: Email | None = Field(default=None, examples=["pat@example.com"])
    phone: Phone | None = Field(default=None, examples=["+15125550100"])
    preferred_contact_method: ContactMethod = "sms"
    address: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=80)
    state: str | None = Field(default=None, max_length=2, examples=["TX"])
    zip_code: str | None = Field(default=None, max_length=10)
    latitude: Latitude
    longitude: Longitude
    fleet_size: int = Field(default=0, ge=0, le=100_000)
    lot_walking_enabled: bool = False
    lot_walking_schedule: dict[str, Any] = Field(
        default_factory=dict, examples=[{"days": ["tue"], "time": "07:00"}]
    )
    lot_walking_time: LocalTime | None = None
    auto_approve_lot_repairs: bool = False
    max_auto_approve_amount: Money = Decimal("100.00")
    require_photo_for_approval: bool = True
    service_mode: ServiceMode = "ON_CALL"
    payment_terms: PaymentTerms = "NET_30"
    credit_hold: bool = False
    notes: str | None = Field(default=None, max_length=4000)


class CustomerUpdate(PatchModel):
    """PATCH: only the fields given change; required fields may be omitted but not set to null."""

    first_name: Name | None = None
    last_name: Name | None = None
    company_name: str | None = Field(default=None, max_length=160)
    email: Email | None = None
    phone: Phone | None = None
    preferred_contact_method: ContactMethod | None = None
    address: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=80)
    state: str | None = Field(default=None, max_length=2)
    zip_code: str | None = Field(default=None, max_length=10)
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    fleet_size: int | None = Field(default=None, ge=0, le=100_000)
    lot_walking_enabled: bool | None = None
    lot_walking_schedule: dict[str, Any] | None = None
    lot_walking_time: LocalTime | None = None
    auto_approve_lot_repairs: bool | None = None
    max_auto_approve_amount: Money | None = None
    require_photo_for_approval: bool | None = None
    service_mode: ServiceMode | None = None
    payment_terms: PaymentTerms | None = None
    credit_hold: bool | None = None
    notes: str | None = Field(default=None, max_length=4000)

    not_null = _REQUIRED


class CustomerOut(BaseModel):
    """A customer as stored, with the ids of its preferred technicians."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    display_name: str
    first_name: str
    last_name: str
    company_name: str | None
    email: str | None
    phone: str | None
    preferred_contact_method: str
    address: str | None
    city: str | None
    state: str | None
    zip_code: str | None
    latitude: float
    longitude: float
    fleet_size: int
    lot_walking_enabled: bool
    lot_walking_schedule: dict[str, Any]
    lot_walking_time: LocalTime | None
    auto_approve_lot_repairs: bool
    max_auto_approve_amount: Decimal
    require_photo_for_approval: bool
    service_mode: str
    payment_terms: str
    credit_hold: bool
    notes: str | None
    referred_by_id: int | None = Field(
        default=None, description="the customer who referred this one (seed 004)"
    )
    referral_code: str | None = Field(default=None, description="the code this customer hands out, once made")
    preferred_technician_ids: list[str] = Field(
        default_factory=list,
        validation_alias=AliasChoices("preferred_technician_ids", "preferred_technicians"),
    )
    created_at: datetime
    updated_at: datetime

    @field_validator("preferred_technician_ids", mode="before")
    @classmethod
    def _technician_ids(cls, value: Any) -> Any:
        return sorted(getattr(t, "id", t) for t in value) if value is not None else []


class CustomerPricingIn(RequestBody):
    """PUT: the customer's repair price tiers (per repair, by count in the visit) and volume discount."""

    use_custom_pricing: bool = False
    repair_1_price: Money | None = None
    repair_2_price: Money | None = None
    repair_3_price: Money | None = None
    repair_4_price: Money | None = None
    repair_5_plus_price: Money | None = None
    volume_discount_threshold: int = Field(
        default=10,
        ge=1,
        le=1_000,
        description="repairs in one visit (or lot walk) from which the discount applies",
    )
    volume_discount_percentage: money(max_digits=5, decimal_places=2, le=Decimal(100)) = Decimal("0")
    notes: str | None = Field(default=None, max_length=2000)


class CustomerPricingOut(BaseModel):
    """A customer's stored pricing."""

    model_config = ConfigDict(from_attributes=True)

    customer_id: int
    use_custom_pricing: bool
    repair_1_price: Decimal | None
    repair_2_price: Decimal | None
    repair_3_price: Decimal | None
    repair_4_price: Decimal | None
    repair_5_plus_price: Decimal | None
    volume_discount_threshold: int
    volume_discount_percentage: Decimal
    notes: str | None
    updated_at: datetime | None = Field(description="null while the customer has the default pricing")


class PreferredTechniciansIn(RequestBody):
    """PUT: the full list of technicians this customer prefers (replaces the previous list)."""

    technician_ids: list[TechnicianId] = Field(max_length=50, examples=[["T-001", "T-004"]])


class PreferredTechniciansOut(BaseModel):
    """The technicians a customer prefers."""

    customer_id: int
    technician_ids: list[str]
