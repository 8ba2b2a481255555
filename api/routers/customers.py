"""``/api/v1/customers``: customers, their custom pricing and preferred technicians."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import AppSettings, CurrentScope, CurrentStaff, DbSession, OfficeStaff, TemporalClient
from api.pagination import Page, Pagination
from api.schemas.customers import (
    CustomerCreate,
    CustomerOut,
    CustomerPricingIn,
    CustomerPricingOut,
    CustomerUpdate,
    PreferredTechniciansIn,
    PreferredTechniciansOut,
)
from api.services import customers as service
from db.models import Customer, CustomerPricing

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])


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
async def create_customer(
    body: CustomerCreate,
    db: DbSession,
    client: TemporalClient,
    settings: AppSettings,
    staff: OfficeStaff,
    scope: CurrentScope,
) -> Customer:
    """Store a new customer (office, manager or admin; approval and credit terms: office or admin).
    A fleet customer with service mode SCHEDULED or HYBRID and lot-walking days gets its lot-walk
    Temporal Schedule (paused while lot walking is disabled); 503 with nothing recorded when
    Temporal cannot be reached."""
    customer = service.create_customer(db, scope=scope, data=body)
    db.commit()
    await service.schedule_created(db, client=client, settings=settings, customer=customer)
    return customer


@router.get("/{customer_id}", response_model=CustomerOut, summary="Get a customer")
def get_customer(customer_id: int, db: DbSession, staff: CurrentStaff, scope: CurrentScope) -> Customer:
    """One customer with its settings and preferred technicians."""
    return service.get_customer(db, customer_id=customer_id, scope=scope)


@router.patch("/{customer_id}", response_model=CustomerOut, summary="Update a customer")
async def update_customer(
    customer_id: int,
    body: CustomerUpdate,
    db: DbSession,
    client: TemporalClient,
    settings: AppSettings,
    staff: OfficeStaff,
    scope: CurrentScope,
) -> Customer:
    """Change only the fields sent. Changing the lot-walking settings creates, updates, pauses
    (lot walking disabled) or deletes (service mode ON_CALL, no days) the customer's lot-walk
    schedule; 503 with the change undone when Temporal cannot be reached."""
    before = service.schedule_settings(service.get_customer(db, customer_id=customer_id, scope=scope))
    customer = service.update_customer(db, customer_id=customer_id, scope=scope, data=body)
    db.commit()
    await service.schedule_updated(db, client=client, settings=settings, customer=customer, before=before)
    return customer


@router.delete("/{customer_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a customer")
async def delete_customer(
    customer_id: int,
    db: DbSession,
    client: TemporalClient,
    settings: AppSettings,
    staff: OfficeStaff,
    scope: CurrentScope,
) -> None:
    """Delete a customer without history; 409 when work orders, requests or messages refer to it.
    Its lot-walk schedule goes first (503 and nothing deleted when Temporal cannot be reached)."""
    customer = service.get_customer(db, customer_id=customer_id, scope=scope)
    if service.walk_schedule_of(service.schedule_settings(customer)) is not None:
        service.check_deletable(db, customer_id=customer_id)
        await service.schedule_deleted(client=client, settings=settings, customer_id=customer_id)
    service.delete_customer(db, customer_id=customer_id, scope=scope)


@router.get("/{customer_id}/pricing", response_model=CustomerPricingOut, summary="Get a customer's pricing")
def get_pricing(customer_id: int, db: DbSession, staff: CurrentStaff, scope: CurrentScope) -> CustomerPricing:
    """The customer's repair price tiers and volume discount (the defaults until one is set)."""
    return service.get_pricing(db, customer_id=customer_id, scope=scope)


@router.put("/{customer_id}/pricing", response_model=CustomerPricingOut, summary="Set a customer's pricing")
def set_pricing(
    customer_id: int, body: CustomerPricingIn, db: DbSession, staff: OfficeStaff, scope: CurrentScope
) -> CustomerPricing:
    """Create or replace the customer's repair price tiers and volume discount; the first write
    records its author (``created_by``) and every change is in the audit log with old and new
    values."""
    return service.set_pricing(db, customer_id=customer_id, scope=scope, data=body, actor=staff.actor)


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
