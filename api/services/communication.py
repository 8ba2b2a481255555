"""Communication preferences of a customer (seed 004 Phase 1). Never commits (the request does)."""

from __future__ import annotations

from datetime import time

from sqlalchemy.orm import Session

from api.schemas.communication import (
    CommunicationPreferencesIn,
    CommunicationPreferencesOut,
    ContactWindowOut,
)
from api.services.customers import get_customer
from db.repositories import communication_preferences as repo
from domain.access import Scope
from domain.communication import ContactWindow, windows_to_json


def get_preferences(
    session: Session, *, customer_id: int, scope: Scope, default_time_zone: str
) -> CommunicationPreferencesOut:
    """The customer's preferences with the defaults filled in; NotFound outside ``scope``."""
    customer = get_customer(session, customer_id=customer_id, scope=scope)
    row = repo.get(session, customer.id)
    windows = row.contact_windows if row else []
    return CommunicationPreferencesOut(
        customer_id=customer.id,
        channel=customer.preferred_contact_method,
        language=row.language if row else "en",
        time_zone=(row.time_zone if row else None) or default_time_zone,
        time_zone_is_default=not (row and row.time_zone),
        contact_windows=[ContactWindowOut(**w) for w in windows],
        frequency=row.frequency if row else "immediate",
        digest_time=(row.digest_time if row else time(18, 0)).strftime("%H:%M"),
        opted_out=list(row.opted_out) if row else [],
        sms_consent=row.sms_consent if row else True,
        sms_consent_changed_at=row.sms_consent_changed_at if row else None,
    )


def set_preferences(
    session: Session,
    *,
    customer_id: int,
    scope: Scope,
    data: CommunicationPreferencesIn,
    default_time_zone: str,
) -> CommunicationPreferencesOut:
    """Replace the customer's preferences (not its SMS consent); NotFound outside ``scope``.
    Messages already waiting for a contact window re-read them when they wake."""
    customer = get_customer(session, customer_id=customer_id, scope=scope)
    customer.preferred_contact_method = data.channel
    windows = [ContactWindow(frozenset(w.days), w.start, w.end) for w in data.contact_windows]
    repo.upsert(
        session,
        customer.id,
        {
            "language": data.language,
            "time_zone": data.time_zone,
            "contact_windows": windows_to_json(windows),
            "frequency": data.frequency,
            "digest_time": data.digest_time,
            "opted_out": sorted(set(data.opted_out)),
        },
    )
    return get_preferences(session, customer_id=customer.id, scope=scope, default_time_zone=default_time_zone)
