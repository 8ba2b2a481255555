"""Reads for inserting new repairs into a day's routes (issue 7): the requested work orders and
the jobs already booked on a day; never commit."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from db.models import AuditLog, Customer, ServiceCatalogEntry, WorkOrder
from db.repositories.dispatch import OpenJob, with_customer_history
from domain.work_status import TERMINAL_STATUSES, WorkStatus


def _rows() -> Select[Any]:
    """Work orders joined to their customer's site and their catalog entry."""
    return (
        select(WorkOrder, Customer.latitude, Customer.longitude, ServiceCatalogEntry)
        .join(Customer, Customer.id == WorkOrder.customer_id)
        .join(ServiceCatalogEntry, ServiceCatalogEntry.code == WorkOrder.job_type)
    )


def requested(session: Session, *, work_order_ids: Collection[str]) -> dict[str, OpenJob]:
    """The work orders ``work_order_ids`` (any status) with site, catalog entry and the
    customer's history, row-locked (FOR UPDATE OF work_orders), by id; unknown ids are absent."""
    if not work_order_ids:
        return {}
    stmt = _rows().where(WorkOrder.id.in_(list(work_order_ids))).order_by(WorkOrder.id)
    stmt = stmt.with_for_update(of=WorkOrder)
    return {j.work_order.id: j for j in with_customer_history(session, session.execute(stmt).all())}


def booked_between(
    session: Session, *, first: date, last: date, exclude: Collection[str] = ()
) -> dict[date, list[OpenJob]]:
    """Jobs booked on each day from ``first`` to ``last``: a technician, not started and not
    ended, whatever the status the workflow has persisted yet (an assignment is written before
    ``assigned`` is); by day, then id; without ``exclude``; row-locked. Their customers'
    preferences are not read (a booked job keeps its technician)."""
    ended = [s.value for s in TERMINAL_STATUSES] + [WorkStatus.IN_PROGRESS.value]
    stmt = _rows().where(
        WorkOrder.scheduled_date >= first,
        WorkOrder.scheduled_date <= last,
        WorkOrder.technician_id.is_not(None),
        WorkOrder.status.not_in(ended),
    )
    if exclude:
        stmt = stmt.where(WorkOrder.id.not_in(list(exclude)))
    stmt = stmt.order_by(WorkOrder.id).with_for_update(of=WorkOrder)
    by_day: dict[date, list[OpenJob]] = {}
    for wo, lat, lon, entry in session.execute(stmt):
        # a booked job keeps its technician: the customer's history does not matter here
        job = OpenJob(wo, lat, lon, entry.duration_minutes, entry.required_skill, frozenset(), None)
        by_day.setdefault(wo.scheduled_date, []).append(job)
    return by_day


def insertion_batches(session: Session, *, work_order_ids: Collection[str]) -> dict[str, int]:
    """Insertion batches that placed any of ``work_order_ids``: batch id → its size (from the
    ``assigned`` audit entries the insertion activity writes)."""
    batch = AuditLog.details["batch_id"].astext
    stmt = (
        select(batch, func.max(AuditLog.details["batch"].as_integer()))
        .where(
            AuditLog.action == "assigned",
            AuditLog.entity_id.in_(list(work_order_ids)),
            batch.is_not(None),
        )
        .group_by(batch)
    )
    return {str(b): int(n) for b, n in session.execute(stmt)}
