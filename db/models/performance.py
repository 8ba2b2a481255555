"""``technician_customer_totals``: completed work per (technician, customer), maintained by the
database (migration 0011's triggers on ``work_orders``), read by the seed 000 performance endpoints.
Never written by the application."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class TechnicianCustomerTotals(Base):
    """One technician's completed jobs at one customer: counts and USD revenue by seed 000 category
    and the returns among them (a return needs an earlier job of the same pair 1-30 days before)."""

    __tablename__ = "technician_customer_totals"

    technician_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    jobs: Mapped[int] = mapped_column(Integer)
    revenue: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    returns: Mapped[int] = mapped_column(Integer)
    pump_out_jobs: Mapped[int] = mapped_column(Integer)
    pump_out_revenue: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    repair_jobs: Mapped[int] = mapped_column(Integer)
    repair_revenue: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    other_jobs: Mapped[int] = mapped_column(Integer)
    other_revenue: Mapped[Decimal] = mapped_column(Numeric(14, 2))
