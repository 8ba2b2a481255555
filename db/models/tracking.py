"""``technician_locations`` (seed 003 Priority 1, real-time tracking): positions technicians post.

Coordinates are WGS84 degrees (Numeric, as seed 003 declares them), accuracy in metres;
``recorded_at`` is the device's time of the fix, ``received_at`` when the API stored it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Index, Integer, Numeric, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class TechnicianLocation(Base):
    """One position of a technician."""

    __tablename__ = "technician_locations"
    __table_args__ = (
        Index("ix_technician_locations_technician_recorded", "technician_id", text("recorded_at DESC")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    technician_id: Mapped[str] = mapped_column(String(20), ForeignKey("technicians.id"))
    latitude: Mapped[Decimal] = mapped_column(Numeric(10, 8))
    longitude: Mapped[Decimal] = mapped_column(Numeric(11, 8))
    accuracy_meters: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
