"""The ``messages`` outbox: claim under an idempotency key, then record the outcome. Never commit.

Row status: ``claimed`` (in flight, or its outcome was lost) → ``sent``, or ``failed`` when the
provider refused it (certainly not sent, so a later attempt may claim it again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from db.models import Message


@dataclass(frozen=True, slots=True)
class Claim:
    """The outbox row of a key: ``claimed_now`` True when this attempt owns the send."""

    row_id: int
    status: str
    created_at: datetime
    claimed_now: bool


def claim(session: Session, *, key: str, values: dict[str, object]) -> Claim:
    """Insert the row for ``key`` as ``claimed``, or take back a ``failed`` one; otherwise report
    the row as it is (``sent``, or ``claimed`` by an earlier attempt whose outcome was lost)."""
    claimed = session.execute(
        insert(Message)
        .values(idempotency_key=key, status="claimed", **values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Message.id)
    ).scalar_one_or_none()
    if claimed is None:
        claimed = session.execute(
            update(Message)
            .where(Message.idempotency_key == key, Message.status == "failed")
            .values(status="claimed", error=None)
            .returning(Message.id)
        ).scalar_one_or_none()
    row = session.scalars(select(Message).where(Message.idempotency_key == key)).one()
    return Claim(row.id, row.status, row.created_at, claimed is not None)


def mark_failed(session: Session, *, row_id: int, error: str, refused: bool) -> None:
    """Record a send error; ``refused`` (the provider said no) frees the row for a later claim."""
    row = session.get(Message, row_id)
    if row is None:
        return
    row.error = error[:2000]
    if refused:
        row.status = "failed"


def mark_sent(session: Session, *, row_id: int, provider_message_id: str, at: datetime) -> None:
    """Record the provider's id for a sent message."""
    row = session.get(Message, row_id)
    if row is None:
        return
    row.status = "sent"
    row.provider_message_id = provider_message_id
    row.sent_at = at
    row.error = None
