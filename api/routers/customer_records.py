"""``/api/v1/appliances``, ``/api/v1/expenses``, ``/api/v1/reviews`` and ``/api/v1/follow-ups``:
the customer 360 records (seed 004 Phase 1).

Reads are open to every staff key within its scope, except expenses (money: office and
managers). Technicians may record and edit appliances at the customers they serve and close the
follow-ups they can see; the rest is office and manager work.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import CurrentScope, CurrentStaff, DbSession, FieldStaff, OfficeStaff
from api.pagination import Page, Pagination, paginate
from api.schemas.customer_records import (
    ApplianceIn,
    ApplianceOut,
    ApplianceUpdate,
    ExpenseIn,
    ExpenseOut,
    FollowUpIn,
    FollowUpOut,
    FollowUpStatus,
    FollowUpUpdate,
    ReviewIn,
    ReviewOut,
)
from api.services import customer_records as service
from db.models import Appliance, Expense, Review, ServiceFollowUp
from db.repositories import customer_records as repo

router = APIRouter(tags=["customer 360"])

CustomerFilter = Annotated[int | None, Query(ge=1, le=2_147_483_647)]
JobFilter = Annotated[str | None, Query(min_length=1, max_length=40)]
TechnicianFilter = Annotated[str | None, Query(min_length=1, max_length=20)]
CREATED_OR_EXISTING = {200: {"description": "a follow-up with this key existed: it is returned unchanged"}}


def _page(rows: list, total: int, paging: Pagination, out: type) -> Page:
    return Page[out](  # type: ignore[valid-type]
        items=[out.model_validate(r) for r in rows], total=total, page=paging.page, page_size=paging.page_size
    )


# ---- appliances --------------------------------------------------------------------------------


@router.get("/api/v1/appliances", response_model=Page[ApplianceOut], summary="List appliances")
def list_appliances(
    db: DbSession,
    staff: CurrentStaff,
    scope: CurrentScope,
    paging: Pagination,
    customer_id: CustomerFilter = None,
) -> Page[ApplianceOut]:
    """Appliances of the customers in the caller's scope by id, optionally of one customer."""
    rows, total = paginate(db, repo.appliance_list_stmt(scope=scope, customer_id=customer_id), paging)
    return _page(rows, total, paging, ApplianceOut)


@router.post(
    "/api/v1/appliances",
    status_code=status.HTTP_201_CREATED,
    response_model=ApplianceOut,
    summary="Add an appliance",
)
def create_appliance(body: ApplianceIn, db: DbSession, staff: FieldStaff, scope: CurrentScope) -> Appliance:
    """Record an appliance at a customer's site; 422 when the servicing job is another
    customer's, 409 for a serial number the customer already has."""
    return service.create_appliance(db, scope=scope, data=body)


@router.get("/api/v1/appliances/{appliance_id}", response_model=ApplianceOut, summary="Get an appliance")
def get_appliance(appliance_id: int, db: DbSession, staff: CurrentStaff, scope: CurrentScope) -> Appliance:
    """One appliance."""
    return service.get_appliance(db, appliance_id=appliance_id, scope=scope)


@router.patch("/api/v1/appliances/{appliance_id}", response_model=ApplianceOut, summary="Update an appliance")
def update_appliance(
    appliance_id: int, body: ApplianceUpdate, db: DbSession, staff: FieldStaff, scope: CurrentScope
) -> Appliance:
    """Change only the fields sent (e.g. the last service date and the job that serviced it)."""
    return service.update_appliance(db, appliance_id=appliance_id, scope=scope, data=body)


@router.delete(
    "/api/v1/appliances/{appliance_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete an appliance"
)
def delete_appliance(appliance_id: int, db: DbSession, staff: OfficeStaff, scope: CurrentScope) -> None:
    """Remove an appliance the customer no longer has."""
    service.delete_appliance(db, appliance_id=appliance_id, scope=scope)


# ---- expenses ----------------------------------------------------------------------------------


@router.get("/api/v1/expenses", response_model=Page[ExpenseOut], summary="List expenses")
def list_expenses(
    db: DbSession,
    staff: OfficeStaff,
    scope: CurrentScope,
    paging: Pagination,
    customer_id: CustomerFilter = None,
    work_order_id: JobFilter = None,
) -> Page[ExpenseOut]:
    """Expenses in the caller's scope, newest first: a customer's (direct and of its jobs) and/or
    one job's."""
    stmt = repo.expense_list_stmt(scope=scope, customer_id=customer_id, work_order_id=work_order_id)
    rows, total = paginate(db, stmt, paging)
    return _page(rows, total, paging, ExpenseOut)


