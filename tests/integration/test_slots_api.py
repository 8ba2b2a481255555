"""Self-service slots through the API: windows with room are offered, full ones are not."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.integration
TZ = ZoneInfo("America/Chicago")


async def test_slots_follow_skills_and_the_days_asked(stack):
    params = {"job_type": "camera_inspection", "lat": 30.2747, "lon": -97.7404, "days": 3}
    r = await stack.http.get("/api/v1/slots", params=params, headers=stack.office)
    assert r.status_code == 200, r.text
    slots = r.json()
    today = datetime.now(UTC).astimezone(TZ).date()
    days = {date.fromisoformat(s["date"]) for s in slots}
    assert days <= {today + timedelta(days=i) for i in range(3)}
    # the demo technicians with "camera" (T-004, T-008) work Monday to Friday: a weekday among
    # the three days offers windows, and every offer lies within its window and in the future
    if any((today + timedelta(days=i)).weekday() < 5 for i in range(3)):
        assert slots
    for s in slots:
        start, end = datetime.fromisoformat(s["window_start"]), datetime.fromisoformat(s["window_end"])
        planned = datetime.fromisoformat(s["planned_start"])
        assert start <= planned <= end and planned >= datetime.now(UTC) - timedelta(minutes=1)
        assert s["window"] in {"morning", "afternoon"} and 1 <= s["technicians"] <= 2
        assert date.fromisoformat(s["date"]).weekday() < 5

    bad = await stack.http.get("/api/v1/slots", params={**params, "job_type": "nope"}, headers=stack.office)
    assert bad.status_code == 422 and "job type" in bad.json()["detail"]
    too_many = await stack.http.get("/api/v1/slots", params={**params, "days": 99}, headers=stack.office)
    assert too_many.status_code == 422
