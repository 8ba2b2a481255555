"""Service requests (what the office took down); never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import ServiceRequest


def get(session: Session, request_id: int, *, lock: bool = False) -> ServiceRequest | None:
    """The request or None; ``lock`` takes a row lock."""
    return session.get(ServiceRequest, request_id, with_for_update=lock)


def by_idempotency_key(session: Session, *, requested_by: str, key: str) -> ServiceRequest | None:
    """The request this caller made earlier under ``key`` (keys are scoped to the caller)."""
    return session.scalars(
        select(ServiceRequest).where(
            ServiceRequest.requested_by == requested_by, ServiceRequest.idempotency_key == key
        )
    ).first()


def remove(session: Session, *, request_id: int) -> None:
    """Delete a request whose workflow never started (compensation of a failed start)."""
    request = session.get(ServiceRequest, request_id)
    if request is not None:
        session.delete(request)
