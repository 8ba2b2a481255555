"""Customer service: CRUD, custom pricing and preferred technicians. Never commits (the request does)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.errors import Conflict, NotFound, Problem
from api.pagination import PageParams, paginate
from api.schemas.customers import CustomerCreate, CustomerPricingIn, CustomerUpdate
from db.models import Customer, CustomerPricing, Technician
from db.repositories import customers as repo
from db.repositories import rows, technicians
from domain.pricing import CustomerPricingTerms


def list_customers(session: Session, *, params: PageParams, q: str | None) -> tuple[list[Customer], int]:
    """One page of customers by id; ``q`` matches name, company, email or phone (case-insensitive)."""
    return paginate(session, repo.list_stmt(q=q), params)


def get_customer(session: Session, *, customer_id: int) -> Customer:
    """The customer, or NotFound."""
    customer = repo.get(session, customer_id)
    if customer is None:
        raise NotFound(f"customer {customer_id} does not exist")
    return customer


def create_customer(session: Session, *, data: CustomerCreate) -> Customer:
    """Store a new customer."""
    return rows.add(session, Customer(**data.model_dump()))


def update_customer(session: Session, *, customer_id: int, data: CustomerUpdate) -> Customer:
    """Change the fields given in ``data`` (PATCH)."""
    customer = get_customer(session, customer_id=customer_id)
    return rows.update_fields(session, customer, data.changes())


def delete_customer(session: Session, *, customer_id: int) -> None:
    """Delete a customer with no history; Conflict when work orders, requests or messages refer to it."""
    get_customer(session, customer_id=customer_id)
    history = repo.history(session, customer_id=customer_id)
    for n, what in zip(history, ("work orders", "service requests", "messages"), strict=True):
        if n:
            raise Conflict(f"customer {customer_id} has {n} {what}; customers with history cannot be deleted")
    try:
        with session.begin_nested():
            repo.remove(session, customer_id=customer_id)
    except IntegrityError as err:
        raise Conflict(f"customer {customer_id} is referenced elsewhere; it cannot be deleted") from err


def get_pricing(session: Session, *, customer_id: int) -> CustomerPricing:
    """The customer's pricing; for a customer whose pricing was never set, the default terms that
    quoting applies to it (standard tiers, no volume discount) as an unsaved row with
    ``updated_at`` None. NotFound only when the customer does not exist."""
    get_customer(session, customer_id=customer_id)
    pricing = repo.pricing(session, customer_id=customer_id)
    if pricing is not None:
        return pricing
    default = CustomerPricingTerms()
    return CustomerPricing(
        customer_id=customer_id,
        use_custom_pricing=default.use_custom_pricing,
        volume_discount_threshold=default.volume_discount_threshold,
        volume_discount_percentage=default.volume_discount_percentage,
    )


def set_pricing(session: Session, *, customer_id: int, data: CustomerPricingIn) -> CustomerPricing:
    """Create or replace the customer's pricing (one row per customer, upserted)."""
    get_customer(session, customer_id=customer_id)
    return repo.upsert_pricing(session, customer_id=customer_id, values=data.model_dump())


def _technicians(session: Session, technician_ids: list[str]) -> list[Technician]:
    found = technicians.by_ids(session, technician_ids=technician_ids)
    missing = [t for t in technician_ids if t not in found]
    if missing:
        raise Problem(422, f"unknown technician(s): {', '.join(missing)}")
    return [found[t] for t in technician_ids]


def get_preferred_technicians(session: Session, *, customer_id: int) -> list[str]:
    """Ids of the customer's preferred technicians."""
    customer = get_customer(session, customer_id=customer_id)
    return sorted(t.id for t in customer.preferred_technicians)


def set_preferred_technicians(session: Session, *, customer_id: int, technician_ids: list[str]) -> list[str]:
    """Replace the customer's preferred technicians; 422 for an unknown technician id."""
    customer = get_customer(session, customer_id=customer_id)
    chosen = _technicians(session, list(dict.fromkeys(technician_ids)))
    repo.set_preferred_technicians(session, customer=customer, technicians=chosen)
    return sorted(t.id for t in customer.preferred_technicians)
