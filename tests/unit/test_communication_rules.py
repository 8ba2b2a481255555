"""domain/communication.py: contact windows (quiet hours), digest timing, channel, opt-outs."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from domain.communication import (
    ContactPreferences,
    ContactWindow,
    choose_channel,
    digest_due,
    held_for_digest,
    next_allowed_instant,
    opted_out,
    windows_from_json,
    windows_to_json,
)

ALL_DAYS = frozenset({"mon", "tue", "wed", "thu", "fri", "sat", "sun"})
WEEKDAYS = frozenset({"mon", "tue", "wed", "thu", "fri"})
CHICAGO = "America/Chicago"


def prefs(*windows: ContactWindow, **kw) -> ContactPreferences:
    return ContactPreferences(time_zone=kw.pop("time_zone", CHICAGO), windows=windows, **kw)


def chicago(y, m, d, hh, mm=0) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(y, m, d, hh, mm, tzinfo=ZoneInfo(CHICAGO))


DAYTIME = ContactWindow(ALL_DAYS, time(8, 0), time(20, 0))  # quiet hours 20:00-08:00


def test_no_windows_means_any_time():
    now = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
    assert next_allowed_instant(prefs(), now) == now


def test_inside_a_window_is_now():
    now = chicago(2026, 11, 25, 12)
    assert next_allowed_instant(prefs(DAYTIME), now) == now.astimezone(UTC)


def test_quiet_hours_in_the_evening_wait_until_the_next_morning():
    assert next_allowed_instant(prefs(DAYTIME), chicago(2026, 11, 25, 22, 30)) == chicago(2026, 11, 26, 8)


def test_quiet_hours_after_midnight_wait_until_the_same_morning():
    assert next_allowed_instant(prefs(DAYTIME), chicago(2026, 11, 26, 3)) == chicago(2026, 11, 26, 8)


def test_window_end_is_exclusive():
    assert next_allowed_instant(prefs(DAYTIME), chicago(2026, 11, 25, 20)) == chicago(2026, 11, 26, 8)
    start = chicago(2026, 11, 25, 8)
    assert next_allowed_instant(prefs(DAYTIME), start) == start.astimezone(UTC)


def test_weekdays_only_skips_the_weekend():
    friday_evening = chicago(2026, 11, 27, 18)  # Fri 27 Nov 2026
    weekdays = ContactWindow(WEEKDAYS, time(9, 0), time(17, 0))
    assert next_allowed_instant(prefs(weekdays), friday_evening) == chicago(2026, 11, 30, 9)  # Monday


def test_the_earliest_of_several_windows_wins():
    morning = ContactWindow(WEEKDAYS, time(8, 0), time(10, 0))
    weekend = ContactWindow(frozenset({"sat", "sun"}), time(11, 0), time(13, 0))
    evening = ContactWindow(WEEKDAYS, time(18, 0), time(19, 0))
    p = prefs(evening, weekend, morning)
    assert next_allowed_instant(p, chicago(2026, 11, 25, 12)) == chicago(2026, 11, 25, 18)
    assert next_allowed_instant(p, chicago(2026, 11, 27, 20)) == chicago(2026, 11, 28, 11)


def test_windows_are_read_in_the_customers_zone():
    p = prefs(DAYTIME, time_zone="America/New_York")
    # 07:30 in Chicago is 08:30 in New York: allowed for a New York customer
    now = chicago(2026, 11, 25, 7, 30)
    assert next_allowed_instant(p, now) == now.astimezone(UTC)


def test_daylight_saving_change_is_respected():
    # 2026-03-08: clocks in Chicago jump from 02:00 to 03:00; 08:00 CDT is 13:00 UTC
    assert next_allowed_instant(prefs(DAYTIME), chicago(2026, 3, 7, 23)) == datetime(
        2026, 3, 8, 13, 0, tzinfo=UTC
    )


def test_answer_is_never_before_now_and_at_most_a_week_ahead():
    once_a_week = ContactWindow(frozenset({"wed"}), time(10, 0), time(10, 30))
    start = chicago(2026, 11, 25, 10, 30)  # just closed
    for minutes in range(0, 7 * 24 * 60, 97):
        now = start + timedelta(minutes=minutes)
        at = next_allowed_instant(prefs(once_a_week), now)
        assert now <= at <= now + timedelta(days=7)
        assert next_allowed_instant(prefs(once_a_week), at) == at


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        next_allowed_instant(prefs(DAYTIME), datetime(2026, 11, 25, 12))


def test_bad_windows_are_refused():
    with pytest.raises(ValueError):
        ContactWindow(frozenset(), time(8), time(9))
    with pytest.raises(ValueError):
        ContactWindow(frozenset({"mon"}), time(9), time(8))
    with pytest.raises(ValueError):
        ContactWindow(frozenset({"someday"}), time(8), time(9))


def test_windows_round_trip_through_json():
    windows = (DAYTIME, ContactWindow(frozenset({"sat"}), time(10, 15), time(12, 0)))
    stored = windows_to_json(windows)
    assert stored[1] == {"days": ["sat"], "start": "10:15", "end": "12:00"}
    assert windows_from_json(stored) == windows


def test_digest_is_due_after_the_digest_time_inside_a_window():
    p = prefs(DAYTIME, frequency="daily_digest", digest_time=time(18, 0))
    assert digest_due(p, chicago(2026, 11, 25, 17, 59)) is None
    assert digest_due(p, chicago(2026, 11, 25, 18, 0)).isoformat() == "2026-11-25"
    assert digest_due(p, chicago(2026, 11, 25, 21, 0)) is None  # quiet hours: tomorrow's run takes it


def test_digest_holds_status_updates_only():
    p = prefs(frequency="daily_digest")
    assert held_for_digest(p, "assigned") and held_for_digest(p, "completed")
    assert not held_for_digest(p, "approval_request") and not held_for_digest(p, "dunning_2")
    assert not held_for_digest(prefs(), "assigned")


def test_opt_out_only_of_optional_categories():
    p = prefs(opted_out=frozenset({"status_updates", "approvals"}))
    assert opted_out(p, "on_the_way")
    assert not opted_out(p, "approval_request")  # transactional: cannot be opted out of
    assert not opted_out(p, "survey")


@pytest.mark.parametrize(
    ("preferred", "consent", "phone", "email", "expected"),
    [
        ("sms", True, "+1512", "a@b.c", "sms"),
        ("sms", False, "+1512", "a@b.c", "email"),  # STOP: email instead
        ("sms", False, "+1512", None, None),  # STOP and no email: unreachable
        ("email", True, "+1512", None, "sms"),
        ("email", True, "+1512", "a@b.c", "email"),
        ("sms", True, None, None, None),
    ],
)
def test_channel_choice(preferred, consent, phone, email, expected):
    p = ContactPreferences(channel=preferred, sms_consent=consent)
    assert choose_channel(p, phone=phone, email=email) == expected
