"""Technician reads and writes for activities and services; never commit."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from db.models import Technician, TechnicianSkill, WorkOrder, technician_managed


def get(session: Session, technician_id: str) -> Technician | None:
    """The technician or None."""
    return session.get(Technician, technician_id)


def active(session: Session, *, technician_id: str | None = None) -> list[Technician]:
    """Active technicians by id (only ``technician_id`` when given)."""
    stmt = select(Technician).where(Technician.is_active.is_(True)).order_by(Technician.id)
    if technician_id:
        stmt = stmt.where(Technician.id == technician_id)
    return list(session.scalars(stmt))


def list_stmt(*, active: bool | None = None, skill: str | None = None) -> Select[Technician]:
    """Technicians by id with their managed technicians, optionally only (in)active ones or holders of ``skill``."""
    stmt = select(Technician).options(selectinload(Technician.managed_technicians)).order_by(Technician.id)
    if active is not None:
        stmt = stmt.where(Technician.is_active.is_(active))
    if skill:
        stmt = stmt.where(Technician.skills.any(TechnicianSkill.skill_type == skill))
    return stmt


def team_ids(session: Session, *, manager_id: str) -> frozenset[str]:
    """``manager_id`` and the technicians he manages (one level of ``technician_managed``)."""
    managed = session.scalars(
        select(technician_managed.c.technician_id).where(technician_managed.c.manager_id == manager_id)
    )
    return frozenset({manager_id, *managed})


def by_ids(session: Session, *, technician_ids: list[str]) -> dict[str, Technician]:
    """The technicians among ``technician_ids`` that exist, by id (unknown ids are absent)."""
    return {t.id: t for t in session.scalars(select(Technician).where(Technician.id.in_(technician_ids)))}


def day_schedule(session: Session, *, technician_id: str, day: date) -> list[WorkOrder]:
    """The technician's work orders scheduled on ``day`` (any status), by service window start."""
    stmt = (
        select(WorkOrder)
        .where(WorkOrder.technician_id == technician_id, WorkOrder.scheduled_date == day)
        .order_by(WorkOrder.service_window_start.asc().nulls_last(), WorkOrder.id)
    )
    return list(session.scalars(stmt))
