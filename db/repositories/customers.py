"""Customer reads and writes for activities and services; keyword-only, never commit."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, delete, exists, func, or_, select, true
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, selectinload

from db.models import Customer, CustomerPricing, Message, ServiceRequest, Technician, WorkOrder
from db.repositories import work_orders
from domain.access import Scope


class History(NamedTuple):
    """How many rows refer to a customer, per table."""

    work_orders: int
    service_requests: int
    messages: int


def get(session: Session, customer_id: int) -> Customer | None:
    """The customer or None."""
    return session.get(Customer, customer_id)


def in_scope(scope: Scope) -> ColumnElement[bool]:
    """Customers in ``scope`` (``domain.access``): those with a job in scope, and with the open
    queue also those without any job."""
    if scope.technician_ids is None:
        return true()
    served = exists().where(WorkOrder.customer_id == Customer.id, work_orders.in_scope(scope))
    if scope.open_queue:
        return or_(served, ~exists().where(WorkOrder.customer_id == Customer.id))
    return served


def visible(session: Session, customer_id: int, *, scope: Scope) -> Customer | None:
    """The customer if it exists and is in ``scope``, else None."""
    return session.scalars(select(Customer).where(Customer.id == customer_id, in_scope(scope))).first()


def service_location(customer: Customer | None) -> str | None:
    """The one-line service address of ``customer`` (None without an address)."""
    if customer is None or not customer.address:
        return None
    return f"{customer.address}, {customer.city}, {customer.state} {customer.zip_code}"


def list_stmt(*, q: str | None = None, scope: Scope) -> Select[Customer]:
    """Customers in ``scope`` by id with their preferred technicians; ``q`` matches name,
    company, email or phone."""
    stmt = (
        select(Customer)
        .options(selectinload(Customer.preferred_technicians))
        .where(in_scope(scope))
        .order_by(Customer.id)
    )
    if q and q.strip():
        term = q.strip()
        columns = (
            Customer.first_name,
            Customer.last_name,
            Customer.company_name,
            Customer.email,
            Customer.phone,
        )
        stmt = stmt.where(or_(*(column.icontains(term, autoescape=True) for column in columns)))
    return stmt


def history(session: Session, *, customer_id: int) -> History:
    """Counts of the work orders, service requests and messages that refer to the customer (one query)."""

    def count(model: type[WorkOrder | ServiceRequest | Message]) -> Any:
        return (
            select(func.count()).select_from(model).where(model.customer_id == customer_id).scalar_subquery()
        )

    row = session.execute(select(count(WorkOrder), count(ServiceRequest), count(Message))).one()
    return History(*row)


def remove(session: Session, *, customer_id: int) -> None:
    """Core delete of the customer; pricing and preferred technicians go with it (ON DELETE CASCADE)."""
    session.execute(delete(Customer).where(Customer.id == customer_id))


def pricing(session: Session, *, customer_id: int) -> CustomerPricing | None:
    """The customer's custom pricing or None."""
    return session.scalars(select(CustomerPricing).where(CustomerPricing.customer_id == customer_id)).first()


def upsert_pricing(
    session: Session, *, customer_id: int, values: dict[str, Any], created_by: str | None = None
) -> CustomerPricing:
    """Create or replace the customer's pricing row (one per customer) and return it as stored;
    ``created_by`` is written only when the row is created (a later change keeps the creator)."""
    stmt = (
        insert(CustomerPricing)
        .values(customer_id=customer_id, created_by=created_by, **values)
        .on_conflict_do_update(
            index_elements=[CustomerPricing.customer_id], set_={**values, "updated_at": func.now()}
        )
        .returning(CustomerPricing)
    )
    return session.scalars(stmt, execution_options={"populate_existing": True}).one()


def set_preferred_technicians(session: Session, *, customer: Customer, technicians: list[Technician]) -> None:
    """Replace the customer's preferred technicians and flush."""
    customer.preferred_technicians = technicians
    session.flush()
