"""Work order reads and writes; keyword-only, never commit (the boundary does).

:func:`set_status` is the only writer of ``work_orders.status``: activities call it to persist a
status the workflow decided, and it follows ``domain.work_status.applies`` (terminal wins).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, and_, delete, or_, select, text, true
from sqlalchemy.orm import Session

from db.models import Customer, WorkOrder
from db.repositories import audit, webhooks
from domain.access import ENDED_STATUSES, Scope
from domain.webhooks import STATUS_EVENTS
from domain.work_status import TERMINAL_STATUSES, WorkStatus, applies


def next_work_order_id(session: Session, *, on: date) -> str:
    """A new ``WO-YYYYMMDD-NNNN`` id from the ``work_order_number_seq`` sequence."""
    number = session.execute(text("SELECT nextval('work_order_number_seq')")).scalar_one()
    return f"WO-{on:%Y%m%d}-{number:04d}"


def in_scope(scope: Scope) -> ColumnElement[bool]:
    """The SQL form of ``domain.access.Scope.sees_job`` over ``work_orders``: the scope's
    technicians' jobs, plus unassigned jobs that have not ended when the scope has the open queue."""
    if scope.technician_ids is None:
        return true()
    clause: ColumnElement[bool] = WorkOrder.technician_id.in_(sorted(scope.technician_ids))
    if scope.open_queue:
        clause = or_(
            clause, and_(WorkOrder.technician_id.is_(None), WorkOrder.status.not_in(sorted(ENDED_STATUSES)))
        )
    return clause


def list_stmt(
    *,
    status: str | None = None,
    customer_id: int | None = None,
    technician_id: str | None = None,
    scheduled_date: date | None = None,
    scope: Scope,
) -> Select[WorkOrder]:
    """Newest-first work orders in ``scope`` matching the filters (for ``api.pagination.paginate``)."""
    stmt = select(WorkOrder).where(in_scope(scope)).order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc())
    if status:
        stmt = stmt.where(WorkOrder.status == status)
    if customer_id:
        stmt = stmt.where(WorkOrder.customer_id == customer_id)
    if technician_id:
        stmt = stmt.where(WorkOrder.technician_id == technician_id)
    if scheduled_date:
        stmt = stmt.where(WorkOrder.scheduled_date == scheduled_date)
    return stmt


def try_advisory_xact_lock(session: Session, *, key: int) -> bool:
    """Take the transaction-scoped advisory lock ``key`` if free (``pg_try_advisory_xact_lock``)."""
    return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}).scalar())


def get(
    session: Session, work_order_id: str, *, lock: bool = False, scope: Scope | None = None
) -> WorkOrder | None:
    """The work order or None (also None when it is outside ``scope``; no scope: any);
    ``lock`` takes a row lock (SELECT … FOR UPDATE)."""
    stmt = select(WorkOrder).where(WorkOrder.id == work_order_id)
    if scope is not None:
        stmt = stmt.where(in_scope(scope))
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def fresh(session: Session, work_order_id: str) -> WorkOrder | None:
    """The work order as stored now (what activities committed meanwhile overwrites the copy
    this session holds), or None."""
    stmt = select(WorkOrder).where(WorkOrder.id == work_order_id)
    return session.scalars(stmt, execution_options={"populate_existing": True}).first()


def remove_unstarted(session: Session, *, work_order_id: str) -> None:
    """Delete a work order whose workflow never started (compensation of a failed start); one
    that a workflow has touched (quoted, or moved on from ``requested``) is never deleted."""
    session.execute(
        delete(WorkOrder).where(
            WorkOrder.id == work_order_id,
            WorkOrder.status == WorkStatus.REQUESTED.value,
            WorkOrder.estimate_version == 0,
        )
    )


def set_status(
    session: Session,
    *,
    work_order: WorkOrder,
    status: WorkStatus,
    actor: str,
    at: datetime,
    reason: str | None = None,
) -> bool:
    """Persist ``status`` (decided by the workflow) with an audit entry; a terminal status is
    never left and an equal one is no change. Returns whether it changed."""
    if work_order.status == status.value or not applies(work_order.status, status):
        return False
    previous = work_order.status
    work_order.status = status.value
    if status == WorkStatus.IN_PROGRESS and work_order.actual_start_time is None:
        work_order.actual_start_time = at
    if status == WorkStatus.AWAITING_ASSIGNMENT:  # no technician's day stays booked by it
        work_order.technician_id = work_order.service_window_start = work_order.service_window_end = None
    audit.record(
        session,
        actor=actor,
        action=f"status:{status.value}",
        entity_id=work_order.id,
        details={"from": previous, "to": status.value, "reason": reason, "at": at.isoformat()},
    )
    event_type = STATUS_EVENTS.get(status.value)
    if event_type is not None:  # outgoing webhooks, in the same transaction as the status
        webhooks.record_event(
            session,
            event_type=event_type,
            event_key=f"{work_order.id}:{status.value}",
            payload=status_event_payload(work_order, event_type, at),
        )
    return True


def status_event_payload(work_order: WorkOrder, event_type: str, at: datetime) -> dict[str, object]:
    """The webhook body of a status event: ids, status and amounts only (no personal data)."""
    return {
        "event": event_type,
        "id": f"{work_order.id}:{work_order.status}",
        "occurred_at": at.isoformat(),
        "data": {
            "work_order_id": work_order.id,
            "status": work_order.status,
            "customer_id": work_order.customer_id,
            "technician_id": work_order.technician_id,
            "job_type": work_order.job_type,
            "scheduled_date": work_order.scheduled_date.isoformat() if work_order.scheduled_date else None,
            "total_amount": str(work_order.total_amount) if work_order.total_amount is not None else None,
        },
    }


def bookings_on(
    session: Session, *, day: date, exclude: str | None = None
) -> dict[str, list[tuple[WorkOrder, float, float]]]:
    """Work orders with a technician on ``day`` that still occupy his day (any status but a
    terminal one: the assignment is written before the workflow persists ``assigned``), with
    their site (lat, lon), grouped by technician id and ordered by window start; one query for
    every technician."""
    stmt = (
        select(WorkOrder, Customer.latitude, Customer.longitude)
        .join(Customer, Customer.id == WorkOrder.customer_id)
        .where(
            WorkOrder.scheduled_date == day,
            WorkOrder.technician_id.is_not(None),
            WorkOrder.status.not_in([s.value for s in TERMINAL_STATUSES]),
        )
        .order_by(WorkOrder.technician_id, WorkOrder.service_window_start)
    )
    if exclude:
        stmt = stmt.where(WorkOrder.id != exclude)
    grouped: dict[str, list[tuple[WorkOrder, float, float]]] = {}
    for wo, lat, lon in session.execute(stmt):
        grouped.setdefault(wo.technician_id, []).append((wo, lat, lon))
    return grouped
