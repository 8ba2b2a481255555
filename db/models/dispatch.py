"""``dispatch_plans`` and ``route_optimizations`` (seed 003 Priority 1, route optimization).

A plan is one re-optimisation of a service day, keyed by ``plan_key`` (the DispatchWorkflow run
that made it), so a retried write finds its plan instead of adding a second one. Each route row
is one technician's day in that plan: ``waypoints`` is the ordered list of stops, each
``{"work_order_id", "lat", "lon", "arrival", "start", "end", "travel_minutes", "travel_km",
"explanation": {...}}`` (times ISO 8601 UTC). The newest plan of a date is the current one.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, Float, ForeignKey, Index, Integer, Numeric, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base


class DispatchPlan(Base):
    """One solve of a day: totals and the unassigned jobs ``[{"work_order_id", "reason", "detail"}]``."""

    __tablename__ = "dispatch_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_key: Mapped[str] = mapped_column(String(120), unique=True)
    service_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(30))
    objective: Mapped[float] = mapped_column(Float)
    solve_seconds: Mapped[float] = mapped_column(Float)
    total_travel_minutes: Mapped[float] = mapped_column(Float)
    jobs_served: Mapped[int] = mapped_column(Integer)
    unassigned: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    #: the assignments this plan changed (the DispatchWorkflow signals and notifies those)
    changes: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    routes: Mapped[list[RouteOptimization]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="RouteOptimization.technician_id"
    )


class RouteOptimization(Base):
    """One technician's route in a plan (seed 003 columns, plus the plan and the day's ends)."""

    __tablename__ = "route_optimizations"
    __table_args__ = (Index("ix_route_optimizations_technician_date", "technician_id", "date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("dispatch_plans.id", ondelete="CASCADE"), index=True)
    technician_id: Mapped[str] = mapped_column(ForeignKey("technicians.id"))
    date: Mapped[date] = mapped_column(Date)
    waypoints: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    total_distance_miles: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    total_time_minutes: Mapped[int] = mapped_column(Integer)
    departure: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    return_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    plan: Mapped[DispatchPlan] = relationship(back_populates="routes")
