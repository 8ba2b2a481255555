"""Technician reads for activities and services; never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Technician


def get(session: Session, technician_id: str) -> Technician | None:
    """The technician or None."""
    return session.get(Technician, technician_id)


def active(session: Session, *, technician_id: str | None = None) -> list[Technician]:
    """Active technicians by id (only ``technician_id`` when given)."""
    stmt = select(Technician).where(Technician.is_active.is_(True)).order_by(Technician.id)
    if technician_id:
        stmt = stmt.where(Technician.id == technician_id)
    return list(session.scalars(stmt))
