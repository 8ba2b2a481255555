"""``service_requests``, ``work_orders`` and ``job_costs`` (seeds 000, 001, 003).

``work_orders`` carries the columns seed 000's SQL reads (id, customer_id, technician_id,
job_type, status, scheduled_date, actual_start_time, actual_end_time, total_amount,
total_labor_minutes, service_location, notes) so that SQL runs unchanged, plus what its job
list shows for pump outs (``gallons_pumped``, ``tank_size``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, Money, Timestamped


class ServiceRequest(Base, Timestamped):
    """What the office took down: the customer's words and photos stay here, out of workflow history."""

    __tablename__ = "service_requests"
    __table_args__ = (
        UniqueConstraint("requested_by", "idempotency_key", name="uq_service_requests_caller_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    service_type: Mapped[str] = mapped_column(ForeignKey("service_catalog.code"))
    description: Mapped[str | None] = mapped_column(Text)
    photos: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    priority: Mapped[str] = mapped_column(String(20), default="normal", server_default="normal")
    status: Mapped[str] = mapped_column(String(50), default="pending", server_default="pending")
    scheduled_date: Mapped[date | None] = mapped_column(Date)
    #: the caller (``staff:{api_key_id}``); Idempotency-Keys are scoped to it
    requested_by: Mapped[str | None] = mapped_column(String(80))
    work_order_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    #: SHA-256 of the request body: the same caller reusing a key for another request is refused
    idempotency_fingerprint: Mapped[str | None] = mapped_column(String(64))
    #: where the request came from: ``api`` (staff, ``POST /api/v1/repairs``) or ``portal``
    source: Mapped[str] = mapped_column(String(20), default="api", server_default="api")


class WorkOrder(Base, Timestamped):
    """A job. Status values are ``domain.work_status.WorkStatus``; money in USD."""

    __tablename__ = "work_orders"
    __table_args__ = (
        Index("ix_work_orders_technician_status_date", "technician_id", "status", "scheduled_date"),
        Index("ix_work_orders_customer_date", "customer_id", "scheduled_date"),
        CheckConstraint("gallons_pumped >= 0", name="gallons_pumped_not_negative"),
        #: the job list's covering index carries notes; a B-tree entry stays under 2704 bytes (0017)
        CheckConstraint("octet_length(notes) <= 1200", name="notes_fit_job_list_index"),
        CheckConstraint(
            "window_preference IS NULL OR window_preference IN ('morning', 'afternoon', 'exact')",
            name="window_preference_known",
        ),
        CheckConstraint("repair_position >= 1", name="repair_position_positive"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    technician_id: Mapped[str | None] = mapped_column(ForeignKey("technicians.id"))
    job_type: Mapped[str] = mapped_column(ForeignKey("service_catalog.code"))
    status: Mapped[str] = mapped_column(String(30), index=True)
    priority: Mapped[str] = mapped_column(String(20), default="normal", server_default="normal")
    scheduled_date: Mapped[date] = mapped_column(Date)
    service_window_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    service_window_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    actual_start_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    actual_end_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    total_amount: Mapped[Money | None]
    total_labor_minutes: Mapped[int | None] = mapped_column(Integer)
    service_location: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    #: pump outs only (seed 000 Phase 1.2): gallons taken out, and the tank's size as written (``1000 gal``)
    gallons_pumped: Mapped[int | None] = mapped_column(Integer)
    tank_size: Mapped[str | None] = mapped_column(String(40))
    #: kept by the database (migration 0017's triggers on ``job_costs``), never written here: USD of
    #: the ``materials`` costs and hours of the ``labor`` costs in ``hour``, 0 when there are none
    parts_cost: Mapped[Decimal] = mapped_column(Numeric(14, 2), server_default="0")
    labor_hours: Mapped[Decimal] = mapped_column(Numeric(14, 2), server_default="0")

    #: repairs in the visit, priced by tier: written with the order, changed by a revised estimate
    repair_count: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    estimate_amount: Mapped[Money | None]
    estimate_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    estimate_lines: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    approval_mode: Mapped[str | None] = mapped_column(String(30))
    approved_by: Mapped[str | None] = mapped_column(String(80))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approval_reasons: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    assignment_explanation: Mapped[str | None] = mapped_column(Text)
    runner_up_technician_id: Mapped[str | None] = mapped_column(String(20))
    workflow_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    service_request_id: Mapped[int | None] = mapped_column(ForeignKey("service_requests.id"))
    invoiced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: the customer's window: morning, afternoon, or exact (``preferred_window_start``/``_end``); None = any time
    window_preference: Mapped[str | None] = mapped_column(String(20))
    preferred_window_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    preferred_window_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: a dispatcher's manual override: the technician (and start) the optimizer may not change
    pinned_technician_id: Mapped[str | None] = mapped_column(ForeignKey("technicians.id"))
    pinned_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pinned_by: Mapped[str | None] = mapped_column(String(80))
    #: price override (seed 001 1.3 ``cost_override``): the price staff set instead of the quoted
    #: one (USD, equal to ``estimate_amount`` once applied), the quoted price it replaced, who set
    #: it, when and why. The estimate lines carry it as an adjustment line, so the lines still sum
    #: to the estimate and an invoice line can show "overridden from $X: reason".
    cost_override: Mapped[Money | None]
    cost_override_from: Mapped[Money | None]
    cost_override_by: Mapped[str | None] = mapped_column(String(80))
    cost_override_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cost_override_reason: Mapped[str | None] = mapped_column(String(500))
    #: a lot-walk finding (seed 001 2.3): priced from ``repair_position`` within the walk's
    #: ``visit_repair_count`` repairs and approved under the customer's lot-walk rule
    from_lot_walk: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    repair_position: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    visit_repair_count: Mapped[int | None] = mapped_column(Integer)
    #: the lot walk that found this repair (``lot-walk-{customer_id}-{date}``), or None
    lot_walk_id: Mapped[str | None] = mapped_column(String(60), index=True)
    #: live tracking: first position inside the site's geofence; "on my way" and the ETA then given
    arrived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    on_my_way_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    eta_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    job_costs: Mapped[list[JobCost]] = relationship(back_populates="work_order", cascade="all, delete-orphan")


class JobCost(Base):
    """Labor or materials on a work order (seed 000: cost_type, quantity, unit, total_cost)."""

    __tablename__ = "job_costs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), index=True)
    cost_type: Mapped[str] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    unit: Mapped[str] = mapped_column(String(20))
    unit_cost: Mapped[Money]
    total_cost: Mapped[Money]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    work_order: Mapped[WorkOrder] = relationship(back_populates="job_costs")
