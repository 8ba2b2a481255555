"""Response bodies of ``/api/v1/messages`` (the outbox of SMS and email sent to customers)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

Channel = Literal["sms", "email"]


class MessageOut(BaseModel):
    """One outbound message; ``status`` is claimed, sent or failed."""

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