@router.post(
    "/api/v1/expenses",
    status_code=status.HTTP_201_CREATED,
    response_model=ExpenseOut,
    summary="Record an expense",
)
def create_expense(body: ExpenseIn, db: DbSession, staff: OfficeStaff, scope: CurrentScope) -> Expense:
    """Record money spent for a customer and/or a job (the customer is taken from the job)."""
    return service.create_expense(db, scope=scope, staff=staff, data=body)


# ---- reviews -----------------------------------------------------------------------------------


@router.get("/api/v1/reviews", response_model=Page[ReviewOut], summary="List reviews")
def list_reviews(
    db: DbSession,
    staff: CurrentStaff,
    scope: CurrentScope,
    paging: Pagination,
    customer_id: CustomerFilter = None,
    work_order_id: JobFilter = None,
    technician_id: TechnicianFilter = None,
) -> Page[ReviewOut]:
    """Reviews of jobs in the caller's scope, newest first, by customer, job or technician."""
    stmt = repo.review_list_stmt(
        scope=scope, customer_id=customer_id, work_order_id=work_order_id, technician_id=technician_id
    )
    rows, total = paginate(db, stmt, paging)
    return _page(rows, total, paging, ReviewOut)


@router.post(
    "/api/v1/reviews",
    status_code=status.HTTP_201_CREATED,
    response_model=ReviewOut,
    summary="Record a review",
)
def create_review(body: ReviewIn, db: DbSession, staff: OfficeStaff, scope: CurrentScope) -> Review:
    """Record the customer's review of a completed job as told to staff (source ``manual``);
    409 when the job is not completed or already has one."""
    return service.create_review(db, scope=scope, staff=staff, data=body)


# ---- service follow-ups ------------------------------------------------------------------------


@router.get("/api/v1/follow-ups", response_model=Page[FollowUpOut], summary="List service follow-ups")
def list_follow_ups(
    db: DbSession,
    staff: CurrentStaff,
    scope: CurrentScope,
    paging: Pagination,
    customer_id: CustomerFilter = None,
    status_: Annotated[FollowUpStatus | None, Query(alias="status")] = None,
    assigned_to_technician_id: TechnicianFilter = None,
    work_order_id: JobFilter = None,
) -> Page[FollowUpOut]:
    """Follow-ups in the caller's scope: open ones first by due date, then done ones."""
    stmt = repo.follow_up_list_stmt(
        scope=scope,
        customer_id=customer_id,
        status=status_,
        assigned_to_technician_id=assigned_to_technician_id,
        work_order_id=work_order_id,
    )
    rows, total = paginate(db, stmt, paging)
    return _page(rows, total, paging, FollowUpOut)


@router.post(
    "/api/v1/follow-ups",
    status_code=status.HTTP_201_CREATED,
    response_model=FollowUpOut,
    responses=CREATED_OR_EXISTING,
    summary="Raise a service follow-up",
)
def create_follow_up(
    body: FollowUpIn, response: Response, db: DbSession, staff: OfficeStaff, scope: CurrentScope
) -> ServiceFollowUp:
    """Raise a follow-up with a customer (201); with a ``key`` already used, the stored one (200)."""
    row, created = service.create_follow_up(db, scope=scope, staff=staff, data=body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return row


@router.get(
    "/api/v1/follow-ups/{follow_up_id}", response_model=FollowUpOut, summary="Get a service follow-up"
)
def get_follow_up(
    follow_up_id: int, db: DbSession, staff: CurrentStaff, scope: CurrentScope
) -> ServiceFollowUp:
    """One follow-up."""
    return service.get_follow_up(db, follow_up_id=follow_up_id, scope=scope)


@router.patch(
    "/api/v1/follow-ups/{follow_up_id}", response_model=FollowUpOut, summary="Update a service follow-up"
)
def update_follow_up(
    follow_up_id: int, body: FollowUpUpdate, db: DbSession, staff: FieldStaff, scope: CurrentScope
) -> ServiceFollowUp:
    """Mark it done (or open again), reassign it, move its due date, record the customer's answer."""
    return service.update_follow_up(db, follow_up_id=follow_up_id, scope=scope, staff=staff, data=body)
