"""The demo's quiet-hours window really puts the customer in quiet hours now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from devstack.communication_demo import quiet_now_window
from domain.communication import ContactPreferences, next_allowed_instant, windows_from_json


@pytest.mark.parametrize("hour", [0, 9, 13, 22, 23])
def test_the_window_opens_later_the_same_or_next_day(hour):
    now = datetime(2026, 11, 25, hour, 30, tzinfo=UTC)
    window = quiet_now_window(now, "America/Chicago")
    prefs = ContactPreferences(windows=windows_from_json([window]), time_zone="America/Chicago")
    allowed = next_allowed_instant(prefs, now)
    assert now + timedelta(minutes=29) <= allowed <= now + timedelta(hours=1)
