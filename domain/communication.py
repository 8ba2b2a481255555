"""Customer communication rules (seed 004 Phase 1 "communication preferences", Phase 2 messaging;
seed 001 Sprint 3): which message belongs to which category, what a customer's preferences are,
and when a message may go out. Pure: no clock, no I/O.

Categories and what a customer may do with them:

==============  ==========================================================  ==========  =======
category        events                                                      opt out     digest
==============  ==========================================================  ==========  =======
approvals       approval_request, approval_reminder                         no          no
status_updates  repair_requested, approved, assigned, on_the_way,           yes         yes
                completed, lot_walk_scheduled
billing         invoice, dunning_1, dunning_2, dunning_3                    no          no
surveys         survey                                                      yes         no
account         portal_login (the magic link the customer just asked for)   no          no
==============  ==========================================================  ==========  =======

Approvals, billing and account messages are transactional (the customer must act on them), so they cannot be opted
out of and are never held for a digest; every category waits for the customer's contact windows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Category(StrEnum):
    """What a message is about; opt-outs and digests are per category."""

    APPROVALS = "approvals"
    STATUS_UPDATES = "status_updates"
    BILLING = "billing"
    SURVEYS = "surveys"
    ACCOUNT = "account"


#: Categories a customer may opt out of (the others carry something he must act on).
OPTIONAL_CATEGORIES = frozenset({Category.STATUS_UPDATES, Category.SURVEYS})
#: Categories a daily digest may hold.
DIGEST_CATEGORIES = frozenset({Category.STATUS_UPDATES})

#: Every templated event and its category (templates: activities/message_templates/{lang}/{event}.*).
EVENTS: dict[str, Category] = {
    "repair_requested": Category.STATUS_UPDATES,
    "approval_request": Category.APPROVALS,
    "approval_reminder": Category.APPROVALS,
    "approved": Category.STATUS_UPDATES,
    "assigned": Category.STATUS_UPDATES,
    "on_the_way": Category.STATUS_UPDATES,
    "completed": Category.STATUS_UPDATES,
    "lot_walk_scheduled": Category.STATUS_UPDATES,
    "invoice": Category.BILLING,
    "dunning_1": Category.BILLING,
    "dunning_2": Category.BILLING,
    "dunning_3": Category.BILLING,
    "survey": Category.SURVEYS,
    "portal_login": Category.ACCOUNT,
}
#: The digest itself (one message a day listing the held status updates).
DIGEST_EVENT = "daily_digest"

LANGUAGES = ("en", "es")
CHANNELS = ("sms", "email")
FREQUENCIES = ("immediate", "daily_digest")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class ContactWindow:
    """Local times a customer may be contacted on ``days`` (``WEEKDAYS`` names):
    ``start`` inclusive, ``end`` exclusive, ``start < end`` (no window spans midnight)."""

    days: frozenset[str]
    start: time
    end: time

    def __post_init__(self) -> None:
        if not self.days or not self.days <= set(WEEKDAYS):
            raise ValueError(f"days must be a non-empty subset of {', '.join(WEEKDAYS)}")
        if self.start >= self.end:
            raise ValueError("a contact window's start must be before its end")


@dataclass(frozen=True, slots=True)
class ContactPreferences:
    """A customer's communication preferences (defaults: any time, immediately, English, every
    category, SMS consent given). ``time_zone`` is an IANA name; ``digest_time`` local."""

    channel: str = "sms"
    language: str = "en"
    time_zone: str = "America/Chicago"
    windows: tuple[ContactWindow, ...] = ()
    frequency: str = "immediate"
    digest_time: time = time(18, 0)
    opted_out: frozenset[str] = field(default_factory=frozenset)
    sms_consent: bool = True


def category_of(event: str) -> Category:
    """The category of ``event``; KeyError for an unknown event."""
    return EVENTS[event]


def opted_out(prefs: ContactPreferences, event: str) -> bool:
    """True when the customer opted out of ``event``'s category (only optional categories count)."""
    category = category_of(event)
    return category in OPTIONAL_CATEGORIES and category.value in prefs.opted_out


def held_for_digest(prefs: ContactPreferences, event: str) -> bool:
    """True when ``event`` waits for the customer's daily digest instead of going out now."""
    return prefs.frequency == "daily_digest" and category_of(event) in DIGEST_CATEGORIES


def choose_channel(prefs: ContactPreferences, *, phone: str | None, email: str | None) -> str | None:
    """The channel to use: the preferred one when its address exists (SMS also needs consent),
    else the other one when possible; None when the customer cannot be reached at all."""
    sms_ok = bool(phone) and prefs.sms_consent
    email_ok = bool(email)
    order = ("sms", "email") if prefs.channel == "sms" else ("email", "sms")
    for channel in order:
        if (channel == "sms" and sms_ok) or (channel == "email" and email_ok):
            return channel
    return None


def _window_bounds(day: date, window: ContactWindow, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The window on local ``day`` as UTC instants (a start in a DST gap maps forward)."""
    start = datetime.combine(day, window.start, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day, window.end, tzinfo=zone).astimezone(UTC)
    return start, end


def next_allowed_instant(prefs: ContactPreferences, now: datetime) -> datetime:
    """The first instant at or after ``now`` (aware) inside one of the customer's contact windows,
    in UTC; ``now`` itself when there are no windows (any time) or ``now`` is inside one.

    Quiet hours are the complement of the windows. Windows are read in ``prefs.time_zone``, day by
    day from the local date of ``now``; a week always contains a window, so the answer is at most
    7 days ahead. Raises ValueError for a naive ``now``.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    if not prefs.windows:
        return now
    zone = ZoneInfo(prefs.time_zone)
    today = now.astimezone(zone).date()
    best: datetime | None = None
    for offset in range(8):
        day = today + timedelta(days=offset)
        for window in prefs.windows:
            if WEEKDAYS[day.weekday()] not in window.days:
                continue
            start, end = _window_bounds(day, window, zone)
            if start <= now < end:
                return now
            if now < start and (best is None or start < best):
                best = start
        if best is not None:  # any window of a later day starts later
            return best
    assert best is not None  # a non-empty day set recurs within a week
    return best


def digest_due(prefs: ContactPreferences, now: datetime) -> date | None:
    """The customer's local date whose digest is due at ``now``: today once ``digest_time`` has
    passed locally and ``now`` is inside a contact window (``next_allowed_instant(now) == now``);
    None otherwise."""
    local = now.astimezone(ZoneInfo(prefs.time_zone))
    if local.time() < prefs.digest_time:
        return None
    if next_allowed_instant(prefs, now) != now.astimezone(UTC):
        return None
    return local.date()


def windows_from_json(items: Iterable[dict[str, object]]) -> tuple[ContactWindow, ...]:
    """Windows from their stored form ``[{"days": [...], "start": "HH:MM", "end": "HH:MM"}]``;
    ValueError for a malformed one."""
    out = []
    for item in items:
        days = item.get("days")
        if not isinstance(days, list):
            raise ValueError("a contact window needs a list of days")
        out.append(
            ContactWindow(
                days=frozenset(str(d) for d in days),
                start=time.fromisoformat(str(item["start"])),
                end=time.fromisoformat(str(item["end"])),
            )
        )
    return tuple(out)


def windows_to_json(windows: Iterable[ContactWindow]) -> list[dict[str, object]]:
    """The stored form of ``windows`` (days in week order, times ``HH:MM``)."""
    return [
        {
            "days": [d for d in WEEKDAYS if d in w.days],
            "start": w.start.strftime("%H:%M"),
            "end": w.end.strftime("%H:%M"),
        }
        for w in windows
    ]
