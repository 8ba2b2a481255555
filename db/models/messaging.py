"""``messages`` (the outbox) and ``audit_log``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class Message(Base):
    """One outbound SMS or email, claimed under ``idempotency_key`` before the provider is called.

    ``status``: claimed → sent | failed. A row left ``claimed`` by a crash is reconciled, never
    blindly resent (Twilio and SendGrid have no idempotency keys). ``refused`` (no SMS consent, a
    send cap: ``status_reason`` says which; may be claimed again later), ``suppressed`` (the
    customer opted out of the category), ``held`` (waits for the customer's daily digest; then
    ``digested`` with ``digest_message_id``). After ``sent`` the provider's delivery events move
    it on (queued, delivered, undelivered, bounced, …; ``status_updated_at``).
    """

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    work_order_id: Mapped[str | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    provider: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(40))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="claimed")
    provider_message_id: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    category: Mapped[str | None] = mapped_column(String(20))
    status_reason: Mapped[str | None] = mapped_column(String(500))
    status_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    digest_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))


class AuditLog(Base):
    """Who did what to which record, and why (seed 001 Phase 5.2)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(60), index=True)
    details: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
