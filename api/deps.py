"""FastAPI dependencies and their aliases: ``DbSession``, ``TemporalClient``, ``CurrentStaff``,
``CurrentScope`` (what the caller may see, ``domain.access``) and the role aliases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session
from temporalio.client import Client

from api.auth import Staff, verify_api_key
from api.errors import Problem
from config import Settings
from db.repositories import technicians
from domain.access import Scope, scope_for

api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="Staff API key (fieldops apikey create)"
)


def get_db(request: Request) -> Iterator[Session]:
    """One session per request; commits when the handler returns (before the response is sent),
    rolls back on error."""
    session: Session = request.app.state.sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_temporal(request: Request) -> Client:
    """The app's Temporal client."""
    return request.app.state.temporal


def get_settings_dep(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings


DbSession = Annotated[Session, Depends(get_db, scope="function")]  # commit before the response
TemporalClient = Annotated[Client, Depends(get_temporal)]
AppSettings = Annotated[Settings, Depends(get_settings_dep)]


def get_staff(db: DbSession, key: Annotated[str | None, Security(api_key_header)]) -> Staff:
    """The caller, looked up in the request's own session; 401 problem+json without a valid key."""
    if not key:
        raise Problem(401, "missing X-API-Key header")
    staff = verify_api_key(db, key)
    if staff is None:
        raise Problem(401, "invalid or revoked API key")
    return staff


CurrentStaff = Annotated[Staff, Depends(get_staff)]


def get_scope(db: DbSession, staff: CurrentStaff) -> Scope:
    """The records the caller may see and act on (``domain.access``): everything for office and
    admin, his own jobs for a technician, his team's jobs and the open queue for a manager."""
    team: frozenset[str] = frozenset()
    if staff.role == "manager" and staff.technician_id:
        team = technicians.team_ids(db, manager_id=staff.technician_id)
    return scope_for(staff.role, staff.technician_id, team)


CurrentScope = Annotated[Scope, Depends(get_scope)]


def require_roles(*roles: str) -> Callable[[Staff], Staff]:
    """A dependency that lets only ``roles`` through (403 otherwise); admin always passes."""

    def check(staff: CurrentStaff) -> Staff:
        if staff.role != "admin" and staff.role not in roles:
            raise Problem(403, f"role '{staff.role}' may not do this; needs one of: {', '.join(roles)}")
        return staff

    return check


OfficeStaff = Annotated[Staff, Depends(require_roles("office", "manager"))]
FieldStaff = Annotated[Staff, Depends(require_roles("office", "manager", "technician"))]
