"""Response bodies of ``/api/v1/messages`` (the outbox of SMS and email sent to customers)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

Channel = Literal["sms", "email"]


class MessageOut(BaseModel):
    """One outbound message; ``status`` is claimed, sent or failed, refused (no SMS consent, a
    send cap) or suppressed (opted out), held (for the daily digest) or digested, and after
    sending the provider's delivery status; ``status_reason`` says why a message was not sent."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    idempotency_key: str
    work_order_id: str | None
    customer_id: int | None
    channel: str
    provider: str
    purpose: str
    to_address: str
    subject: str | None
    body: str
    status: str
    created_at: datetime
    sent_at: datetime | None
    category: str | None = None
    status_reason: str | None = None
    status_updated_at: datetime | None = None
