"""``/api/v1/technicians``: technicians, their skills and working hours, and their day's schedule."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from api.auth import Staff
from api.deps import CurrentScope, CurrentStaff, DbSession, require_roles
from api.pagination import Page, Pagination
from api.schemas.common import IsoDate, QueryBool
from api.schemas.technicians import ScheduleItemOut, TechnicianCreate, TechnicianOut, TechnicianUpdate
from api.services import technicians as service
from db.models import WorkOrder

router = APIRouter(prefix="/api/v1/technicians", tags=["technicians"])

#: Technician writes are for managers (and admins, who always pass).
ManagerStaff = Annotated[Staff, Depends(require_roles("manager"))]


@router.get("", response_model=Page[TechnicianOut], summary="List technicians")
def list_technicians(
    db: DbSession,
    staff: CurrentStaff,
    paging: Pagination,
    active: Annotated[
        QueryBool | None, Query(description="only active (true) or inactive (false) ones")
    ] = None,
    skill: Annotated[str | None, Query(max_length=50, description="only those holding this skill")] = None,
) -> Page[TechnicianOut]:
    """Technicians by id, optionally filtered by active flag and skill."""
    rows, total = service.list_technicians(db, params=paging, active=active, skill=skill)
    return Page[TechnicianOut](
        items=service.with_figures(db, rows),
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=TechnicianOut, summary="Create a technician"
)
def create_technician(body: TechnicianCreate, db: DbSession, staff: ManagerStaff) -> TechnicianOut:
    """Store a new technician under the given id (manager or admin); 409 when the id is taken.
    Manager settings (is_manager, approval_limit, can_assign_work, can_override_pricing,
    managed_technician_ids) are set by admin keys only (403)."""
    (out,) = service.with_figures(db, [service.create_technician(db, data=body, role=staff.role)])
    return out


@router.get("/{technician_id}", response_model=TechnicianOut, summary="Get a technician")
def get_technician(technician_id: str, db: DbSession, staff: CurrentStaff) -> TechnicianOut:
    """One technician with skills, working hours, managed technicians and seed 001 1.2's derived
    figures (repairs completed, average repair time, customer rating)."""
    (out,) = service.with_figures(db, [service.get_technician(db, technician_id=technician_id)])
    return out


@router.patch("/{technician_id}", response_model=TechnicianOut, summary="Update a technician")
def update_technician(
    technician_id: str, body: TechnicianUpdate, db: DbSession, staff: ManagerStaff, scope: CurrentScope
) -> TechnicianOut:
    """Change only the fields sent of a technician on the caller's team; ``skills`` and
    ``managed_technician_ids`` replace the whole list; manager settings need an admin key (403)."""
    changed = service.update_technician(
        db, technician_id=technician_id, data=body, scope=scope, role=staff.role
    )
    (out,) = service.with_figures(db, [changed])
    return out


@router.delete("/{technician_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Deactivate a technician")
def deactivate_technician(
    technician_id: str, db: DbSession, staff: ManagerStaff, scope: CurrentScope
) -> None:
    """Mark a technician of the caller's team inactive; the row stays because work orders refer to it."""
    service.deactivate_technician(db, technician_id=technician_id, scope=scope)


@router.get("/{technician_id}/schedule", response_model=list[ScheduleItemOut], summary="A technician's day")
def technician_schedule(
    technician_id: str,
    db: DbSession,
    staff: CurrentStaff,
    scope: CurrentScope,
    day: Annotated[IsoDate, Query(description="service day, YYYY-MM-DD")],
) -> list[WorkOrder]:
    """The technician's work orders scheduled on ``day``, by service window start; only one's
    own schedule for a technician, the team's for a manager (404 otherwise)."""
    return service.technician_schedule(db, technician_id=technician_id, day=day, scope=scope)
