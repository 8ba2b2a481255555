"""Outgoing webhooks: subscriptions, deliveries (one per event and subscription) and attempts.
Never commit (the request or activity boundary does)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, selectinload

from db.models import WebhookAttempt, WebhookDelivery, WebhookSubscription


def create_subscription(
    session: Session,
    *,
    url: str,
    event_types: list[str],
    description: str | None,
    signing_secret: str,
    created_by: str,
) -> WebhookSubscription:
    """Store a new active subscription."""
    row = WebhookSubscription(
        url=url,
        event_types=event_types,
        description=description,
        signing_secret=signing_secret,
        created_by=created_by,
        active=True,
    )
    session.add(row)
    session.flush()
    session.refresh(row)  # the database's created_at
    return row


def get_subscription(session: Session, subscription_id: int) -> WebhookSubscription | None:
    """The subscription (active or not), or None."""
    return session.get(WebhookSubscription, subscription_id)


def subscriptions_stmt(*, active: bool | None = None) -> Select:
    """Subscriptions, newest first, optionally only active (True) or removed (False) ones."""
    stmt = select(WebhookSubscription).order_by(WebhookSubscription.id.desc())
    if active is not None:
        stmt = stmt.where(WebhookSubscription.active.is_(active))
    return stmt


def deactivate(session: Session, *, subscription_id: int) -> None:
    """Stop new deliveries to a subscription (pending ones fail at their next attempt)."""
    session.execute(
        update(WebhookSubscription).where(WebhookSubscription.id == subscription_id).values(active=False)
    )


def record_event(session: Session, *, event_type: str, event_key: str, payload: dict[str, Any]) -> int:
    """One pending delivery of ``event_type`` per active subscription that wants it; an event
    key recorded before adds nothing (unique per subscription). Returns the deliveries added."""
    subscribers = session.scalars(
        select(WebhookSubscription.id).where(
            WebhookSubscription.active.is_(True),
            WebhookSubscription.event_types.contains([event_type]),
        )
    ).all()
    added = 0
    for subscription_id in subscribers:
        result = session.execute(
            insert(WebhookDelivery)
            .values(
                subscription_id=subscription_id,
                event_type=event_type,
                event_key=event_key,
                payload=payload,
                status="pending",
            )
            .on_conflict_do_nothing(constraint="uq_webhook_deliveries_event")
            .returning(WebhookDelivery.id)
        )
        added += result.scalar_one_or_none() is not None
    return added


def pending(session: Session, *, limit: int) -> list[WebhookDelivery]:
    """Pending deliveries, oldest first."""
    return list(
        session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.status == "pending")
            .order_by(WebhookDelivery.id)
            .limit(limit)
        )
    )


def delivery_for_attempt(session: Session, delivery_id: int) -> WebhookDelivery | None:
    """The delivery, row-locked for the attempt that records on it."""
    return session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update()
    ).first()


def attempt_of(session: Session, *, delivery_id: int, attempt_no: int) -> WebhookAttempt | None:
    """The recorded attempt ``attempt_no`` of a delivery, if it was made."""
    return session.scalars(
        select(WebhookAttempt).where(
            WebhookAttempt.delivery_id == delivery_id, WebhookAttempt.attempt_no == attempt_no
        )
    ).first()


def record_attempt(
    session: Session,
    *,
    delivery: WebhookDelivery,
    attempt_no: int,
    at: datetime,
    status_code: int | None,
    error: str | None,
    duration_ms: int,
    outcome: str,
) -> None:
    """Store attempt ``attempt_no`` and move the delivery to ``outcome`` (``pending`` while it is
    retried, ``delivered`` or ``failed``)."""
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            attempt_no=attempt_no,
            attempted_at=at,
            status_code=status_code,
            error=error,
            duration_ms=duration_ms,
        )
    )
    delivery.attempt_count = max(delivery.attempt_count, attempt_no)
    delivery.status = outcome
    if outcome != "pending":
        delivery.finished_at = at
    session.flush()


def fail(session: Session, *, delivery: WebhookDelivery, at: datetime) -> None:
    """End a delivery as failed without an attempt (its subscription was removed)."""
    delivery.status = "failed"
    delivery.finished_at = at


def deliveries_stmt(*, subscription_id: int, status: str | None = None) -> Select:
    """A subscription's deliveries with their attempts, newest first."""
    stmt = (
        select(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == subscription_id)
        .options(selectinload(WebhookDelivery.attempts))
        .order_by(WebhookDelivery.id.desc())
    )
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    return stmt


def get_delivery(session: Session, delivery_id: int) -> WebhookDelivery | None:
    """One delivery with its attempts, or None."""
    return session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .options(selectinload(WebhookDelivery.attempts))
    ).first()
