"""Outgoing webhooks (seed 001 3.2 and 7.2): ``webhook_subscriptions``, ``webhook_deliveries``
and ``webhook_attempts``.

A subscriber registers a URL and the event types it wants; every event of those types becomes
one delivery per subscription (unique on subscription and event key, so an event recorded twice
is delivered once); every HTTP try of a delivery is one attempt row, kept for the API.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base


class WebhookSubscription(Base):
    """A subscriber's endpoint: ``url`` (http or https), the ``event_types`` it receives
    (``domain.webhooks.EVENT_TYPES``) and its signing secret (shown once, at registration;
    kept in clear because each delivery is signed with it). ``active`` False: no new deliveries."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    event_types: Mapped[list] = mapped_column(JSONB)
    description: Mapped[str | None] = mapped_column(String(200))
    signing_secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class WebhookDelivery(Base):
    """One event for one subscription. ``status``: ``pending`` (not delivered yet; retried by its
    ``webhook-delivery-{id}`` workflow), ``delivered`` (a 2xx answer) or ``failed`` (every
    attempt failed, or the subscription was removed). ``payload`` is the JSON body sent."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "event_key", name="uq_webhook_deliveries_event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), index=True
    )
    event_type: Mapped[str] = mapped_column(String(60))
    event_key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(20), default="pending", server_default="pending", index=True)
    attempt_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    attempts: Mapped[list[WebhookAttempt]] = relationship(
        back_populates="delivery", order_by="WebhookAttempt.attempt_no", cascade="all, delete-orphan"
    )


class WebhookAttempt(Base):
    """One HTTP try of a delivery: when, the answer's status code (None when no answer came),
    the error, and how long it took. Unique per (delivery, attempt number): a retried activity
    records its attempt once."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (UniqueConstraint("delivery_id", "attempt_no", name="uq_webhook_attempts_try"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempt_no: Mapped[int] = mapped_column(Integer)
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer)

    delivery: Mapped[WebhookDelivery] = relationship(back_populates="attempts")
