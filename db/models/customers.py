"""``customers`` (with referrals), ``customer_pricing`` and preferred technicians (seed 001 Phases 1.1,
2.1; seed 004 Phase 1)."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    Time,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, Money, Timestamped

customer_preferred_technicians = Table(
    "customer_preferred_technicians",
    Base.metadata,
    Column("customer_id", ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("technician_id", ForeignKey("technicians.id", ondelete="CASCADE"), primary_key=True),
)


class Customer(Base, Timestamped):
    """A customer with contact details, location (WGS84 degrees), fleet and approval settings."""

    __tablename__ = "customers"
    __table_args__ = (CheckConstraint("referred_by_id <> id", name="not_self_referred"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    company_name: Mapped[str | None] = mapped_column(String(160))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    preferred_contact_method: Mapped[str] = mapped_column(String(10), default="sms", server_default="sms")
    address: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(80))
    state: Mapped[str | None] = mapped_column(String(2))
    zip_code: Mapped[str | None] = mapped_column(String(10))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)

    fleet_size: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    lot_walking_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    lot_walking_schedule: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    lot_walking_time: Mapped[time | None] = mapped_column(Time)
    auto_approve_lot_repairs: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    max_auto_approve_amount: Mapped[Decimal] = mapped_column(
        Numeric(12, 2), default=Decimal("100.00"), server_default="100.00"
    )
    require_photo_for_approval: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    service_mode: Mapped[str] = mapped_column(String(20), default="ON_CALL", server_default="ON_CALL")
    payment_terms: Mapped[str] = mapped_column(String(20), default="NET_30", server_default="NET_30")
    credit_hold: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    notes: Mapped[str | None] = mapped_column(Text)
    #: referrals (seed 004 Phase 1): who referred this customer, and the code this customer hands
    #: out (unique; None until generated). The referral tree follows ``referred_by_id``.
    referred_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    referral_code: Mapped[str | None] = mapped_column(String(20), unique=True)

    pricing: Mapped[CustomerPricing | None] = relationship(back_populates="customer", uselist=False)
    preferred_technicians: Mapped[list[Technician]] = relationship(  # noqa: F821
        secondary=customer_preferred_technicians
    )

    @property
    def display_name(self) -> str:
        """Company name for fleet/commercial customers, else first and last name."""
        return self.company_name or f"{self.first_name} {self.last_name}"


class CustomerPricing(Base, Timestamped):
    """Custom repair tiers and volume discount of one customer (seed 001 Phase 1.1)."""

    __tablename__ = "customer_pricing"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), unique=True)
    use_custom_pricing: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    repair_1_price: Mapped[Money | None]
    repair_2_price: Mapped[Money | None]
    repair_3_price: Mapped[Money | None]
    repair_4_price: Mapped[Money | None]
    repair_5_plus_price: Mapped[Money | None]
    volume_discount_threshold: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    volume_discount_percentage: Mapped[Decimal] = mapped_column(
        Numeric(5, 2), default=Decimal("0"), server_default="0"
    )
    notes: Mapped[str | None] = mapped_column(Text)

    customer: Mapped[Customer] = relationship(back_populates="pricing")
