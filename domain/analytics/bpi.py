"""The Balanced Performance Index (seed 002 "Performance Dimensions"), mapped to field service.

Five dimensions with seed 002's weights; each is the mean of its *available* metric scores
(``domain.analytics.metrics``), each metric scored 0-100:

====================  ======  ===============================================================
dimension             weight  metrics (score)
====================  ======  ===============================================================
reliability           30 %    on-time arrival rate x 100 (002 "attendance & reliability")
job_performance       25 %    completion rate x 100; first-time-fix rate x 100 (002 "task & job")
route_quality         20 %    lot-walk coverage x 100; utilisation x 100, capped at 100
                              (002 "tour & patrol quality": the rounds a technician makes)
service               15 %    emergency SLA rate x 100; customer rating (stars - 1) / 4 x 100
                              (002 "work order & service")
compliance            10 %    certifications current x 100 (002 "compliance & safety")
====================  ======  ===============================================================

**Renormalisation.** A metric that is unavailable (None: no surveys, no lot walks, no job with
a service window in the period) is left out of its dimension's mean; a dimension with no
available metric is unavailable, and the BPI is the weighted mean of the available dimensions
with their weights scaled to sum to 1 (e.g. without *service*: reliability 30/85, ...). With no
available dimension the BPI is None.

The score is computed over a period's summed counters (the scoring activity uses the
:data:`BPI_PERIOD_DAYS` days ending on the score date). Every stored score carries
:data:`FORMULA_VERSION`; change the version whenever weights, metrics or scoring change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from domain.analytics.metrics import DailyCounters, Metric, metric_values

#: Stored with every score; bump when anything in this module changes the numbers.
FORMULA_VERSION = "bpi-fs-1"
#: Days of daily counters a score sums (ending on the score date, inclusive).
BPI_PERIOD_DAYS = 30


class Dimension(StrEnum):
    """The five BPI dimensions."""

    RELIABILITY = "reliability"
    JOB_PERFORMANCE = "job_performance"
    ROUTE_QUALITY = "route_quality"
    SERVICE = "service"
    COMPLIANCE = "compliance"


#: Seed 002's weights (percent), in dimension order.
WEIGHTS: dict[Dimension, int] = {
    Dimension.RELIABILITY: 30,
    Dimension.JOB_PERFORMANCE: 25,
    Dimension.ROUTE_QUALITY: 20,
    Dimension.SERVICE: 15,
    Dimension.COMPLIANCE: 10,
}

#: Which metrics make up each dimension.
DIMENSION_METRICS: dict[Dimension, tuple[Metric, ...]] = {
    Dimension.RELIABILITY: (Metric.ON_TIME_RATE,),
    Dimension.JOB_PERFORMANCE: (Metric.COMPLETION_RATE, Metric.FIRST_TIME_FIX_RATE),
    Dimension.ROUTE_QUALITY: (Metric.LOT_WALK_COVERAGE, Metric.UTILISATION),
    Dimension.SERVICE: (Metric.EMERGENCY_SLA_RATE, Metric.CUSTOMER_RATING),
    Dimension.COMPLIANCE: (Metric.CERTIFICATIONS_CURRENT,),
}


def metric_score(metric: Metric, value: float | None) -> float | None:
    """A metric's value on the 0-100 scale (see the module table); None stays None.
    Raises ValueError for a metric that is not part of the BPI (returns is a count)."""
    if value is None:
        return None
    if metric is Metric.CUSTOMER_RATING:
        return max(0.0, min(100.0, (value - 1.0) / 4.0 * 100.0))
    if metric is Metric.RETURNS:
        raise ValueError("returns is a count; the BPI scores it through the first-time-fix rate")
    return max(0.0, min(100.0, value * 100.0))


@dataclass(frozen=True, slots=True)
class BpiScore:
    """A BPI: ``bpi`` 0-100 (None when no dimension is available), each dimension's score
    (None when unavailable), the ``weights`` actually used (fractions summing to 1 over the
    available dimensions) and the ``formula_version``."""

    bpi: float | None
    dimensions: dict[Dimension, float | None]
    weights: dict[Dimension, float]
    formula_version: str = FORMULA_VERSION

    @property
    def unavailable(self) -> list[Dimension]:
        """Dimensions left out (their weight was spread over the others)."""
        return [d for d, s in self.dimensions.items() if s is None]


def score_dimensions(values: Mapping[Metric, float | None]) -> dict[Dimension, float | None]:
    """Each dimension's score: the mean of its available metric scores, None if none is."""
    out: dict[Dimension, float | None] = {}
    for dimension, metrics in DIMENSION_METRICS.items():
        scores = [s for m in metrics if (s := metric_score(m, values.get(m))) is not None]
        out[dimension] = sum(scores) / len(scores) if scores else None
    return out


def combine(dimensions: Mapping[Dimension, float | None]) -> BpiScore:
    """Weighted mean of the available dimension scores with renormalised weights."""
    available = {d: s for d, s in dimensions.items() if s is not None}
    total_weight = sum(WEIGHTS[d] for d in available)
    if not total_weight:
        return BpiScore(None, dict(dimensions), {})
    weights = {d: WEIGHTS[d] / total_weight for d in available}
    bpi = sum(weights[d] * s for d, s in available.items())
    return BpiScore(round(bpi, 2), dict(dimensions), weights)


def score(counters: DailyCounters) -> BpiScore:
    """The BPI of a period's summed counters (``DailyCounters`` of several days added up)."""
    return combine(score_dimensions(metric_values(counters)))
