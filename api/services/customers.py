"""Customer service: CRUD, custom pricing and preferred technicians. Never commits (the request does)."""

from __future__ import annotations

from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from api.errors import Conflict, NotFound, Problem
from api.pagination import PageParams, paginate
from api.schemas.customers import CustomerCreate, CustomerPricingIn, CustomerUpdate
from db.models import Customer, CustomerPricing, Message, ServiceRequest, Technician, WorkOrder


def list_customers(session: Session, *, params: PageParams, q: str | None) -> tuple[list[Customer], int]:
    """One page of customers by id; ``q`` matches name, company, email or phone (case-insensitive)."""
    stmt = select(Customer).options(selectinload(Customer.preferred_technicians)).order_by(Customer.id)
    if q and q.strip():
        term = q.strip()
        stmt = stmt.where(
            or_(
                *(
                    column.icontains(term, autoescape=True)
                    for column in (
                        Customer.first_name,
                        Customer.last_name,
                        Customer.company_name,
                        Customer.email,
                        Customer.phone,
                    )
                )
            )
        )
    return paginate(session, stmt, params)


def get_customer(session: Session, *, customer_id: int) -> Customer:
    """The customer, or NotFound."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"customer {customer_id} does not exist")
    return customer


def create_customer(session: Session, *, data: CustomerCreate) -> Customer:
    """Store a new customer."""
    customer = Customer(**data.model_dump())
    session.add(customer)
    session.flush()
    return customer


def update_customer(session: Session, *, customer_id: int, data: CustomerUpdate) -> Customer:
    """Change the fields given in ``data`` (PATCH)."""
    customer = get_customer(session, customer_id=customer_id)
    for field, value in data.changes().items():
        setattr(customer, field, value)
    session.flush()
    return customer


def _count(session: Session, model: type[WorkOrder | ServiceRequest | Message], customer_id: int) -> int:
    stmt = select(func.count()).select_from(model).where(model.customer_id == customer_id)
    return session.execute(stmt).scalar_one()


def delete_customer(session: Session, *, customer_id: int) -> None:
    """Delete a customer with no history; Conflict when work orders, requests or messages refer to it."""
    get_customer(session, customer_id=customer_id)
    history = ((WorkOrder, "work orders"), (ServiceRequest, "service requests"), (Message, "messages"))
    for model, what in history:
        if n := _count(session, model, customer_id):
            raise Conflict(f"customer {customer_id} has {n} {what}; customers with history cannot be deleted")
    try:
        with session.begin_nested():
            # Core delete: pricing and preferred technicians go with it (ON DELETE CASCADE).
            session.execute(delete(Customer).where(Customer.id == customer_id))
    except IntegrityError as err:
        raise Conflict(f"customer {customer_id} is referenced elsewhere; it cannot be deleted") from err


def get_pricing(session: Session, *, customer_id: int) -> CustomerPricing:
    """The customer's pricing, or NotFound when none is set."""
    get_customer(session, customer_id=customer_id)
    stmt = select(CustomerPricing).where(CustomerPricing.customer_id == customer_id)
    pricing = session.scalars(stmt).first()
    if pricing is None:
        raise NotFound(f"customer {customer_id} has no custom pricing; PUT it to set one")
    return pricing


def set_pricing(session: Session, *, customer_id: int, data: CustomerPricingIn) -> CustomerPricing:
    """Create or replace the customer's pricing (one row per customer, upserted)."""
    get_customer(session, customer_id=customer_id)
    values = data.model_dump()
    stmt = (
        insert(CustomerPricing)
        .values(customer_id=customer_id, **values)
        .on_conflict_do_update(
            index_elements=[CustomerPricing.customer_id], set_={**values, "updated_at": func.now()}
        )
        .returning(CustomerPricing)
    )
    return session.scalars(stmt, execution_options={"populate_existing": True}).one()


def _technicians(session: Session, technician_ids: list[str]) -> list[Technician]:
    found = {t.id: t for t in session.scalars(select(Technician).where(Technician.id.in_(technician_ids)))}
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
    customer.preferred_technicians = _technicians(session, list(dict.fromkeys(technician_ids)))
    session.flush()
    return sorted(t.id for t in customer.preferred_technicians)
