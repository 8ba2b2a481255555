"""A customer's contact details and communication preferences, as the message activities use them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from db.models import CommunicationPreferences, Customer
from db.repositories import communication_preferences
from domain.communication import ContactPreferences, windows_from_json


@dataclass(frozen=True, slots=True)
class Contact:
    """Who to write to and how: ``prefs`` with the company zone filled in when the customer set none."""

    customer_id: int
    name: str
    phone: str | None
    email: str | None
    prefs: ContactPreferences


def preferences_of(
    customer: Customer, row: CommunicationPreferences | None, default_time_zone: str
) -> ContactPreferences:
    """The domain view of a customer's preferences (``row`` None: the defaults)."""
    if row is None:
        return ContactPreferences(channel=customer.preferred_contact_method, time_zone=default_time_zone)
    return ContactPreferences(
        channel=customer.preferred_contact_method,
        language=row.language,
        time_zone=row.time_zone or default_time_zone,
        windows=windows_from_json(row.contact_windows),
        frequency=row.frequency,
        digest_time=row.digest_time,
        opted_out=frozenset(row.opted_out),
        sms_consent=row.sms_consent,
    )


def load_contact(session: Session, customer: Customer, default_time_zone: str) -> Contact:
    """The customer's contact details and preferences."""
    row = communication_preferences.get(session, customer.id)
    return Contact(
        customer_id=customer.id,
        name=customer.first_name,
        phone=customer.phone,
        email=customer.email,
        prefs=preferences_of(customer, row, default_time_zone),
    )
