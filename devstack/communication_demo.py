"""Communication preferences for the demo day (issue 9 "Done when"): one customer in quiet
hours, one on a daily digest, one opted out of SMS. For the demo to call once its customers
exist (the lead wires it into devstack/demo_day.py); it goes through the HTTP API like staff.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def quiet_now_window(now: datetime, time_zone: str) -> dict[str, object]:
    """A daily contact window that opens an hour after ``now`` (local) and lasts an hour, so a
    message sent now waits in its workflow (the customer is in his quiet hours)."""
    start = (now.astimezone(ZoneInfo(time_zone)) + timedelta(hours=1)).replace(
        minute=0, second=0, microsecond=0
    )
    end = start + timedelta(hours=1)
    end_text = "23:59" if end.date() != start.date() else end.strftime("%H:%M")
    return {"days": ALL_DAYS, "start": start.strftime("%H:%M"), "end": end_text}


async def set_demo_preferences(
    http: httpx.AsyncClient,
    headers: dict[str, str],
    *,
    quiet: int,
    digest: int,
    no_sms: int,
    now: datetime,
    time_zone: str = "America/Chicago",
) -> dict[int, str]:
    """Give three demo customers their preferences through the API; returns what each shows.

    ``quiet``: a contact window that opens only later (his approval link waits, durably, in its
    workflow); ``digest``: status updates held for one daily digest, in Spanish; ``no_sms``: his
    SMS consent withdrawn as by a STOP reply is not settable by staff, so he prefers email and
    opts out of status updates (the outbox shows them ``suppressed``). Raises for a non-200.
    """
    bodies = {
        quiet: {"contact_windows": [quiet_now_window(now, time_zone)]},
        digest: {"frequency": "daily_digest", "language": "es"},
        no_sms: {"channel": "email", "opted_out": ["status_updates"]},
    }
    for customer_id, body in bodies.items():
        r = await http.put(
            f"/api/v1/customers/{customer_id}/communication-preferences", json=body, headers=headers
        )
        r.raise_for_status()
    return {quiet: "quiet hours", digest: "daily digest (es)", no_sms: "email only, no status updates"}
