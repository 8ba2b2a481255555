"""Bodies of ``/api/performance/...`` (seed 002 "API Endpoints"), with 002's names where they fit.

Scores are 0-100 and rates fractions 0-1, as JSON numbers; ``null`` means unavailable (see
``domain/analytics/metrics.py``: no surveys, no lot walks, no job with a window in the period).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from db.models.analytics import KUDOS_CATEGORIES

#: A stored score (Decimal) written as a JSON number.
Score = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


class Metrics(BaseModel):
    """The metrics of a period (``domain.analytics.metrics``): rates 0-1, returns a count."""

    on_time_rate: float | None
    completion_rate: float | None
    first_time_fix_rate: float | None
    returns: int
    emergency_sla_rate: float | None
    customer_rating: float | None = Field(description="stars 1-5; null until surveys are recorded")
    certifications_current: float | None
    lot_walk_coverage: float | None = Field(description="null until lot walks are recorded")
    utilisation: float | None = Field(description="booked / shift minutes")
    jobs_completed: int
    late_minutes: int


class Dimensions(BaseModel):
    """The five BPI dimension scores 0-100 (null: unavailable, its weight spread over the others)."""

    reliability: Score | None
    job_performance: Score | None
    route_quality: Score | None
    service: Score | None
    compliance: Score | None


class Benchmark(BaseModel):
    """The BPI distribution of the technician's cohort."""

    cohort_key: str = Field(description="skills=…|region=…|tenure=…, widened to at least 3 peers")
    cohort_size: int
    percentile: Score = Field(description="his mid-rank percentile in the cohort, 0-100")
    benchmark_date: date
    p25: Score | None
    p50: Score | None
    p75: Score | None
    p90: Score | None


class StreakOut(BaseModel):
    """A streak: judged days in a row now, and the best run in the trend window."""

    streak_type: str = Field(description="on_time | sla_hit | first_time_fix")
    current_count: int
    best_count: int


class WorkerDashboard(BaseModel):
    """``GET /api/performance/me/``: the technician's latest BPI and the period behind it."""

    technician_id: str
    name: str
    score_date: date | None = Field(description="null until analytics ran for him")
    formula_version: str | None
    bpi: Score | None = Field(description="Balanced Performance Index 0-100")
    dimensions: Dimensions | None
    weights: dict[str, float] = Field(description="weights used, renormalised over available dimensions")
    unavailable_dimensions: list[str]
    period_days: int
    metrics: Metrics | None
    cohort: Benchmark | None
    streaks: list[StreakOut]
    achievements_count: int
    kudos_received_30d: int


class TrendPoint(BaseModel):
    """One day of the trend."""

    date: date
    bpi: Score | None
    on_time_rate: float | None
    completion_rate: float | None
    first_time_fix_rate: float | None
    utilisation: float | None
    jobs_completed: int


class TrendsResponse(BaseModel):
    """``GET /api/performance/me/trends/``: daily points, oldest first."""

    technician_id: str
    days: int
    points: list[TrendPoint]


class AchievementOut(BaseModel):
    """An earned achievement."""

    code: str
    name: str
    description: str
    period_key: str
    earned_on: date


class AchievementsResponse(BaseModel):
    """``GET /api/performance/me/achievements/``: earned ones, newest first, and every code."""

    technician_id: str
    achievements: list[AchievementOut]
    available: list[str]


class MemberOut(BaseModel):
    """A team member's latest score."""

    technician_id: str
    name: str
    bpi: Score | None
    score_date: date | None
    cohort_percentile: Score | None


class TeamDashboard(BaseModel):
    """``GET /api/performance/team/{site_id}/``: a manager's team (002's *site*)."""

    site_id: str = Field(description="the manager's technician id: his team is himself and whom he manages")
    manager_name: str
    metric_date: date | None
    technician_count: int
    bpi_average: Score | None
    period_days: int
    metrics: Metrics | None
    members: list[MemberOut]


class CoachingEntry(BaseModel):
    """A technician in the coaching queue."""

    technician_id: str
    name: str
    queue_date: date
    priority: str = Field(description="high | normal")
    reasons: list[str]
    bpi: Score | None


class CoachingQueueResponse(BaseModel):
    """``GET /api/performance/coaching-queue/{site_id}/``."""

    site_id: str
    items: list[CoachingEntry]


class TopPerformersResponse(BaseModel):
    """``GET /api/performance/top-performers/{site_id}/``: highest latest BPI first."""

    site_id: str
    items: list[MemberOut]


class KudosIn(BaseModel):
    """``POST /api/performance/kudos/``."""

    model_config = ConfigDict(extra="forbid")

    technician_id: str = Field(min_length=1, max_length=20, description="who receives it")
    category: str = Field(
        description=" | ".join(KUDOS_CATEGORIES), pattern="^(" + "|".join(KUDOS_CATEGORIES) + ")$"
    )
    message: str = Field(min_length=1, max_length=500)


class KudosOut(BaseModel):
    """A kudos as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    technician_id: str
    given_by: str
    giver_technician_id: str | None
    category: str
    message: str
    created_at: datetime
