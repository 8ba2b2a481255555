"""Customers' communication preferences: read, replace, and SMS consent by phone. Never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from db.models import CommunicationPreferences, Customer


def get(session: Session, customer_id: int, *, lock: bool = False) -> CommunicationPreferences | None:
    """The customer's stored preferences, or None (the defaults apply). ``lock`` takes a share
    lock until the transaction ends, so a STOP cannot slip between a consent check and the claim."""
    stmt = select(CommunicationPreferences).where(CommunicationPreferences.customer_id == customer_id)
    if lock:
        stmt = stmt.with_for_update(read=True)
    return session.scalars(stmt).first()


def upsert(session: Session, customer_id: int, values: dict[str, object]) -> CommunicationPreferences:
    """Create or update the customer's row with ``values`` (column name → value)."""
    session.execute(
        insert(CommunicationPreferences)
        .values(customer_id=customer_id, **values)
        .on_conflict_do_update(index_elements=["customer_id"], set_=values or {"customer_id": customer_id})
    )
    row = get(session, customer_id)
    assert row is not None
    session.refresh(row)
    return row


def customers_with_phone(session: Session, phone: str) -> list[Customer]:
    """Every customer whose phone is ``phone`` (E.164 as stored), by id."""
    return list(session.scalars(select(Customer).where(Customer.phone == phone).order_by(Customer.id)))


def set_sms_consent(session: Session, *, phone: str, consent: bool, at: datetime) -> list[int]:
    """Record SMS consent (STOP → False, START → True) for every customer with this phone;
    returns their ids."""
    ids = [c.id for c in customers_with_phone(session, phone)]
    for customer_id in ids:
        upsert(session, customer_id, {"sms_consent": consent, "sms_consent_changed_at": at})
    return ids
