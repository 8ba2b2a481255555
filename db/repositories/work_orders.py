"""Work order reads and writes; keyword-only, never commit (the boundary does)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from db.models import AuditLog, Customer, WorkOrder
from domain.work_status import TERMINAL_STATUSES


def next_work_order_id(session: Session, *, on: date) -> str:
    """A new ``WO-YYYYMMDD-NNNN`` id from the ``work_order_number_seq`` sequence."""
    number = session.execute(text("SELECT nextval('work_order_number_seq')")).scalar_one()
    return f"WO-{on:%Y%m%d}-{number:04d}"


def get(session: Session, work_order_id: str, *, lock: bool = False) -> WorkOrder | None:
    """The work order or None; ``lock`` takes a row lock (SELECT … FOR UPDATE)."""
    stmt = select(WorkOrder).where(WorkOrder.id == work_order_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def audit(
    session: Session,
    *,
    actor: str,
    action: str,
    entity_id: str,
    details: dict[str, Any] | None = None,
    entity_type: str = "work_order",
) -> None:
    """Append one audit_log row."""
    session.add(
        AuditLog(
            actor=actor, action=action, entity_type=entity_type, entity_id=entity_id, details=details or {}
        )
    )


def set_status(
    session: Session,
    *,
    work_order: WorkOrder,
    status: str,
    actor: str,
    at: datetime,
    reason: str | None = None,
) -> bool:
    """Move ``work_order`` to ``status``; a terminal status is never left. Returns whether it changed."""
    if work_order.status == status:
        return False
    if work_order.status in TERMINAL_STATUSES:
        return False
    previous = work_order.status
    work_order.status = status
    if status == "in_progress" and work_order.actual_start_time is None:
        work_order.actual_start_time = at
    audit(
        session,
        actor=actor,
        action=f"status:{status}",
        entity_id=work_order.id,
        details={"from": previous, "to": status, "reason": reason, "at": at.isoformat()},
    )
    return True


def bookings_on(
    session: Session, *, day: date, exclude: str | None = None
) -> dict[str, list[tuple[WorkOrder, float, float]]]:
    """Assigned or in-progress work orders on ``day`` with their site (lat, lon), grouped by
    technician id and ordered by window start; one query for every technician."""
    stmt = (
        select(WorkOrder, Customer.latitude, Customer.longitude)
        .join(Customer, Customer.id == WorkOrder.customer_id)
        .where(
            WorkOrder.scheduled_date == day,
            WorkOrder.technician_id.is_not(None),
            WorkOrder.status.in_(("assigned", "in_progress")),
        )
        .order_by(WorkOrder.technician_id, WorkOrder.service_window_start)
    )
    if exclude:
        stmt = stmt.where(WorkOrder.id != exclude)
    grouped: dict[str, list[tuple[WorkOrder, float, float]]] = {}
    for wo, lat, lon in session.execute(stmt):
        grouped.setdefault(wo.technician_id, []).append((wo, lat, lon))
    return grouped
