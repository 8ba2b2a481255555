"""Provider delivery events, each stored once, and the message status they move. Never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from db.models import Message, MessageEvent
from domain.delivery import advance


def record(
    session: Session,
    *,
    event_key: str,
    provider: str,
    provider_message_id: str,
    status: str,
    detail: str | None,
) -> bool:
    """Store the event under ``event_key`` once; True when it is new (apply it), False for a repeat."""
    message_id = session.scalars(
        select(Message.id).where(
            Message.provider == provider, Message.provider_message_id == provider_message_id
        )
    ).first()
    inserted = session.execute(
        insert(MessageEvent)
        .values(
            event_key=event_key[:200],
            message_id=message_id,
            provider=provider,
            provider_message_id=provider_message_id[:100],
            status=status,
            detail=(detail or None) and detail[:500],
        )
        .on_conflict_do_nothing(index_elements=["event_key"])
        .returning(MessageEvent.id)
    ).scalar_one_or_none()
    return inserted is not None


def apply_status(
    session: Session,
    *,
    provider: str,
    provider_message_id: str,
    status: str,
    reason: str | None,
    at: datetime,
) -> str | None:
    """Move the message the provider knows as ``provider_message_id`` to ``status`` when that is
    progress (``domain.delivery.advance``); returns the new status, or None (unknown message,
    or no progress). The row is locked so concurrent reports apply one at a time."""
    row = session.scalars(
        select(Message)
        .where(Message.provider == provider, Message.provider_message_id == provider_message_id)
        .with_for_update()
    ).first()
    if row is None:
        return None
    new = advance(row.status, status)
    if new is None:
        return None
    row.status = new
    row.status_updated_at = at
    if reason:
        row.status_reason = reason[:500]
    return new
