"""``service_catalog``: the job types (DESIGN.md, Data)."""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Money, Timestamped


class ServiceCatalogEntry(Base, Timestamped):
    """One job type: code, category (pump_out | repair | other), base price, duration, skill."""

    __tablename__ = "service_catalog"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(20))
    base_price: Mapped[Money]
    duration_minutes: Mapped[int] = mapped_column(Integer)
    required_skill: Mapped[str] = mapped_column(String(50))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
