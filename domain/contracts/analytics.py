"""AnalyticsWorkflow's contract (seed 002 "Celery Beat Schedule", on Temporal Schedules): the
run input, the three jobs and their activity specs.

- ``daily`` (02:00): count the day into ``technician_daily_metrics``, score the BPI and the
  team rows, award achievements;
- ``coaching`` (06:00): rebuild the coaching queue from the day's scores;
- ``cohorts`` (Sunday 03:00): cohort benchmarks and each technician's percentile.

``day`` is the metric day (a local date in the company zone); a scheduled run leaves it unset
and the workflow takes yesterday in ``time_zone``. Every activity replaces the day's rows, so any
run may be repeated (the backfill repeats ``daily`` over a range).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field

from domain.contracts.shared import ActivitySpec

ANALYTICS_WORKFLOW = "AnalyticsWorkflow"


class AnalyticsJob(StrEnum):
    """What one AnalyticsWorkflow run does."""

    DAILY = "daily"
    COACHING = "coaching"
    COHORTS = "cohorts"


def analytics_workflow_id(job: AnalyticsJob, day: date | None = None) -> str:
    """``analytics-{job}`` for scheduled runs (the schedule appends its time), or
    ``analytics-{job}-{day}`` for a run of one day (backfill)."""
    return f"analytics-{job.value}" + (f"-{day.isoformat()}" if day else "")


class AnalyticsRunInput(BaseModel):
    """Start argument: the ``job``, the metric ``day`` (None: yesterday in ``time_zone``)."""

    job: AnalyticsJob
    day: date | None = None
    time_zone: str = "UTC"


class AnalyticsDayInput(BaseModel):
    """A metric day for one activity."""

    day: date


class AnalyticsRunResult(BaseModel):
    """What a run wrote: the ``day`` and rows per table (``rows`` by table name)."""

    job: AnalyticsJob
    day: date
    rows: dict[str, int] = Field(default_factory=dict)


class RowsWritten(BaseModel):
    """Rows an activity wrote, by table name."""

    rows: dict[str, int] = Field(default_factory=dict)


AGGREGATE_DAILY_METRICS = ActivitySpec(
    "aggregate_daily_metrics", AnalyticsDayInput, RowsWritten, lambda i: f"Daily metrics of {i.day}"
)
SCORE_BPI = ActivitySpec(
    "score_bpi", AnalyticsDayInput, RowsWritten, lambda i: f"BPI and team metrics of {i.day}"
)
AWARD_ACHIEVEMENTS = ActivitySpec(
    "award_achievements", AnalyticsDayInput, RowsWritten, lambda i: f"Achievements of {i.day}"
)
BUILD_COACHING_QUEUE = ActivitySpec(
    "build_coaching_queue", AnalyticsDayInput, RowsWritten, lambda i: f"Coaching queue from {i.day}"
)
UPDATE_COHORT_BENCHMARKS = ActivitySpec(
    "update_cohort_benchmarks", AnalyticsDayInput, RowsWritten, lambda i: f"Cohort benchmarks of {i.day}"
)
