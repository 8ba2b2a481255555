"""``lot_walks``: a fleet customer's lot walk (seed 001 2.3) with its single approval link and summary."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, Numeric, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Timestamped


class LotWalk(Base, Timestamped):
    """One walk, id ``lot-walk-{customer_id}-{date}`` (= its workflow id). ``state`` is a
    ``domain.contracts.lot_walk.LotWalkState`` value. The approval link of the walk's repairs is
    stored as a hash (``approval_token_hash``) with the nonce that re-derives it; the summary
    columns are filled when the walk closes (amount in USD)."""

    __tablename__ = "lot_walks"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    walk_date: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(30))
    requested_by: Mapped[str] = mapped_column(String(80))
    technician_id: Mapped[str | None] = mapped_column(ForeignKey("technicians.id"))
    visit_work_order_id: Mapped[str | None] = mapped_column(ForeignKey("work_orders.id"))
    #: what the walker recorded: units with their repairs, photos and notes
    findings: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    approval_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    approval_nonce: Mapped[str | None] = mapped_column(String(64))
    approval_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approval_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    found: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    auto_approved: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    approved: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    declined: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    completed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"), server_default="0")
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
