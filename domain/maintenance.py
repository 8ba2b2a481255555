"""Predictive maintenance of customers' appliances (seed 004 Phase 2 ``predict-maintenance``,
seed 001 Phase 8.1): when each appliance is next due, from its service interval and history.

Rules, in order, for one appliance on ``as_of``:

1. The standard interval comes from the appliance type (:data:`INTERVAL_RULES`, first keyword
   found in the lower-cased type; seed 003 Priority 2: grease traps every 90 days, septic tanks
   every 3 years), else :data:`DEFAULT_INTERVAL_DAYS`.
2. The history is the days the customer's completed jobs of the type's job type (grease trap
   → ``grease_trap``, septic → ``pumping``; others: none) were done, plus the appliance's own
   ``last_service_date``. With two or more services, the observed interval is the median gap
   between them, kept within half and one and a half times the standard interval (a site
   that fills faster is serviced sooner, never absurdly so); with fewer, the standard interval.
3. The last service is the latest of the history; without one, the installation day; without
   either the appliance is ``unknown``: an inspection is due now.
4. Due = last service + interval. Status: ``overdue`` (due before ``as_of``), ``due_soon``
   (within 30 days), ``upcoming`` (within 90 days), else ``ok``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from statistics import median

#: (keyword in the appliance type, standard interval in days, job type whose jobs are its history)
INTERVAL_RULES: tuple[tuple[str, int, str | None], ...] = (
    ("grease", 90, "grease_trap"),
    ("septic", 3 * 365, "pumping"),
    ("lift station", 180, "maintenance"),
    ("pump", 180, "maintenance"),
    ("water heater", 365, "maintenance"),
    ("hvac", 180, "maintenance"),
    ("backflow", 365, "inspection"),
    ("lift gate", 180, "repair"),
)
DEFAULT_INTERVAL_DAYS = 365
DUE_SOON_DAYS = 30
UPCOMING_DAYS = 90


@dataclass(frozen=True, slots=True)
class ApplianceFacts:
    """One appliance as the rules see it (no serial or model needed)."""

    appliance_id: int
    type: str
    last_service_date: date | None = None
    installed_on: date | None = None


@dataclass(frozen=True, slots=True)
class Prediction:
    """When ``appliance_id`` is next due and why: the interval used (days) and its basis
    (``standard`` or ``observed``), the services counted, the last one, the due day and the
    status (``overdue``, ``due_soon``, ``upcoming``, ``ok`` or ``unknown``); ``days_until_due``
    is negative when overdue."""

    appliance_id: int
    type: str
    interval_days: int
    interval_basis: str
    services_counted: int
    last_service: date | None
    due: date
    days_until_due: int
    status: str


def rule_for(appliance_type: str) -> tuple[int, str | None]:
    """The standard interval (days) and history job type of an appliance type (rule 1)."""
    lowered = appliance_type.lower()
    for keyword, days, job_type in INTERVAL_RULES:
        if keyword in lowered:
            return days, job_type
    return DEFAULT_INTERVAL_DAYS, None


def predict(appliance: ApplianceFacts, job_days: dict[str, Sequence[date]], as_of: date) -> Prediction:
    """The prediction of rules 1-4 for ``appliance``; ``job_days`` maps a job type to the days
    the customer's completed jobs of that type were done (any order)."""
    standard, job_type = rule_for(appliance.type)
    services = sorted(
        {d for d in (job_days.get(job_type, ()) if job_type else ()) if d <= as_of}
        | ({appliance.last_service_date} if appliance.last_service_date else set())
    )
    interval, basis = standard, "standard"
    if len(services) >= 2:
        gaps = [(b - a).days for a, b in pairwise(services)]
        observed = round(median(gaps))
        interval = min(max(observed, standard // 2), standard * 3 // 2)
        basis = "observed"
    last = services[-1] if services else appliance.installed_on
    if last is None:
        return Prediction(
            appliance.appliance_id, appliance.type, interval, basis, 0, None, as_of, 0, "unknown"
        )
    due = last + timedelta(days=interval)
    days = (due - as_of).days
    if days < 0:
        status = "overdue"
    elif days <= DUE_SOON_DAYS:
        status = "due_soon"
    elif days <= UPCOMING_DAYS:
        status = "upcoming"
    else:
        status = "ok"
    return Prediction(
        appliance.appliance_id, appliance.type, interval, basis, len(services), last, due, days, status
    )


def predict_all(
    appliances: Sequence[ApplianceFacts], job_days: dict[str, Sequence[date]], as_of: date
) -> list[Prediction]:
    """Predictions for every appliance, soonest due first (unknown ones first: due now)."""
    return sorted((predict(a, job_days, as_of) for a in appliances), key=lambda p: (p.due, p.appliance_id))
