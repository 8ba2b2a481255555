"""``/api/v1/customers/{id}/communication-preferences``: channel, language, contact windows
(quiet hours), frequency and opt-outs of one customer (seed 004 Phase 1)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import AppSettings, CurrentScope, CurrentStaff, DbSession, OfficeStaff
from api.schemas.communication import CommunicationPreferencesIn, CommunicationPreferencesOut
from api.services import communication as service

router = APIRouter(prefix="/api/v1/customers", tags=["communication"])


@router.get(
    "/{customer_id}/communication-preferences",
    response_model=CommunicationPreferencesOut,
    summary="Get a customer's communication preferences",
)
def get_preferences(
    customer_id: int, db: DbSession, staff: CurrentStaff, scope: CurrentScope, settings: AppSettings
) -> CommunicationPreferencesOut:
    """Channel, language, time zone, contact windows, frequency, opt-outs and SMS consent."""
    return service.get_preferences(
        db, customer_id=customer_id, scope=scope, default_time_zone=settings.timezone
    )


@router.put(
    "/{customer_id}/communication-preferences",
    response_model=CommunicationPreferencesOut,
    summary="Set a customer's communication preferences",
)
def set_preferences(
    customer_id: int,
    body: CommunicationPreferencesIn,
    db: DbSession,
    staff: OfficeStaff,
    scope: CurrentScope,
    settings: AppSettings,
) -> CommunicationPreferencesOut:
    """Replace the preferences (office, or a manager within his scope). Messages waiting for a
    contact window pick the change up when they wake; SMS consent changes only by STOP/START."""
    return service.set_preferences(
        db, customer_id=customer_id, scope=scope, data=body, default_time_zone=settings.timezone
    )
