"""Dunning cadence: when to remind about an unpaid invoice, on which channel, and when to stop.

Rules (seed 003 Priority 3 "payment workflows / dunning"; issue 8 "Dunning and payments"), in order:
1. Steps are relative to the due date: by default 3 days before, on the day, +3, +7, +14 and +30
   days (``Settings.dunning_offsets_days``), each at ``SEND_HOUR_UTC`` on its day.
2. Channels escalate with the steps (``Settings.dunning_channels``): by default email, email, SMS,
   SMS, an office task, and last the credit hold (customer on hold, so nothing is auto-approved,
   and the office alerted).
3. Steps dated before the issue date are never sent (a PREPAID invoice is due the day it is issued:
   its "3 days before" reminder is skipped).
4. When several steps are due at once (the worker was down, a dispute was resolved, a payment plan
   moved the dates), only the latest due step is taken; the earlier ones are skipped, so a
   customer never gets a burst of reminders.
5. Nothing is sent while the invoice is disputed, and nothing ever for a zero (or credit) balance:
   a zero balance ends the dunning.
6. A payment plan replaces the due date; the steps are computed again from it and steps already
   in the past under the new plan are skipped.

The demo profile runs the cadence on a compressed clock (:func:`scaled_cadence`: one "day" is
``Settings.dunning_day_seconds``), so a whole dunning plays out while the demo runs.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

#: Hour (UTC) at which a step of a given day is taken: 15:00 UTC is 09:00 in Austin (CST).
SEND_HOUR_UTC = 15
SECONDS_PER_DAY = 24 * 3600
DEFAULT_OFFSETS_DAYS: tuple[int, ...] = (-3, 0, 3, 7, 14, 30)


class DunningChannel(StrEnum):
    """What a dunning step does."""

    EMAIL = "email"
    SMS = "sms"
    OFFICE_TASK = "office_task"
    CREDIT_HOLD = "credit_hold"


DEFAULT_CHANNELS: tuple[DunningChannel, ...] = (
    DunningChannel.EMAIL,
    DunningChannel.EMAIL,
    DunningChannel.SMS,
    DunningChannel.SMS,
    DunningChannel.OFFICE_TASK,
    DunningChannel.CREDIT_HOLD,
)


class DunningError(ValueError):
    """Raised for an impossible cadence (lengths differ, offsets not increasing, no steps)."""


@dataclass(frozen=True, slots=True)
class DunningStep:
    """Step ``index`` (0-based) of a cadence: ``offset_days`` from the due date, taken at ``at``
    (aware UTC) through ``channel``."""

    index: int
    offset_days: int
    channel: DunningChannel
    at: datetime


def cadence(
    due: date,
    offsets_days: Sequence[int] = DEFAULT_OFFSETS_DAYS,
    channels: Sequence[DunningChannel | str] = DEFAULT_CHANNELS,
) -> tuple[DunningStep, ...]:
    """The steps for an invoice due on ``due`` (rules 1 and 2).

    Raises DunningError when ``offsets_days`` and ``channels`` differ in length, are empty, or the
    offsets are not strictly increasing.
    """
    _check(offsets_days, channels)
    return tuple(
        DunningStep(
            index=i,
            offset_days=offset,
            channel=DunningChannel(channel),
            at=datetime.combine(due + timedelta(days=offset), time(SEND_HOUR_UTC), tzinfo=UTC),
        )
        for i, (offset, channel) in enumerate(zip(offsets_days, channels, strict=True))
    )


def _check(offsets_days: Sequence[int], channels: Sequence[DunningChannel | str]) -> None:
    if not offsets_days or len(offsets_days) != len(channels):
        raise DunningError(
            f"need as many channels as offsets (and at least one): {len(offsets_days)} offsets, {len(channels)} channels"
        )
    if any(b <= a for a, b in itertools.pairwise(offsets_days)):
        raise DunningError(f"offsets must be strictly increasing, got {list(offsets_days)}")


def scaled_cadence(
    *,
    start: datetime,
    issue_date: date,
    due: date,
    day_seconds: int,
    offsets_days: Sequence[int] = DEFAULT_OFFSETS_DAYS,
    channels: Sequence[DunningChannel | str] = DEFAULT_CHANNELS,
) -> tuple[DunningStep, ...]:
    """The steps on a compressed clock: step ``k`` at ``start + ((due - issue_date).days +
    offset_k) * day_seconds`` (``start`` is when the dunning began, standing for the issue date).
    Raises DunningError as :func:`cadence` does, and for ``day_seconds`` < 1."""
    _check(offsets_days, channels)
    if day_seconds < 1:
        raise DunningError(f"a dunning day must last at least one second, got {day_seconds}")
    due_in_days = (due - issue_date).days
    return tuple(
        DunningStep(
            index=i,
            offset_days=offset,
            channel=DunningChannel(channel),
            at=start + timedelta(seconds=(due_in_days + offset) * day_seconds),
        )
        for i, (offset, channel) in enumerate(zip(offsets_days, channels, strict=True))
    )


def first_step_on_or_after(steps: Sequence[DunningStep], day: date) -> int:
    """Index of the first step dated on or after ``day`` (rule 3); ``len(steps)`` when none."""
    for step in steps:
        if step.at.date() >= day:
            return step.index
    return len(steps)


def first_step_on_or_after_moment(steps: Sequence[DunningStep], moment: datetime) -> int:
    """Index of the first step at or after ``moment``; ``len(steps)`` when none."""
    for step in steps:
        if step.at >= moment:
            return step.index
    return len(steps)


def first_step_after(steps: Sequence[DunningStep], moment: datetime) -> int:
    """Index of the first step strictly after ``moment`` (rule 6); ``len(steps)`` when none."""
    for step in steps:
        if step.at > moment:
            return step.index
    return len(steps)


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do at ``now``: take ``step`` (None: nothing due), skipping ``skipped`` indexes
    first; then continue from ``next_index``; ``wake_at`` is when the next step falls due (None:
    no step left)."""

    step: DunningStep | None
    skipped: tuple[int, ...]
    next_index: int
    wake_at: datetime | None


def decide(
    steps: Sequence[DunningStep],
    next_index: int,
    now: datetime,
    *,
    balance: Decimal,
    disputed: bool,
) -> Decision:
    """The step to take at ``now`` given the steps not yet taken (from ``next_index``) — rules 4
    and 5: nothing for a zero or credit balance (``next_index`` jumps past every step), nothing
    while disputed, otherwise the latest due step with the earlier due ones skipped."""
    if balance <= 0:
        return Decision(None, (), len(steps), None)
    remaining = list(steps[next_index:])
    if disputed:
        return Decision(None, (), next_index, None)
    due = [s for s in remaining if s.at <= now]
    if not due:
        return Decision(None, (), next_index, remaining[0].at if remaining else None)
    take = due[-1]
    after = take.index + 1
    wake = steps[after].at if after < len(steps) else None
    return Decision(take, tuple(s.index for s in due[:-1]), after, wake)
