"""``technicians`` with manager roles (seed 001 Phase 1.2) and ``technician_skills`` (seed 003)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Column, Date, Float, ForeignKey, Integer, String, Table
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, Money, Timestamped

technician_managed = Table(
    "technician_managed_technicians",
    Base.metadata,
    Column("manager_id", ForeignKey("technicians.id", ondelete="CASCADE"), primary_key=True),
    Column("technician_id", ForeignKey("technicians.id", ondelete="CASCADE"), primary_key=True),
)


class Technician(Base, Timestamped):
    """A field technician. ``working_hours`` maps ``mon``..``sun`` to ``["08:00", "17:00"]`` local time."""

    __tablename__ = "technicians"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    is_manager: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    approval_limit: Mapped[Money | None]
    can_assign_work: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    can_override_pricing: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    working_hours: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    home_latitude: Mapped[float] = mapped_column(Float)
    home_longitude: Mapped[float] = mapped_column(Float)
    home_zip: Mapped[str | None] = mapped_column(String(10))

    skills: Mapped[list[TechnicianSkill]] = relationship(
        back_populates="technician", cascade="all, delete-orphan", lazy="selectin"
    )
    managed_technicians: Mapped[list[Technician]] = relationship(
        secondary=technician_managed,
        primaryjoin=lambda: Technician.id == technician_managed.c.manager_id,
        secondaryjoin=lambda: Technician.id == technician_managed.c.technician_id,
    )

    @property
    def name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}"


class TechnicianSkill(Base):
    """A skill or certification held by a technician (seed 003 ``technician_skills``)."""

    __tablename__ = "technician_skills"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    technician_id: Mapped[str] = mapped_column(ForeignKey("technicians.id", ondelete="CASCADE"), index=True)
    skill_type: Mapped[str] = mapped_column(String(50))
    certification_number: Mapped[str | None] = mapped_column(String(100))
    expires_at: Mapped[date | None] = mapped_column(Date)
    verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")

    technician: Mapped[Technician] = relationship(back_populates="skills")
