"""Technician analytics (seed 002, mapped to field service): daily metrics per technician and
per team, BPI scores, cohort benchmarks, achievements, kudos and the coaching queue.

The counters' meanings are in ``domain/analytics/metrics.py`` (the one place metrics are
defined); rows are written by the analytics activities, one day at a time, and re-running a day
replaces that day's rows. A *team* is a manager's team (``technician_managed``): ``team_id`` is
the manager's technician id, and the team is the manager plus the technicians he manages.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base

#: Counter columns shared by the technician and team daily tables (``DailyCounters`` fields).
COUNTER_COLUMNS = (
    "jobs_scheduled",
    "jobs_completed",
    "jobs_with_window",
    "on_time_arrivals",
    "late_minutes",
    "returns",
    "emergencies",
    "emergency_sla_hits",
    "booked_minutes",
    "shift_minutes",
    "certifications_held",
    "certifications_current",
)
KUDOS_CATEGORIES = ("teamwork", "quality", "initiative", "safety")
Score = Numeric(5, 2)


class _Counters:
    jobs_scheduled: Mapped[int] = mapped_column(Integer)
    jobs_completed: Mapped[int] = mapped_column(Integer)
    jobs_with_window: Mapped[int] = mapped_column(Integer)
    on_time_arrivals: Mapped[int] = mapped_column(Integer)
    late_minutes: Mapped[int] = mapped_column(Integer)
    returns: Mapped[int] = mapped_column(Integer)
    emergencies: Mapped[int] = mapped_column(Integer)
    emergency_sla_hits: Mapped[int] = mapped_column(Integer)
    booked_minutes: Mapped[int] = mapped_column(Integer)
    shift_minutes: Mapped[int] = mapped_column(Integer)
    certifications_held: Mapped[int] = mapped_column(Integer)
    certifications_current: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class TechnicianDailyMetrics(Base, _Counters):
    """One technician's counters for one local day (seed 002 ``WorkerDailyMetrics``)."""

    __tablename__ = "technician_daily_metrics"

    technician_id: Mapped[str] = mapped_column(
        ForeignKey("technicians.id", ondelete="CASCADE"), primary_key=True
    )
    metric_date: Mapped[date] = mapped_column(Date, primary_key=True, index=True)


class TeamDailyMetrics(Base, _Counters):
    """A manager's team's summed counters and average BPI for one day (seed 002 ``TeamDailyMetrics``;
    002's *site* is a manager's team here)."""

    __tablename__ = "team_daily_metrics"

    team_id: Mapped[str] = mapped_column(ForeignKey("technicians.id", ondelete="CASCADE"), primary_key=True)
    metric_date: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    technicians: Mapped[int] = mapped_column(Integer)
    bpi_average: Mapped[Decimal | None] = mapped_column(Score)


class TechnicianBpiScore(Base):
    """A technician's BPI on ``score_date`` over the BPI period, with its ``formula_version``,
    the five dimension scores (NULL: unavailable), the renormalised ``weights`` used, and the
    cohort placement written by the weekly benchmark."""

    __tablename__ = "technician_bpi_scores"

    technician_id: Mapped[str] = mapped_column(
        ForeignKey("technicians.id", ondelete="CASCADE"), primary_key=True
    )
    score_date: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    formula_version: Mapped[str] = mapped_column(String(20))
    bpi: Mapped[Decimal | None] = mapped_column(Score)
    reliability: Mapped[Decimal | None] = mapped_column(Score)
    job_performance: Mapped[Decimal | None] = mapped_column(Score)
    route_quality: Mapped[Decimal | None] = mapped_column(Score)
    service: Mapped[Decimal | None] = mapped_column(Score)
    compliance: Mapped[Decimal | None] = mapped_column(Score)
    weights: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    cohort_key: Mapped[str | None] = mapped_column(String(200))
    cohort_size: Mapped[int | None] = mapped_column(Integer)
    cohort_percentile: Mapped[Decimal | None] = mapped_column(Score)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CohortBenchmark(Base):
    """BPI distribution of one cohort on ``benchmark_date`` (seed 002 ``CohortBenchmark``)."""

    __tablename__ = "cohort_benchmarks"

    benchmark_date: Mapped[date] = mapped_column(Date, primary_key=True)
    cohort_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    formula_version: Mapped[str] = mapped_column(String(20))
    technicians: Mapped[int] = mapped_column(Integer)
    bpi_p25: Mapped[Decimal] = mapped_column(Score)
    bpi_p50: Mapped[Decimal] = mapped_column(Score)
    bpi_p75: Mapped[Decimal] = mapped_column(Score)
    bpi_p90: Mapped[Decimal] = mapped_column(Score)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class TechnicianAchievement(Base):
    """An achievement (``domain.analytics.recognition.ACHIEVEMENTS``) earned once per period."""

    __tablename__ = "technician_achievements"
    __table_args__ = (UniqueConstraint("technician_id", "code", "period_key", name="once_per_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    technician_id: Mapped[str] = mapped_column(ForeignKey("technicians.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    period_key: Mapped[str] = mapped_column(String(10))
    earned_on: Mapped[date] = mapped_column(Date, index=True)


class Kudos(Base):
    """Recognition given to a technician by staff or a peer (seed 002 ``Kudos``)."""

    __tablename__ = "kudos"
    __table_args__ = (
        CheckConstraint(
            "category IN (" + ", ".join(f"'{c}'" for c in KUDOS_CATEGORIES) + ")", name="category"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    technician_id: Mapped[str] = mapped_column(ForeignKey("technicians.id", ondelete="CASCADE"), index=True)
    given_by: Mapped[str] = mapped_column(String(80))
    giver_technician_id: Mapped[str | None] = mapped_column(ForeignKey("technicians.id", ondelete="SET NULL"))
    category: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )


class CoachingQueueEntry(Base):
    """A technician queued for coaching on ``queue_date`` with the rules' reasons
    (``domain.analytics.coaching``)."""

    __tablename__ = "coaching_queue"

    technician_id: Mapped[str] = mapped_column(
        ForeignKey("technicians.id", ondelete="CASCADE"), primary_key=True
    )
    queue_date: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    priority: Mapped[str] = mapped_column(String(10))
    reasons: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    bpi: Mapped[Decimal | None] = mapped_column(Score)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
