"""Service catalog: list, read, create, update and delete job types. Never commits (the request does)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.errors import Conflict, NotFound
from api.pagination import PageParams, paginate
from api.schemas.catalog import CatalogEntryCreate, CatalogEntryUpdate
from db.models import ServiceCatalogEntry
from db.repositories import catalog as repo
from db.repositories import rows


def list_entries(
    session: Session, *, params: PageParams, active: bool | None, category: str | None
) -> tuple[list[ServiceCatalogEntry], int]:
    """One page of job types by code, optionally only (in)active ones or one category."""
    return paginate(session, repo.list_stmt(active=active, category=category), params)


def get_entry(session: Session, *, code: str) -> ServiceCatalogEntry:
    """The job type, or NotFound."""
    entry = repo.get(session, code)
    if entry is None:
        raise NotFound(f"job type '{code}' is not in the catalog")
    return entry


def create_entry(session: Session, *, data: CatalogEntryCreate) -> ServiceCatalogEntry:
    """Add a job type; Conflict when the code exists."""
    if repo.get(session, data.code) is not None:
        raise Conflict(f"job type '{data.code}' already exists")
    entry = ServiceCatalogEntry(**data.model_dump())
    try:
        with session.begin_nested():
            rows.add(session, entry)
    except IntegrityError as err:
        raise Conflict(f"job type '{data.code}' already exists") from err
    return entry


def update_entry(session: Session, *, code: str, data: CatalogEntryUpdate) -> ServiceCatalogEntry:
    """Change the fields given in ``data`` (PATCH)."""
    entry = get_entry(session, code=code)
    return rows.update_fields(session, entry, data.changes())


def delete_entry(session: Session, *, code: str) -> None:
    """Delete an unused job type; Conflict when work orders or requests use it (deactivate it instead)."""
    get_entry(session, code=code)
    usage = repo.usage(session, code=code)
    for n, what in zip(usage, ("work orders", "service requests"), strict=True):
        if n:
            raise Conflict(f"job type '{code}' is used by {n} {what}; set is_active to false instead")
    try:
        with session.begin_nested():
            repo.remove(session, code=code)
    except IntegrityError as err:
        raise Conflict(f"job type '{code}' is in use and cannot be deleted") from err
