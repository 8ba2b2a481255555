"""Service catalog: list, read, create, update and delete job types. Never commits (the request does)."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.errors import Conflict, NotFound
from api.pagination import PageParams, paginate
from api.schemas.catalog import CatalogEntryCreate, CatalogEntryUpdate
from db.models import ServiceCatalogEntry, ServiceRequest, WorkOrder


def list_entries(
    session: Session, *, params: PageParams, active: bool | None, category: str | None
) -> tuple[list[ServiceCatalogEntry], int]:
    """One page of job types by code, optionally only (in)active ones or one category."""
    stmt = select(ServiceCatalogEntry).order_by(ServiceCatalogEntry.code)
    if active is not None:
        stmt = stmt.where(ServiceCatalogEntry.is_active.is_(active))
    if category:
        stmt = stmt.where(ServiceCatalogEntry.category == category)
    return paginate(session, stmt, params)


def get_entry(session: Session, *, code: str) -> ServiceCatalogEntry:
    """The job type, or NotFound."""
    entry = session.get(ServiceCatalogEntry, code)
    if entry is None:
        raise NotFound(f"job type '{code}' is not in the catalog")
    return entry


def create_entry(session: Session, *, data: CatalogEntryCreate) -> ServiceCatalogEntry:
    """Add a job type; Conflict when the code exists."""
    if session.get(ServiceCatalogEntry, data.code) is not None:
        raise Conflict(f"job type '{data.code}' already exists")
    entry = ServiceCatalogEntry(**data.model_dump())
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError as err:
        raise Conflict(f"job type '{data.code}' already exists") from err
    return entry


def update_entry(session: Session, *, code: str, data: CatalogEntryUpdate) -> ServiceCatalogEntry:
    """Change the fields given in ``data`` (PATCH)."""
    entry = get_entry(session, code=code)
    for field, value in data.changes().items():
        setattr(entry, field, value)
    session.flush()
    return entry


def delete_entry(session: Session, *, code: str) -> None:
    """Delete an unused job type; Conflict when work orders or requests use it (deactivate it instead)."""
    get_entry(session, code=code)
    for model, column, what in (
        (WorkOrder, WorkOrder.job_type, "work orders"),
        (ServiceRequest, ServiceRequest.service_type, "service requests"),
    ):
        if n := session.execute(select(func.count()).select_from(model).where(column == code)).scalar_one():
            raise Conflict(f"job type '{code}' is used by {n} {what}; set is_active to false instead")
    try:
        with session.begin_nested():
            session.execute(delete(ServiceCatalogEntry).where(ServiceCatalogEntry.code == code))
    except IntegrityError as err:
        raise Conflict(f"job type '{code}' is in use and cannot be deleted") from err
