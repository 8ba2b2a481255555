"""Live tracking reads and writes: technicians' positions and the jobs a position may mark
arrived; never commit."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Customer, TechnicianLocation, WorkOrder
from domain.tracking import Site
from domain.work_status import WorkStatus


def add_location(
    session: Session,
    *,
    technician_id: str,
    latitude: float,
    longitude: float,
    accuracy_meters: int | None,
    recorded_at: datetime,
) -> TechnicianLocation:
    """Store one position (flushed for its id)."""
    row = TechnicianLocation(
        technician_id=technician_id,
        latitude=Decimal(str(round(latitude, 8))),
        longitude=Decimal(str(round(longitude, 8))),
        accuracy_meters=accuracy_meters,
        recorded_at=recorded_at,
    )
    session.add(row)
    session.flush()
    return row


def latest_location(session: Session, *, technician_id: str, since: datetime) -> TechnicianLocation | None:
    """The technician's newest position recorded at or after ``since``, or None."""
    stmt = (
        select(TechnicianLocation)
        .where(TechnicianLocation.technician_id == technician_id, TechnicianLocation.recorded_at >= since)
        .order_by(TechnicianLocation.recorded_at.desc(), TechnicianLocation.id.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def arrival_sites(session: Session, *, technician_id: str, day: date) -> list[Site]:
    """The technician's jobs of ``day`` that are assigned (not started, not ended) and not yet
    marked arrived, with their customer's site and when he said he was on his way; by id."""
    stmt = (
        select(WorkOrder.id, Customer.latitude, Customer.longitude, WorkOrder.on_my_way_at)
        .join(Customer, Customer.id == WorkOrder.customer_id)
        .where(
            WorkOrder.technician_id == technician_id,
            WorkOrder.scheduled_date == day,
            WorkOrder.status == WorkStatus.ASSIGNED.value,
            WorkOrder.arrived_at.is_(None),
        )
        .order_by(WorkOrder.id)
    )
    return [Site(wo_id, lat, lon, at) for wo_id, lat, lon, at in session.execute(stmt)]


def sites_of(session: Session, *, work_order_ids: list[str]) -> dict[str, tuple[float, float]]:
    """Each work order's site (its customer's latitude, longitude), by work order id."""
    if not work_order_ids:
        return {}
    stmt = (
        select(WorkOrder.id, Customer.latitude, Customer.longitude)
        .join(Customer, Customer.id == WorkOrder.customer_id)
        .where(WorkOrder.id.in_(work_order_ids))
    )
    return {wo_id: (lat, lon) for wo_id, lat, lon in session.execute(stmt)}
