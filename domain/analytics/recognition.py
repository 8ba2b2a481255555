"""Streaks and achievements (seed 002 "Gamification"), from a technician's daily counters.

**Streaks** (002: on_time, sla_hit, perfect_patrol, zero_ncns), each counted in the days that
have something to judge; other days neither break nor extend a streak:

- ``on_time``: days where every job with a service window started on time;
- ``sla_hit``: days with emergencies where every one met its SLA;
- ``first_time_fix``: days with completed jobs and no return visit (field service's
  "zero no-call-no-show": nobody had to be sent back).
``perfect_patrol`` waits for lot walks (none are recorded yet).

**Achievements**, awarded when a calendar period ends (ISO week on Sunday, month on its last day,
quarter on its last day) with a period key so each is earned once per period:

========================  =========  =====================================================
code                      period     rule
========================  =========  =====================================================
perfect_week              week       >= 3 jobs with a window, every one on time
perfect_month             month      >= 10 jobs with a window, every one on time
perfect_quarter           quarter    >= 30 jobs with a window, every one on time
sla_champion              month      >= 3 emergencies, every one within the SLA
first_time_fix_pro        month      >= 10 completed jobs, no return
safety_champion           quarter    skills on file every day, all verified and current
team_player               month      >= 5 kudos received
mentor_master             month      >= 5 kudos given
========================  =========  =====================================================

``patrol_pro`` (002) waits for lot walks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from domain.analytics.metrics import DailyCounters


class Streak(StrEnum):
    """Streak kinds."""

    ON_TIME = "on_time"
    SLA_HIT = "sla_hit"
    FIRST_TIME_FIX = "first_time_fix"


#: per streak: (does the day count at all, did the day keep the streak)
_STREAK_RULES: dict[Streak, tuple[Callable[[DailyCounters], bool], Callable[[DailyCounters], bool]]] = {
    Streak.ON_TIME: (lambda c: c.jobs_with_window > 0, lambda c: c.on_time_arrivals == c.jobs_with_window),
    Streak.SLA_HIT: (lambda c: c.emergencies > 0, lambda c: c.emergency_sla_hits == c.emergencies),
    Streak.FIRST_TIME_FIX: (lambda c: c.jobs_completed > 0, lambda c: c.returns == 0),
}


@dataclass(frozen=True, slots=True)
class StreakCount:
    """``current``: judged days in a row up to the last judged day; ``best``: the longest run."""

    kind: Streak
    current: int
    best: int


def streaks(days: Sequence[tuple[date, DailyCounters]]) -> list[StreakCount]:
    """Every streak over ``days`` (any order; sorted by date here)."""
    ordered = [c for _, c in sorted(days, key=lambda item: item[0])]
    out = []
    for kind, (judged, kept) in _STREAK_RULES.items():
        current = best = 0
        for counters in ordered:
            if not judged(counters):
                continue
            current = current + 1 if kept(counters) else 0
            best = max(best, current)
        out.append(StreakCount(kind, current, best))
    return out


class Period(StrEnum):
    """Calendar periods achievements are judged over."""

    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"


def period_bounds(period: Period, day: date) -> tuple[date, date, str]:
    """(first day, last day, key) of the calendar ``period`` containing ``day``; keys look like
    ``2026-W47``, ``2026-11``, ``2026-Q4``."""
    if period is Period.WEEK:
        start = day - timedelta(days=day.weekday())
        year, week, _ = day.isocalendar()
        return start, start + timedelta(days=6), f"{year}-W{week:02d}"
    if period is Period.MONTH:
        start = day.replace(day=1)
        nxt = (start + timedelta(days=32)).replace(day=1)
        return start, nxt - timedelta(days=1), f"{day.year}-{day.month:02d}"
    q = (day.month - 1) // 3
    start = date(day.year, 3 * q + 1, 1)
    nxt = date(day.year + (q == 3), (3 * q + 3) % 12 + 1, 1)
    return start, nxt - timedelta(days=1), f"{day.year}-Q{q + 1}"


@dataclass(frozen=True, slots=True)
class AchievementRule:
    """One achievement: ``code``, display ``name``, the ``period`` it is judged over and its rule
    on the period's summed counters, judged days and kudos received/given."""

    code: str
    name: str
    period: Period
    description: str
    earned: Callable[[DailyCounters, list[DailyCounters], int, int], bool]


def _perfect(minimum: int) -> Callable[[DailyCounters, list[DailyCounters], int, int], bool]:
    return lambda total, days, received, given: (
        total.jobs_with_window >= minimum and total.on_time_arrivals == total.jobs_with_window
    )


ACHIEVEMENTS: tuple[AchievementRule, ...] = (
    AchievementRule(
        "perfect_week", "Perfect Week", Period.WEEK, "every windowed job on time (>= 3)", _perfect(3)
    ),
    AchievementRule(
        "perfect_month", "Perfect Month", Period.MONTH, "every windowed job on time (>= 10)", _perfect(10)
    ),
    AchievementRule(
        "perfect_quarter",
        "Perfect Quarter",
        Period.QUARTER,
        "every windowed job on time (>= 30)",
        _perfect(30),
    ),
    AchievementRule(
        "sla_champion",
        "SLA Champion",
        Period.MONTH,
        "every emergency within the SLA (>= 3)",
        lambda t, d, r, g: t.emergencies >= 3 and t.emergency_sla_hits == t.emergencies,
    ),
    AchievementRule(
        "first_time_fix_pro",
        "First-Time Fix Pro",
        Period.MONTH,
        ">= 10 completed jobs and no return visit",
        lambda t, d, r, g: t.jobs_completed >= 10 and t.returns == 0,
    ),
    AchievementRule(
        "safety_champion",
        "Safety Champion",
        Period.QUARTER,
        "all skills and certifications verified and current every day",
        lambda t, d, r, g: (
            bool(d)
            and all(
                c.certifications_held > 0 and c.certifications_current == c.certifications_held for c in d
            )
        ),
    ),
    AchievementRule(
        "team_player", "Team Player", Period.MONTH, ">= 5 kudos received", lambda t, d, r, g: r >= 5
    ),
    AchievementRule(
        "mentor_master", "Mentor Master", Period.MONTH, ">= 5 kudos given", lambda t, d, r, g: g >= 5
    ),
)
ACHIEVEMENTS_BY_CODE = {a.code: a for a in ACHIEVEMENTS}


@dataclass(frozen=True, slots=True)
class Earned:
    """An achievement earned for the period ``period_key`` on ``earned_on`` (the period's last day)."""

    code: str
    period_key: str
    earned_on: date


def ending_periods(day: date) -> list[Period]:
    """The periods whose last day is ``day``."""
    return [p for p in Period if period_bounds(p, day)[1] == day]


def achievements_on(
    day: date,
    days: Sequence[tuple[date, DailyCounters]],
    kudos_received: dict[Period, int],
    kudos_given: dict[Period, int],
) -> list[Earned]:
    """Achievements earned on ``day`` (only when it ends a period). ``days`` must cover every
    period ending on ``day`` (at most the quarter); kudos are counted per period ending ``day``."""
    out = []
    for rule in ACHIEVEMENTS:
        start, end, key = period_bounds(rule.period, day)
        if end != day:
            continue
        inside = [c for d, c in days if start <= d <= end]
        total = sum(inside, DailyCounters())
        if rule.earned(total, inside, kudos_received.get(rule.period, 0), kudos_given.get(rule.period, 0)):
            out.append(Earned(rule.code, key, day))
    return out
