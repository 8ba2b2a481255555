"""``/api/v1/customers``: customers, their custom pricing and preferred technicians."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import AppSettings, CurrentScope, CurrentStaff, DbSession, OfficeStaff
from api.errors import Problem
from api.pagination import Page, Pagination
from api.schemas.customer_view import CustomerView
from api.schemas.customers import (
    CustomerCreate,
    CustomerOut,
    CustomerPricingIn,
    CustomerPricingOut,
    CustomerUpdate,
    PreferredTechniciansIn,
    PreferredTechniciansOut,
)
from api.services import customer_view
from api.services import customers as service
from db.models import Customer, CustomerPricing
from domain.customer360 import ALL, INCLUDES, MONEY_INCLUDES, IncludeError, parse_includes

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])

_PART = "|".join((*INCLUDES, ALL))
INCLUDE_PATTERN = rf"^({_PART})(,({_PART}))*$"
INCLUDE_HELP = (
    f"comma-separated parts of the customer 360 view: {', '.join(INCLUDES)}, or {ALL}; "
    f"{', '.join(sorted(MONEY_INCLUDES))} need an office or manager key"
)


@router.get("", response_model=Page[CustomerOut], summary="List customers")
def list_customers(
    db: DbSession,
    staff: CurrentStaff,
    scope: CurrentScope,
    paging: Pagination,
    q: Annotated[str | None, Query(max_length=100, description="in name, company, email, phone")] = None,
) -> Page[CustomerOut]:
    """The customers in the caller's scope by id, optionally filtered by a search term."""
    rows, total = service.list_customers(db, params=paging, q=q, scope=scope)
    return Page[CustomerOut](
        items=[CustomerOut.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CustomerOut, summary="Create a customer")
def create_customer(body: CustomerCreate, db: DbSession, staff: OfficeStaff, scope: CurrentScope) -> Customer:
    """Store a new customer (office, manager or admin; approval and credit terms: office or admin)."""
    return service.create_customer(db, scope=scope, data=body)


@router.get(
    "/{customer_id}",
    response_model=CustomerView,
    response_model_exclude_unset=True,
    summary="Get a customer (with ?include= its 360 view)",
)
def get_customer(
    customer_id: int,
    db: DbSession,
    staff: CurrentStaff,
    scope: CurrentScope,
    settings: AppSettings,
    include: Annotated[
        str | None, Query(max_length=300, pattern=INCLUDE_PATTERN, description=INCLUDE_HELP)
    ] = None,
) -> CustomerView:
    """One customer with its settings and preferred technicians, and the parts named in
    ``include`` (seed 004 customer view); 403 when a technician key asks for a money part."""
    try:
        includes = parse_includes(include)
    except IncludeError as err:
        raise Problem(422, str(err)) from err
    return customer_view.customer_view(
        db,
        customer_id=customer_id,
        scope=scope,
        staff=staff,
        includes=includes,
        default_time_zone=settings.timezone,
    )


@router.patch("/{customer_id}", response_model=CustomerOut, summary="Update a customer")
def update_customer(
    customer_id: int, body: CustomerUpdate, db: DbSession, staff: OfficeStaff, scope: CurrentScope
) -> Customer:
    """Change only the fields sent."""
    return service.update_customer(db, customer_id=customer_id, scope=scope, data=body)


@router.delete("/{customer_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a customer")
def delete_customer(customer_id: int, db: DbSession, staff: OfficeStaff, scope: CurrentScope) -> None:
    """Delete a customer without history; 409 when work orders, requests or messages refer to it."""
    service.delete_customer(db, customer_id=customer_id, scope=scope)


@router.get("/{customer_id}/pricing", response_model=CustomerPricingOut, summary="Get a customer's pricing")
def get_pricing(customer_id: int, db: DbSession, staff: CurrentStaff, scope: CurrentScope) -> CustomerPricing:
    """The customer's repair price tiers and volume discount (the defaults until one is set)."""
    return service.get_pricing(db, customer_id=customer_id, scope=scope)


@router.put("/{customer_id}/pricing", response_model=CustomerPricingOut, summary="Set a customer's pricing")
def set_pricing(
    customer_id: int, body: CustomerPricingIn, db: DbSession, staff: OfficeStaff, scope: CurrentScope
) -> CustomerPricing:
    """Create or replace the customer's repair price tiers and volume discount."""
    return service.set_pricing(db, customer_id=customer_id, scope=scope, data=body)


@router.get(
    "/{customer_id}/preferred-technicians",
    response_model=PreferredTechniciansOut,
    summary="Get a customer's preferred technicians",
)
def get_preferred_technicians(
    customer_id: int, db: DbSession, staff: CurrentStaff, scope: CurrentScope
) -> PreferredTechniciansOut:
    """Ids of the technicians this customer prefers."""
    ids = service.get_preferred_technicians(db, customer_id=customer_id, scope=scope)
    return PreferredTechniciansOut(customer_id=customer_id, technician_ids=ids)


@router.put(
    "/{customer_id}/preferred-technicians",
    response_model=PreferredTechniciansOut,
    summary="Set a customer's preferred technicians",
)
def set_preferred_technicians(
    customer_id: int, body: PreferredTechniciansIn, db: DbSession, staff: OfficeStaff, scope: CurrentScope
) -> PreferredTechniciansOut:
    """Replace the list of preferred technicians; 422 for an unknown technician id."""
    ids = service.set_preferred_technicians(
        db, customer_id=customer_id, scope=scope, technician_ids=body.technician_ids
    )
    return PreferredTechniciansOut(customer_id=customer_id, technician_ids=ids)
