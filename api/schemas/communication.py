"""Bodies of ``/api/v1/customers/{id}/communication-preferences`` (seed 004 Phase 1)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Literal
from zoneinfo import available_timezones

from pydantic import BaseModel, Field, field_validator, model_validator

from api.schemas.common import LocalTime, RequestBody

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
#: The categories a customer may opt out of (approvals and billing are transactional).
OptionalCategory = Literal["status_updates", "surveys"]
_ZONES = frozenset(available_timezones())


class ContactWindowIn(RequestBody):
    """Local times the customer may be contacted on ``days``: ``start`` inclusive, ``end``
    exclusive, ``start`` before ``end`` (outside every window are the quiet hours)."""

    days: list[Weekday] = Field(min_length=1, max_length=7, examples=[["mon", "tue", "wed", "thu", "fri"]])
    start: LocalTime
    end: LocalTime

    @model_validator(mode="after")
    def _ordered(self) -> ContactWindowIn:
        if self.start >= self.end:
            raise ValueError("start must be before end (a window cannot span midnight; use two)")
        if len(set(self.days)) != len(self.days):
            raise ValueError("days must not repeat")
        return self


class CommunicationPreferencesIn(RequestBody):
    """The customer's preferences, replaced whole. ``time_zone`` null: the company's zone;
    ``contact_windows`` empty: any time. SMS consent is not set here: only the customer's own
    STOP/START by SMS changes it."""

    channel: Literal["sms", "email"] = "sms"
    language: Literal["en", "es"] = "en"
    time_zone: str | None = Field(default=None, max_length=64, examples=["America/Chicago"])
    contact_windows: list[ContactWindowIn] = Field(default_factory=list, max_length=14)
    frequency: Literal["immediate", "daily_digest"] = "immediate"
    digest_time: LocalTime = Field(default=time(18, 0), description="local time the daily digest goes out")
    opted_out: list[OptionalCategory] = Field(default_factory=list, max_length=2)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and value not in _ZONES:
            raise ValueError("time_zone must be an IANA zone name such as America/Chicago")
        return value


class ContactWindowOut(BaseModel):
    """A contact window: weekdays and local ``HH:MM`` times."""

    days: list[str]
    start: str
    end: str


class CommunicationPreferencesOut(BaseModel):
    """The customer's preferences as they apply now (defaults included), with SMS consent."""

    customer_id: int
    channel: str
    language: str
    time_zone: str
    time_zone_is_default: bool
    contact_windows: list[ContactWindowOut]
    frequency: str
    digest_time: str
    opted_out: list[str]
    sms_consent: bool
    sms_consent_changed_at: datetime | None
