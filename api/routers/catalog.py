"""``/api/v1/catalog``: the job types offered, with base price, duration and required skill."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from api.auth import Staff
from api.deps import CurrentStaff, DbSession, require_roles
from api.pagination import Page, Pagination
from api.schemas.catalog import CatalogEntryCreate, CatalogEntryOut, CatalogEntryUpdate, Category
from api.schemas.common import QueryBool
from api.services import catalog as service
from db.models import ServiceCatalogEntry

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])

#: Catalog writes are for managers (and admins, who always pass).
ManagerStaff = Annotated[Staff, Depends(require_roles("manager"))]


@router.get("", response_model=Page[CatalogEntryOut], summary="List job types")
def list_entries(
    db: DbSession,
    staff: CurrentStaff,
    paging: Pagination,
    active: Annotated[
        QueryBool | None, Query(description="only active (true) or inactive (false) ones")
    ] = None,
    category: Annotated[Category | None, Query(description="only this reporting category")] = None,
) -> Page[CatalogEntryOut]:
    """Job types by code, optionally filtered by active flag and category."""
    rows, total = service.list_entries(db, params=paging, active=active, category=category)
    return Page[CatalogEntryOut](
        items=[CatalogEntryOut.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=CatalogEntryOut, summary="Add a job type"
)
def create_entry(body: CatalogEntryCreate, db: DbSession, staff: ManagerStaff) -> ServiceCatalogEntry:
    """Add a job type (manager or admin); 409 when the code exists."""
    return service.create_entry(db, data=body)


@router.get("/{code}", response_model=CatalogEntryOut, summary="Get a job type")
def get_entry(code: str, db: DbSession, staff: CurrentStaff) -> ServiceCatalogEntry:
    """One job type."""
    return service.get_entry(db, code=code)


@router.patch("/{code}", response_model=CatalogEntryOut, summary="Update a job type")
def update_entry(
    code: str, body: CatalogEntryUpdate, db: DbSession, staff: ManagerStaff
) -> ServiceCatalogEntry:
    """Change only the fields sent (manager or admin)."""
    return service.update_entry(db, code=code, data=body)


@router.delete("/{code}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a job type")
def delete_entry(code: str, db: DbSession, staff: ManagerStaff) -> None:
    """Delete an unused job type; 409 when work orders use it (set ``is_active`` false instead)."""
    service.delete_entry(db, code=code)
