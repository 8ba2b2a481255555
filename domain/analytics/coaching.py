"""The coaching queue and top performers (seed 002 "Supervisor endpoints": coaching queue,
top performers), from a technician's latest BPI and his counters over the BPI period.

A technician is queued for coaching when at least one rule fires, in this order:

1. BPI below :data:`BPI_FLOOR` (60);
2. BPI down :data:`BPI_DROP` (10) points or more against the score :data:`DROP_LOOKBACK_DAYS`
   (14) days earlier;
3. on-time arrival below 80 % over at least 5 jobs with a service window;
4. first-time-fix rate below 85 % over at least 10 completed jobs;
5. emergency SLA below 90 % over at least 3 emergencies;
6. a skill or certification unverified or expired.

Priority is ``high`` with two or more reasons or a BPI below :data:`BPI_CRITICAL` (50), else
``normal``. Reasons are human-readable sentences, stored with the entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.analytics.metrics import DailyCounters, emergency_sla_rate, first_time_fix_rate, on_time_rate

BPI_FLOOR = 60.0
BPI_CRITICAL = 50.0
BPI_DROP = 10.0
DROP_LOOKBACK_DAYS = 14


@dataclass(frozen=True, slots=True)
class CoachingNeed:
    """Why a technician is queued (``reasons``) and how urgently (``priority``: high | normal)."""

    technician_id: str
    priority: str
    reasons: tuple[str, ...]


def coaching_need(
    technician_id: str, *, bpi: float | None, bpi_before: float | None, counters: DailyCounters
) -> CoachingNeed | None:
    """Apply the rules of the module docstring; None when none fires."""
    reasons: list[str] = []
    if bpi is not None and bpi < BPI_FLOOR:
        reasons.append(f"BPI {bpi:.1f} is below {BPI_FLOOR:.0f}")
    if bpi is not None and bpi_before is not None and bpi_before - bpi >= BPI_DROP:
        reasons.append(f"BPI fell {bpi_before - bpi:.1f} points in {DROP_LOOKBACK_DAYS} days")
    on_time = on_time_rate(counters)
    if on_time is not None and counters.jobs_with_window >= 5 and on_time < 0.8:
        reasons.append(f"on time at {on_time:.0%} of {counters.jobs_with_window} windowed jobs (target 80%)")
    ftf = first_time_fix_rate(counters)
    if ftf is not None and counters.jobs_completed >= 10 and ftf < 0.85:
        reasons.append(f"first-time fix {ftf:.0%} ({counters.returns} return visits; target 85%)")
    sla = emergency_sla_rate(counters)
    if sla is not None and counters.emergencies >= 3 and sla < 0.9:
        reasons.append(f"emergency SLA met {sla:.0%} of {counters.emergencies} emergencies (target 90%)")
    if counters.certifications_current < counters.certifications_held:
        missing = counters.certifications_held - counters.certifications_current
        reasons.append(f"{missing} skill or certification unverified or expired")
    if not reasons:
        return None
    high = len(reasons) >= 2 or (bpi is not None and bpi < BPI_CRITICAL)
    return CoachingNeed(technician_id, "high" if high else "normal", tuple(reasons))


@dataclass(frozen=True, slots=True)
class Ranked:
    """A technician's BPI for ranking."""

    technician_id: str
    bpi: float


def top_performers(scores: Sequence[Ranked], limit: int) -> list[Ranked]:
    """The ``limit`` highest BPIs, ties by technician id; raises ValueError for limit < 1."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    return sorted(scores, key=lambda r: (-r.bpi, r.technician_id))[:limit]
