"""Service catalog reads; never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import ServiceCatalogEntry


def get(session: Session, code: str) -> ServiceCatalogEntry | None:
    """The catalog entry for job type ``code`` or None."""
    return session.get(ServiceCatalogEntry, code)


def durations_minutes(session: Session) -> dict[str, int]:
    """Service duration in minutes per job type code."""
    return {e.code: e.duration_minutes for e in session.scalars(select(ServiceCatalogEntry))}
