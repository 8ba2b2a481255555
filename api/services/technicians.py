"""Technician service: CRUD (deactivate instead of delete), skills, managed technicians and day schedule.

The directory (list, read) is open to every staff key. A technician's day schedule and changes to
a technician take the caller's ``Scope`` (``domain.access``): outside it is a 404. Manager
settings (``MANAGER_SETTINGS``) decide approval and assignment rights, so a manager key cannot
change them (not even his own): only an admin can (403).

Never commits; the request boundary does.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.errors import Conflict, NotFound, Problem
from api.pagination import PageParams, paginate
from api.schemas.technicians import TechnicianCreate, TechnicianOut, TechnicianUpdate
from db.models import Technician, TechnicianSkill, WorkOrder
from db.repositories import rows, technician_figures
from db.repositories import technicians as repo
from domain.access import Scope

#: what makes someone a manager and how far he may go: only an admin key changes these
MANAGER_SETTINGS = frozenset(
    {"is_manager", "approval_limit", "can_assign_work", "can_override_pricing", "managed_technician_ids"}
)


def check_settings_change(role: str, fields: set[str]) -> None:
    """Problem 403 when a non-admin ``role`` sets any of ``MANAGER_SETTINGS`` among ``fields``."""
    touched = sorted(MANAGER_SETTINGS & fields)
    if touched and role != "admin":
        raise Problem(403, f"only an admin key may set {', '.join(touched)}")


def list_technicians(
    session: Session, *, params: PageParams, active: bool | None, skill: str | None
) -> tuple[list[Technician], int]:
    """One page of technicians by id, optionally only (in)active ones or those holding ``skill``."""
    return paginate(session, repo.list_stmt(active=active, skill=skill), params)


def with_figures(session: Session, technicians: list[Technician]) -> list[TechnicianOut]:
    """``technicians`` as the API shows them, with seed 001 Phase 1.2's derived figures
    (``db.repositories.technician_figures``: repairs completed, average repair time, customer
    rating), computed for the whole list in two statements."""
    figures = technician_figures.figures(session, [t.id for t in technicians])
    return [TechnicianOut.model_validate(t).model_copy(update=_fields(figures[t.id])) for t in technicians]


def _fields(figures: technician_figures.TechnicianFigures) -> dict[str, object]:
    return {
        "repairs_completed": figures.repairs_completed,
        "average_repair_time": figures.average_repair_time,
        "customer_rating": figures.customer_rating,
    }


def get_technician(session: Session, *, technician_id: str, scope: Scope | None = None) -> Technician:
    """The technician, or NotFound when he does not exist or (with ``scope``) is outside it."""
    technician = repo.get(session, technician_id)
    if technician is None or (scope is not None and not scope.sees_technician(technician_id)):
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


def create_technician(session: Session, *, data: TechnicianCreate, role: str) -> Technician:
    """Store a new technician under the caller's id; Conflict when the id is taken, Problem 403
    when a non-admin ``role`` sets manager settings."""
    check_settings_change(role, {f for f in data.model_fields_set if getattr(data, f)})
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


def update_technician(
    session: Session, *, technician_id: str, data: TechnicianUpdate, scope: Scope, role: str
) -> Technician:
    """Change the fields given in ``data`` (PATCH) of a technician in ``scope`` (404 outside);
    ``skills`` and ``managed_technician_ids`` replace. Problem 403 when a non-admin ``role``
    changes manager settings."""
    technician = get_technician(session, technician_id=technician_id, scope=scope)
    changes = data.changes()
    check_settings_change(role, set(changes))
    if "skills" in changes:
        _replace_skills(technician, changes.pop("skills"))
    if "managed_technician_ids" in changes:
        technician.managed_technicians = _managed(
            session, manager_id=technician_id, technician_ids=changes.pop("managed_technician_ids")
        )
    return rows.update_fields(session, technician, changes)


def deactivate_technician(session: Session, *, technician_id: str, scope: Scope) -> None:
    """Mark a technician in ``scope`` inactive (rows stay: work orders and API keys refer to them)."""
    technician = get_technician(session, technician_id=technician_id, scope=scope)
    rows.update_fields(session, technician, {"is_active": False})


def technician_schedule(session: Session, *, technician_id: str, day: date, scope: Scope) -> list[WorkOrder]:
    """The work orders of a technician in ``scope`` (404 outside) scheduled on ``day`` (any
    status), by service window start."""
    get_technician(session, technician_id=technician_id, scope=scope)
    return repo.day_schedule(session, technician_id=technician_id, day=day)
