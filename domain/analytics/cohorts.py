"""Cohort benchmarks (seed 002 "Cohort-based benchmarking"): a technician's BPI against peers
of the same skill set, region and tenure.

- *skill set*: the sorted skill types on file (``technician_skills.skill_type``);
- *region*: the first three digits of the home ZIP (a USPS sectional centre, e.g. ``787`` for
  Austin), ``unknown`` without one;
- *tenure*: ``<1y``, ``1-3y`` or ``3y+`` since the technician's record was created.

Cohorts of field crews are small, so a technician is benchmarked in the narrowest cohort that
has at least :data:`MIN_COHORT_SIZE` scored members, widening in this order: skills + region +
tenure → skills + tenure → skills → everyone (``all``). The cohort used is stored with the
percentile. The percentile is the mid-rank: 100 x (peers strictly below + half of the scores
equal to his, himself included) / cohort size, so the best of 4 distinct scores is 87.5 and a
cohort of one puts him at 50.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

#: Smallest cohort a percentile is computed in before the cohort is widened.
MIN_COHORT_SIZE = 3
ALL = "all"


def tenure_band(since: date, on: date) -> str:
    """``<1y``, ``1-3y`` or ``3y+`` between ``since`` and ``on``."""
    days = (on - since).days
    if days < 365:
        return "<1y"
    return "1-3y" if days < 3 * 365 else "3y+"


def region(home_zip: str | None) -> str:
    """The ZIP's first three digits, or ``unknown``."""
    return home_zip[:3] if home_zip and home_zip[:3].isdigit() else "unknown"


@dataclass(frozen=True, slots=True)
class Member:
    """One scored technician: ``bpi`` 0-100 and what places him in a cohort."""

    technician_id: str
    bpi: float
    skills: frozenset[str]
    region: str
    tenure: str

    def keys(self) -> list[str]:
        """His cohort keys from the narrowest to ``all``."""
        skills = "+".join(sorted(self.skills)) or "none"
        return [
            f"skills={skills}|region={self.region}|tenure={self.tenure}",
            f"skills={skills}|tenure={self.tenure}",
            f"skills={skills}",
            ALL,
        ]


@dataclass(frozen=True, slots=True)
class Placement:
    """A technician's cohort key, its size and his percentile (0-100) in it."""

    technician_id: str
    cohort_key: str
    cohort_size: int
    percentile: float


@dataclass(frozen=True, slots=True)
class Benchmark:
    """BPI distribution of one cohort: size, quartiles and 90th percentile (0-100)."""

    cohort_key: str
    size: int
    p25: float
    p50: float
    p75: float
    p90: float


def percentile_rank(value: float, scores: Sequence[float]) -> float:
    """Mid-rank percentile of ``value`` among ``scores`` (which include it). Raises ValueError
    when ``scores`` is empty."""
    if not scores:
        raise ValueError("no scores to rank against")
    below = sum(1 for s in scores if s < value)
    equal = sum(1 for s in scores if s == value)
    return round(100.0 * (below + 0.5 * equal) / len(scores), 2)


def quantile(scores: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0-1) of ``scores`` by linear interpolation between closest ranks.
    Raises ValueError when ``scores`` is empty."""
    if not scores:
        raise ValueError("no scores")
    ordered = sorted(scores)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 2)


def place(members: Iterable[Member]) -> tuple[list[Placement], list[Benchmark]]:
    """Each member's cohort and percentile, and the benchmark of every cohort used."""
    members = list(members)
    groups: dict[str, list[float]] = defaultdict(list)
    for m in members:
        for key in m.keys():
            groups[key].append(m.bpi)
    placements = []
    used: set[str] = set()
    for m in members:
        key = next(k for k in m.keys() if k == ALL or len(groups[k]) >= MIN_COHORT_SIZE)
        used.add(key)
        placements.append(
            Placement(m.technician_id, key, len(groups[key]), percentile_rank(m.bpi, groups[key]))
        )
    benchmarks = [
        Benchmark(
            key,
            len(groups[key]),
            quantile(groups[key], 0.25),
            quantile(groups[key], 0.5),
            quantile(groups[key], 0.75),
            quantile(groups[key], 0.9),
        )
        for key in sorted(used)
    ]
    return placements, benchmarks
