"""Dunning cadence (domain/dunning.py), with a property: no reminder for a zero balance, ever."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.dunning import (
    DunningChannel,
    DunningError,
    cadence,
    decide,
    first_step_after,
    first_step_on_or_after,
    first_step_on_or_after_moment,
    scaled_cadence,
)

DUE = date(2026, 12, 25)


def at(day: date, hour: int = 15) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def test_default_cadence_escalates_from_email_to_credit_hold():
    steps = cadence(DUE)
    assert [(s.offset_days, s.channel) for s in steps] == [
        (-3, DunningChannel.EMAIL),
        (0, DunningChannel.EMAIL),
        (3, DunningChannel.SMS),
        (7, DunningChannel.SMS),
        (14, DunningChannel.OFFICE_TASK),
        (30, DunningChannel.CREDIT_HOLD),
    ]
    assert steps[0].at == at(date(2026, 12, 22))
    assert steps[-1].at == at(date(2027, 1, 24))


@pytest.mark.parametrize(("offsets", "channels"), [([], []), ([0, 3], ["email"]), ([3, 3], ["email", "sms"])])
def test_impossible_cadences_are_refused(offsets, channels):
    with pytest.raises(DunningError):
        cadence(DUE, offsets, channels)


def test_steps_before_the_issue_date_are_not_sent():
    steps = cadence(DUE)
    assert first_step_on_or_after(steps, DUE - timedelta(days=5)) == 0
    assert first_step_on_or_after(steps, DUE) == 1  # PREPAID: issued on its due date
    assert first_step_after(steps, at(DUE)) == 2


def test_nothing_is_due_before_the_first_step():
    steps = cadence(DUE)
    decision = decide(steps, 0, at(DUE - timedelta(days=10)), balance=Decimal("10"), disputed=False)
    assert decision.step is None and decision.wake_at == steps[0].at


def test_only_the_latest_due_step_is_taken():
    steps = cadence(DUE)
    decision = decide(steps, 0, at(DUE + timedelta(days=8)), balance=Decimal("10"), disputed=False)
    assert decision.step == steps[3] and decision.skipped == (0, 1, 2)
    assert decision.next_index == 4 and decision.wake_at == steps[4].at


def test_nothing_while_disputed_or_for_a_zero_balance():
    steps = cadence(DUE)
    late = at(DUE + timedelta(days=40))
    assert decide(steps, 0, late, balance=Decimal("10"), disputed=True).step is None
    paid = decide(steps, 0, late, balance=Decimal("0"), disputed=False)
    assert paid.step is None and paid.next_index == len(steps) and paid.wake_at is None
    assert decide(steps, 0, late, balance=Decimal("-5"), disputed=False).step is None


@settings(max_examples=300, deadline=None)
@given(
    events=st.lists(
        st.tuples(st.integers(min_value=0, max_value=5), st.integers(min_value=0, max_value=20_000)),
        max_size=25,
    ),
    total_cents=st.integers(min_value=1, max_value=500_000),
    disputes=st.sets(st.integers(min_value=0, max_value=60)),
)
def test_no_reminder_is_ever_taken_for_a_zero_balance(events, total_cents, disputes):
    """Any days between events, any payments (with credit), any disputed days: every step taken
    is taken with a positive balance, and once paid no further step is taken."""
    steps = cadence(DUE)
    balance = Decimal(total_cents) / 100
    now = at(DUE - timedelta(days=5))
    next_index, taken = 0, []
    for days, paid_cents in events:
        now += timedelta(days=days)
        balance -= Decimal(paid_cents) / 100
        decision = decide(
            steps, next_index, now, balance=balance, disputed=(now.date() - DUE).days in disputes
        )
        next_index = decision.next_index
        if decision.step is not None:
            taken.append((decision.step.index, balance))
        assert decision.step is None or balance > 0
        if balance <= 0:
            assert next_index == len(steps)
    assert all(b > 0 for _, b in taken)
    assert [i for i, _ in taken] == sorted({i for i, _ in taken})  # never a step twice


def test_the_demo_clock_compresses_days_into_seconds():
    start = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
    steps = scaled_cadence(start=start, issue_date=DUE - timedelta(days=30), due=DUE, day_seconds=3)
    assert [(s.at - start).total_seconds() for s in steps] == [81, 90, 99, 111, 132, 180]
    prepaid = scaled_cadence(start=start, issue_date=DUE, due=DUE, day_seconds=3)
    assert first_step_on_or_after_moment(prepaid, start) == 1  # "3 days before" is before the issue
    with pytest.raises(DunningError):
        scaled_cadence(start=start, issue_date=DUE, due=DUE, day_seconds=0)
