"""Every technician metric of the analytics (seed 002 "Performance Dimensions", mapped from
security patrols to field service): its definition, unit, source columns and the pure function
that turns a period's counters into its value. **This module is the one place** those
definitions live; ``db/repositories/analytics.py`` counts exactly what the ``source`` texts say
(one SQL statement per table and day) and the BPI (``domain.analytics.bpi``) scores the values.

Counters are per technician per *metric day*: the local calendar date in the company time zone
(``FIELDOPS_TIMEZONE``), which is also what ``work_orders.scheduled_date`` holds. A job belongs
to the day it is scheduled on. "Live" jobs are work orders assigned to the technician whose
status is not ``declined`` or ``expired`` (those never became work).

A metric is *unavailable* (``None``) when its denominator is zero (no job with a service window,
no emergency, a day off) or when fieldops does not record its source yet:

- ``customer_rating`` — no post-service surveys exist yet (seed 004's SurveyWorkflow); always
  unavailable, so the BPI's *service* dimension uses the emergency SLA alone.
- ``lot_walk_coverage`` — lot walks (seed 001 Phase 3) are not recorded yet; always unavailable.

An unavailable metric is left out of its dimension, and a dimension with no available metric is
left out of the BPI with its weight spread over the others (``domain.analytics.bpi``).

Rates are floats in [0, 1] (multiply by 100 for percent); minutes are integers.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum

#: Days after a completed job within which another completed job of the same technician at the
#: same customer makes the later one a *return* (seed 000 Phase 1.1, "returns within 30 days").
RETURN_WINDOW_DAYS = 30
#: An emergency meets its SLA when the technician arrives within this many minutes of the
#: request being recorded (``work_orders.created_at``).
EMERGENCY_SLA_MINUTES = 240
#: Work order statuses that never became work; such orders count nowhere.
NOT_WORK_STATUSES = ("declined", "expired")


class Metric(StrEnum):
    """The metrics, by name."""

    ON_TIME_RATE = "on_time_rate"
    COMPLETION_RATE = "completion_rate"
    FIRST_TIME_FIX_RATE = "first_time_fix_rate"
    RETURNS = "returns"
    EMERGENCY_SLA_RATE = "emergency_sla_rate"
    CUSTOMER_RATING = "customer_rating"
    CERTIFICATIONS_CURRENT = "certifications_current"
    LOT_WALK_COVERAGE = "lot_walk_coverage"
    UTILISATION = "utilisation"


@dataclass(frozen=True, slots=True)
class MetricDefinition:
    """What a metric means for field service (``definition``), its ``unit``, where it is counted
    from (``source``: tables and columns), and whether fieldops records that source yet."""

    metric: Metric
    unit: str
    definition: str
    source: str
    recorded: bool = True


DEFINITIONS: dict[Metric, MetricDefinition] = {
    d.metric: d
    for d in (
        MetricDefinition(
            Metric.ON_TIME_RATE,
            "fraction 0-1",
            "Share of the day's started jobs with a service window where the technician arrived "
            "(started) no later than the window's end; arriving early counts as on time. Seed "
            "002 'on-time rate' (attendance), mapped from shift check-in to customer arrival.",
            "work_orders.actual_start_time vs work_orders.service_window_end "
            "(jobs with both set; late minutes = actual_start_time - service_window_end when > 0)",
        ),
        MetricDefinition(
            Metric.COMPLETION_RATE,
            "fraction 0-1",
            "Completed jobs / live jobs scheduled for the technician that day (cancelled jobs "
            "count as not completed). Seed 002 'completion rate'.",
            "work_orders.status, technician_id, scheduled_date",
        ),
        MetricDefinition(
            Metric.FIRST_TIME_FIX_RATE,
            "fraction 0-1",
            "Share of the day's completed jobs that are not returns. A return is seed 000's rule: "
            "a completed job at a customer who had another completed job of the same technician "
            f"1-{RETURN_WINDOW_DAYS} days earlier (by scheduled_date). The miss is counted on the "
            "day of the return visit, when it becomes known, so a day's figure never changes later. "
            "Seed 002 'first-time pass rate'.",
            "work_orders.customer_id, technician_id, status, scheduled_date",
        ),
        MetricDefinition(
            Metric.RETURNS,
            "count",
            f"Completed jobs of the day that are returns (seed 000: same customer, same technician, "
            f"1-{RETURN_WINDOW_DAYS} days after an earlier completed job).",
            "work_orders.customer_id, technician_id, status, scheduled_date",
        ),
        MetricDefinition(
            Metric.EMERGENCY_SLA_RATE,
            "fraction 0-1",
            f"Share of the day's completed emergencies (priority or job type 'emergency') where the "
            f"technician arrived within {EMERGENCY_SLA_MINUTES} minutes of the request. Only "
            "emergencies whose request time precedes the arrival count (history written after the "
            "fact has no request time). Seed 002 'SLA hit rate'.",
            "work_orders.priority, job_type, created_at, actual_start_time",
        ),
        MetricDefinition(
            Metric.CUSTOMER_RATING,
            "stars 1-5",
            "Average post-service survey rating. Unavailable until surveys are recorded (seed 004); "
            "the BPI renormalises without it. Seed 002 'customer satisfaction'.",
            "none yet (post-service surveys)",
            recorded=False,
        ),
        MetricDefinition(
            Metric.CERTIFICATIONS_CURRENT,
            "fraction 0-1",
            "Share of the technician's skills and certifications that are verified and not expired "
            "on the day. Seed 002 'certifications current' (compliance).",
            "technician_skills.verified, technician_skills.expires_at",
        ),
        MetricDefinition(
            Metric.LOT_WALK_COVERAGE,
            "fraction 0-1",
            "Share of the fleet vehicles on the technician's lot walks that were inspected. "
            "Unavailable until lot walks are recorded (seed 001 Phase 3); the BPI renormalises "
            "without it. Seed 002 'checkpoint coverage' (patrol quality).",
            "none yet (lot walks)",
            recorded=False,
        ),
        MetricDefinition(
            Metric.UTILISATION,
            "fraction (may exceed 1)",
            "Booked minutes / shift minutes. Booked minutes are the live jobs' labor minutes "
            "(total_labor_minutes once completed, else the catalog duration); shift minutes come "
            "from the technician's working hours for that weekday (0 on a day off: unavailable).",
            "work_orders.total_labor_minutes, service_catalog.duration_minutes, technicians.working_hours",
        ),
    )
}


@dataclass(frozen=True, slots=True)
class DailyCounters:
    """What ``technician_daily_metrics`` stores for one technician and day (or the sum over a
    period): the numerators and denominators of :data:`DEFINITIONS`. Minutes are integers."""

    jobs_scheduled: int = 0
    jobs_completed: int = 0
    jobs_with_window: int = 0
    on_time_arrivals: int = 0
    late_minutes: int = 0
    returns: int = 0
    emergencies: int = 0
    emergency_sla_hits: int = 0
    booked_minutes: int = 0
    shift_minutes: int = 0
    certifications_held: int = 0
    certifications_current: int = 0

    def __add__(self, other: DailyCounters) -> DailyCounters:
        """Sum of two periods' counters, except the certification counts, which are a state
        (the later period's, that is ``other``'s, are kept)."""
        summed = {
            f.name: getattr(self, f.name) + getattr(other, f.name)
            for f in fields(self)
            if not f.name.startswith("certifications_")
        }
        return DailyCounters(
            **summed,
            certifications_held=other.certifications_held,
            certifications_current=other.certifications_current,
        )


def rate(numerator: int, denominator: int) -> float | None:
    """``numerator / denominator``, or None (unavailable) when the denominator is 0.
    Raises ValueError for negative counts or a numerator above its denominator."""
    if numerator < 0 or denominator < 0:
        raise ValueError(f"counts must not be negative: {numerator}/{denominator}")
    if numerator > denominator:
        raise ValueError(f"numerator {numerator} exceeds denominator {denominator}")
    return None if denominator == 0 else numerator / denominator


def on_time_rate(c: DailyCounters) -> float | None:
    """:data:`Metric.ON_TIME_RATE` of the counters."""
    return rate(c.on_time_arrivals, c.jobs_with_window)


def completion_rate(c: DailyCounters) -> float | None:
    """:data:`Metric.COMPLETION_RATE` of the counters."""
    return rate(c.jobs_completed, c.jobs_scheduled)


def first_time_fix_rate(c: DailyCounters) -> float | None:
    """:data:`Metric.FIRST_TIME_FIX_RATE` of the counters."""
    return rate(c.jobs_completed - c.returns, c.jobs_completed)


def emergency_sla_rate(c: DailyCounters) -> float | None:
    """:data:`Metric.EMERGENCY_SLA_RATE` of the counters."""
    return rate(c.emergency_sla_hits, c.emergencies)


def certifications_current(c: DailyCounters) -> float | None:
    """:data:`Metric.CERTIFICATIONS_CURRENT` of the counters (None without any skill on file)."""
    return rate(c.certifications_current, c.certifications_held)


def utilisation(c: DailyCounters) -> float | None:
    """:data:`Metric.UTILISATION`: booked / shift minutes, None without shift minutes."""
    if c.booked_minutes < 0 or c.shift_minutes < 0:
        raise ValueError("minutes must not be negative")
    return None if c.shift_minutes == 0 else c.booked_minutes / c.shift_minutes


def customer_rating(c: DailyCounters) -> float | None:
    """:data:`Metric.CUSTOMER_RATING`: always None until surveys are recorded."""
    return None


def lot_walk_coverage(c: DailyCounters) -> float | None:
    """:data:`Metric.LOT_WALK_COVERAGE`: always None until lot walks are recorded."""
    return None


def metric_values(c: DailyCounters) -> dict[Metric, float | None]:
    """Every metric of :class:`Metric` for the counters; ``returns`` as a float count."""
    return {
        Metric.ON_TIME_RATE: on_time_rate(c),
        Metric.COMPLETION_RATE: completion_rate(c),
        Metric.FIRST_TIME_FIX_RATE: first_time_fix_rate(c),
        Metric.RETURNS: float(c.returns),
        Metric.EMERGENCY_SLA_RATE: emergency_sla_rate(c),
        Metric.CUSTOMER_RATING: customer_rating(c),
        Metric.CERTIFICATIONS_CURRENT: certifications_current(c),
        Metric.LOT_WALK_COVERAGE: lot_walk_coverage(c),
        Metric.UTILISATION: utilisation(c),
    }
