"""Technician service: CRUD (deactivate instead of delete), skills, managed technicians and day schedule.

Never commits; the request boundary does.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.errors import Conflict, NotFound, Problem
from api.pagination import PageParams, paginate
from api.schemas.technicians import TechnicianCreate, TechnicianUpdate
from db.models import Technician, TechnicianSkill, WorkOrder
from db.repositories import rows
from db.repositories import technicians as repo


def list_technicians(
    session: Session, *, params: PageParams, active: bool | None, skill: str | None
) -> tuple[list[Technician], int]:
    """One page of technicians by id, optionally only (in)active ones or those holding ``skill``."""
    return paginate(session, repo.list_stmt(active=active, skill=skill), params)


def get_technician(session: Session, *, technician_id: str) -> Technician:
    """The technician, or NotFound."""
    technician = repo.get(session, technician_id)
    if technician is None:
        raise NotFound(f"technician {technician_id} does not exist")
    return technician


def _managed(session: Session, *, manager_id: str, technician_ids: list[str]) -> list[Technician]:
    if manager_id in technician_ids:
        raise Problem(422, "a technician cannot manage themselves")
    found = repo.by_ids(session, technician_ids=technician_ids)
    missing = [t for t in technician_ids if t not in found]
    if missing:
        raise Problem(422, f"unknown technician(s) in managed_technician_ids: {', '.join(missing)}")
    return [found[t] for t in technician_ids]


def _replace_skills(technician: Technician, skills: list[str]) -> None:
    """Keep held skills that stay (with their certification data), drop the others, add the new ones."""
    wanted = list(dict.fromkeys(skills))
    technician.skills = [s for s in technician.skills if s.skill_type in wanted]
    held = {s.skill_type for s in technician.skills}
    technician.skills.extend(TechnicianSkill(skill_type=name) for name in wanted if name not in held)


def create_technician(session: Session, *, data: TechnicianCreate) -> Technician:
    """Store a new technician under the caller's id; Conflict when the id is taken."""
    if repo.get(session, data.id) is not None:
        raise Conflict(f"technician {data.id} already exists")
    fields = data.model_dump(exclude={"skills", "managed_technician_ids"})
    technician = Technician(**fields, skills=[TechnicianSkill(skill_type=name) for name in data.skills])
    technician.managed_technicians = _managed(
        session, manager_id=data.id, technician_ids=data.managed_technician_ids
    )
    try:
        with session.begin_nested():
            rows.add(session, technician)
    except IntegrityError as err:
        raise Conflict(f"technician {data.id} already exists") from err
    return technician


def update_technician(session: Session, *, technician_id: str, data: TechnicianUpdate) -> Technician:
    """Change the fields given in ``data`` (PATCH); ``skills`` and ``managed_technician_ids`` replace."""
    technician = get_technician(session, technician_id=technician_id)
    changes = data.changes()
    if "skills" in changes:
        _replace_skills(technician, changes.pop("skills"))
    if "managed_technician_ids" in changes:
        technician.managed_technicians = _managed(
            session, manager_id=technician_id, technician_ids=changes.pop("managed_technician_ids")
        )
    return rows.update_fields(session, technician, changes)


def deactivate_technician(session: Session, *, technician_id: str) -> None:
    """Mark the technician inactive (rows stay: work orders and API keys refer to them)."""
    technician = get_technician(session, technician_id=technician_id)
    rows.update_fields(session, technician, {"is_active": False})


def technician_schedule(session: Session, *, technician_id: str, day: date) -> list[WorkOrder]:
    """The technician's work orders scheduled on ``day`` (any status), by service window start."""
    get_technician(session, technician_id=technician_id)
    return repo.day_schedule(session, technician_id=technician_id, day=day)
