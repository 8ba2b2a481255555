"""Outgoing webhook subscriptions, deliveries and attempts (seed 001 3.2, 7.2)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.schemas.common import RequestBody
from domain.webhooks import EVENT_TYPES

EventType = Annotated[
    str, Field(min_length=1, max_length=60, json_schema_extra={"enum": sorted(EVENT_TYPES)})
]


class SubscriptionIn(RequestBody):
    """Register an endpoint: an ``http(s)://`` URL and the event types to receive."""

    url: str = Field(min_length=10, max_length=500, pattern=r"^https?://[^\s/?#]+[^\s]*$")
    event_types: list[EventType] = Field(min_length=1, max_length=len(EVENT_TYPES))
    description: str | None = Field(default=None, max_length=200)

    @field_validator("event_types")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(EVENT_TYPES))
        if unknown:
            raise ValueError(f"unknown event types {unknown}; known: {sorted(EVENT_TYPES)}")
        return sorted(set(value))


class SubscriptionOut(BaseModel):
    """A subscription (without its secret)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    event_types: list[str]
    description: str | None
    active: bool
    created_by: str
    created_at: datetime


class SubscriptionCreated(SubscriptionOut):
    """The new subscription with its signing secret: shown this once, keep it to verify
    ``X-Fieldops-Signature`` (``t=…,v1=HMAC-SHA256(secret, "{t}.{body}")``)."""

    signing_secret: str


class AttemptOut(BaseModel):
    """One HTTP try: when, the answer's status (None: no answer), the error, the time taken."""

    model_config = ConfigDict(from_attributes=True)

    attempt_no: int
    attempted_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryOut(BaseModel):
    """One event sent to one subscription, with every attempt."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    subscription_id: int
    event_type: str
    event_key: str
    status: Literal["pending", "delivered", "failed"]
    attempt_count: int
    created_at: datetime
    finished_at: datetime | None
    payload: dict[str, Any]
    attempts: list[AttemptOut]
