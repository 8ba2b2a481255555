"""Shift math: a technician's working hours on a given day, as aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class WorkingHoursError(ValueError):
    """Raised for malformed ``working_hours`` (bad day key, bad HH:MM, end before start)."""


def validate_working_hours(working_hours: dict[str, object]) -> dict[str, list[str]]:
    """Check ``{"mon": ["08:00", "17:00"], ...}`` and return it; raises WorkingHoursError."""
    clean: dict[str, list[str]] = {}
    for day, span in working_hours.items():
        if day not in WEEKDAYS:
            raise WorkingHoursError(f"unknown day {day!r}; use one of {', '.join(WEEKDAYS)}")
        if not isinstance(span, list | tuple) or len(span) != 2:
            raise WorkingHoursError(f"{day}: expected [start, end] like ['08:00', '17:00']")
        try:
            start, end = time.fromisoformat(span[0]), time.fromisoformat(span[1])
        except (TypeError, ValueError) as err:
            raise WorkingHoursError(f"{day}: times must be HH:MM") from err
        if end <= start:
            raise WorkingHoursError(f"{day}: shift ends before it starts")
        clean[day] = [start.strftime("%H:%M"), end.strftime("%H:%M")]
    return clean


def shift_for(
    working_hours: dict[str, list[str]], day: date, tz_name: str
) -> tuple[datetime, datetime] | None:
    """The shift on ``day`` in local zone ``tz_name`` as aware UTC (start, end), or None if off."""
    span = working_hours.get(WEEKDAYS[day.weekday()])
    if not span:
        return None
    tz = ZoneInfo(tz_name)
    start = datetime.combine(day, time.fromisoformat(span[0]), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day, time.fromisoformat(span[1]), tzinfo=tz).astimezone(UTC)
    return start, end


def local_time_text(moment: datetime, tz_name: str) -> str:
    """A customer-facing time in the company's zone, e.g. ``Nov 21, 2026 at 10:04 PM CST``."""
    return moment.astimezone(ZoneInfo(tz_name)).strftime("%b %d, %Y at %I:%M %p %Z")


def local_today(now: datetime, tz_name: str) -> date:
    """The calendar date at ``now`` (aware) in zone ``tz_name``."""
    return now.astimezone(ZoneInfo(tz_name)).date()
