"""Service catalog reads and writes; never commit."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from db.models import ServiceCatalogEntry, ServiceRequest, WorkOrder


class Usage(NamedTuple):
    """How many rows use a job type, per table."""

    work_orders: int
    service_requests: int


def get(session: Session, code: str) -> ServiceCatalogEntry | None:
    """The catalog entry for job type ``code`` or None."""
    return session.get(ServiceCatalogEntry, code)


def durations_minutes(session: Session) -> dict[str, int]:
    """Service duration in minutes per job type code."""
    return {e.code: e.duration_minutes for e in session.scalars(select(ServiceCatalogEntry))}


def list_stmt(*, active: bool | None = None, category: str | None = None) -> Select[ServiceCatalogEntry]:
    """Job types by code, optionally only (in)active ones or one category."""
    stmt = select(ServiceCatalogEntry).order_by(ServiceCatalogEntry.code)
    if active is not None:
        stmt = stmt.where(ServiceCatalogEntry.is_active.is_(active))
    if category:
        stmt = stmt.where(ServiceCatalogEntry.category == category)
    return stmt


def usage(session: Session, *, code: str) -> Usage:
    """Counts of the work orders and service requests of job type ``code`` (one query)."""
    work_orders = select(func.count()).select_from(WorkOrder).where(WorkOrder.job_type == code)
    requests = select(func.count()).select_from(ServiceRequest).where(ServiceRequest.service_type == code)
    row = session.execute(select(work_orders.scalar_subquery(), requests.scalar_subquery())).one()
    return Usage(*row)


def remove(session: Session, *, code: str) -> None:
    """Core delete of the job type ``code``."""
    session.execute(delete(ServiceCatalogEntry).where(ServiceCatalogEntry.code == code))
