"""Customer reads for activities and services; keyword-only, never commit."""

from __future__ import annotations

from sqlalchemy.orm import Session

from db.models import Customer


def get(session: Session, customer_id: int) -> Customer | None:
    """The customer or None."""
    return session.get(Customer, customer_id)


def service_location(customer: Customer | None) -> str | None:
    """The one-line service address of ``customer`` (None without an address)."""
    if customer is None or not customer.address:
        return None
    return f"{customer.address}, {customer.city}, {customer.state} {customer.zip_code}"
