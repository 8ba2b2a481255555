"""Reads and writes of ``fieldops seed history`` (``devstack.seed_history``); never commit.

A seed work order is one whose note starts with ``[SEED DATA]`` and whose ``approval_mode`` is
``seed`` (``devstack.demo_history``): live work never has that approval mode, so a note that
happens to contain the marker does not make a job a seed row.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, delete, func, select
from sqlalchemy.orm import Session, selectinload

from db.models import Customer, JobCost, Technician, WorkOrder

SEED_NOTE = "[SEED DATA]"
SEED_APPROVAL_MODE = "seed"


def is_seed_row() -> ColumnElement[bool]:
    """The SQL condition of a seed work order."""
    return and_(
        WorkOrder.notes.startswith(SEED_NOTE, autoescape=True), WorkOrder.approval_mode == SEED_APPROVAL_MODE
    )


def technicians(session: Session, *, technician_id: str | None = None) -> list[Technician]:
    """Technicians by id with their skills (only ``technician_id`` when given; inactive ones too)."""
    stmt = select(Technician).options(selectinload(Technician.skills)).order_by(Technician.id)
    if technician_id:
        stmt = stmt.where(Technician.id == technician_id)
    return list(session.scalars(stmt))


def customers(session: Session) -> list[Customer]:
    """Every customer by id."""
    return list(session.scalars(select(Customer).order_by(Customer.id)))


def technicians_with_seed_history(session: Session) -> set[str]:
    """Ids of technicians that have at least one seed work order."""
    stmt = (
        select(WorkOrder.technician_id).where(is_seed_row(), WorkOrder.technician_id.is_not(None)).distinct()
    )
    return {tech for tech in session.scalars(stmt) if tech is not None}


def add_work_orders(session: Session, orders: list[WorkOrder]) -> None:
    """Insert ``orders`` with their job costs and flush."""
    session.add_all(orders)
    session.flush()


def delete_seed_history(session: Session, *, technician_id: str | None = None) -> tuple[int, int]:
    """Delete seed work orders (of ``technician_id`` only, when given) and their job costs;
    returns how many of each were deleted."""
    where = [is_seed_row()]
    if technician_id:
        where.append(WorkOrder.technician_id == technician_id)
    seed_ids = select(WorkOrder.id).where(*where)
    costs = session.execute(delete(JobCost).where(JobCost.work_order_id.in_(seed_ids))).rowcount
    orders = session.execute(delete(WorkOrder).where(*where)).rowcount
    session.expire_all()
    return orders or 0, costs or 0


def count_seed_rows(session: Session) -> int:
    """How many seed work orders there are."""
    return session.scalar(select(func.count()).select_from(WorkOrder).where(is_seed_row())) or 0
