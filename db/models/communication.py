"""``communication_preferences`` (seed 004 Phase 1: preferred channel, contact times, frequency,
language; plus opt-outs and SMS consent) and ``message_events`` (delivery status from providers)."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Time, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class CommunicationPreferences(Base):
    """One customer's preferences; a customer without a row has the defaults of
    ``domain.communication.ContactPreferences``. The preferred channel itself stays in
    ``customers.preferred_contact_method``.

    ``contact_windows``: ``[{"days": ["mon", …], "start": "HH:MM", "end": "HH:MM"}]`` in
    ``time_zone`` (None: the company's zone), empty = any time; ``opted_out``: category names;
    ``sms_consent`` False after an SMS STOP (until START).
    """

    __tablename__ = "communication_preferences"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(5), default="en", server_default="en")
    time_zone: Mapped[str | None] = mapped_column(String(64))
    contact_windows: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    frequency: Mapped[str] = mapped_column(String(20), default="immediate", server_default="immediate")
    digest_time: Mapped[time] = mapped_column(Time, default=time(18, 0), server_default="18:00")
    opted_out: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    sms_consent: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    sms_consent_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class MessageEvent(Base):
    """One delivery event a provider reported for a message (Twilio status callback, SendGrid
    event), stored once per ``event_key`` (SendGrid's ``sg_event_id``; Twilio: sid + status)."""

    __tablename__ = "message_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_key: Mapped[str] = mapped_column(String(200), unique=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    provider_message_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(String(500))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
