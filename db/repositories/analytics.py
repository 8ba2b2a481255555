"""Technician analytics tables (seed 002): the day's aggregation in plain SQL, and the reads and
writes of scores, benchmarks, achievements, kudos and the coaching queue; never commit.

The aggregation counts exactly what ``domain/analytics/metrics.py`` defines, set-based: one
``INSERT … SELECT`` over every technician for the technician table and one for the team table.
Each first deletes the day's rows in the same transaction, so re-running a day replaces them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from db.models import (
    CoachingQueueEntry,
    CohortBenchmark,
    Kudos,
    TeamDailyMetrics,
    Technician,
    TechnicianAchievement,
    TechnicianBpiScore,
    TechnicianDailyMetrics,
    TechnicianSkill,
    WorkOrder,
    technician_managed,
)
from db.models.analytics import COUNTER_COLUMNS
from domain.analytics.metrics import (
    EMERGENCY_SLA_MINUTES,
    NOT_WORK_STATUSES,
    RETURN_WINDOW_DAYS,
    DailyCounters,
)

_COLUMNS = ", ".join(COUNTER_COLUMNS)

#: One row per technician who is active or has live work that day (metrics.py for each counter).
TECHNICIAN_DAY_SQL = f"""
INSERT INTO technician_daily_metrics (technician_id, metric_date, {_COLUMNS})
SELECT t.id, CAST(:day AS date),
       coalesce(j.jobs_scheduled, 0), coalesce(j.jobs_completed, 0), coalesce(j.jobs_with_window, 0),
       coalesce(j.on_time_arrivals, 0), coalesce(j.late_minutes, 0), coalesce(j.returns, 0),
       coalesce(j.emergencies, 0), coalesce(j.emergency_sla_hits, 0), coalesce(j.booked_minutes, 0),
       coalesce(CAST(extract(epoch FROM
           CAST(t.working_hours -> to_char(CAST(:day AS date), 'dy') ->> 1 AS time)
         - CAST(t.working_hours -> to_char(CAST(:day AS date), 'dy') ->> 0 AS time)) / 60 AS integer), 0),
       coalesce(s.held, 0), coalesce(s.current, 0)
FROM technicians t
LEFT JOIN (
    SELECT technician_id,
           count(*) AS jobs_scheduled,
           count(*) FILTER (WHERE completed) AS jobs_completed,
           count(*) FILTER (WHERE windowed) AS jobs_with_window,
           count(*) FILTER (WHERE windowed AND actual_start_time <= service_window_end) AS on_time_arrivals,
           coalesce(sum(ceil(extract(epoch FROM actual_start_time - service_window_end) / 60))
                    FILTER (WHERE windowed AND actual_start_time > service_window_end), 0) AS late_minutes,
           count(*) FILTER (WHERE completed AND is_return) AS returns,
           count(*) FILTER (WHERE emergency) AS emergencies,
           count(*) FILTER (WHERE emergency
                            AND actual_start_time <= created_at + make_interval(mins => :sla)) AS emergency_sla_hits,
           sum(booked) AS booked_minutes
    FROM (
        SELECT wo.technician_id, wo.actual_start_time, wo.service_window_end, wo.created_at,
               wo.status = 'completed' AS completed,
               (wo.actual_start_time IS NOT NULL AND wo.service_window_end IS NOT NULL) AS windowed,
               (wo.status = 'completed' AND (wo.priority = 'emergency' OR wo.job_type = 'emergency')
                AND wo.actual_start_time >= wo.created_at) AS emergency,
               coalesce(wo.total_labor_minutes, c.duration_minutes) AS booked,
               EXISTS (SELECT 1 FROM work_orders e
                       WHERE e.technician_id = wo.technician_id AND e.customer_id = wo.customer_id
                         AND e.status = 'completed' AND e.id <> wo.id
                         AND wo.scheduled_date - e.scheduled_date BETWEEN 1 AND :return_days) AS is_return
        FROM work_orders wo
        JOIN service_catalog c ON c.code = wo.job_type
        WHERE wo.scheduled_date = CAST(:day AS date) AND wo.technician_id IS NOT NULL
          AND wo.status NOT IN :not_work
    ) jobs
    GROUP BY technician_id
) j ON j.technician_id = t.id
LEFT JOIN (
    SELECT technician_id, count(*) AS held,
           count(*) FILTER (WHERE verified AND (expires_at IS NULL OR expires_at >= CAST(:day AS date))) AS current
    FROM technician_skills GROUP BY technician_id
) s ON s.technician_id = t.id
WHERE t.is_active OR j.technician_id IS NOT NULL
"""  # noqa: S608 - only the module's own column names are formatted in

#: One row per manager: his team is himself plus the technicians he manages.
TEAM_DAY_SQL = f"""
INSERT INTO team_daily_metrics (team_id, metric_date, technicians, bpi_average, {_COLUMNS})
SELECT m.team_id, CAST(:day AS date), count(*), round(avg(b.bpi), 2),
       {", ".join(f"sum(d.{c})" for c in COUNTER_COLUMNS)}
FROM (
    SELECT id AS team_id, id AS technician_id FROM technicians WHERE is_manager
    UNION
    SELECT manager_id, technician_id FROM technician_managed_technicians
) m
JOIN technician_daily_metrics d ON d.technician_id = m.technician_id AND d.metric_date = CAST(:day AS date)
LEFT JOIN technician_bpi_scores b ON b.technician_id = m.technician_id AND b.score_date = CAST(:day AS date)
GROUP BY m.team_id
"""  # noqa: S608 - only the module's own column names are formatted in


def aggregate_technician_day(session: Session, *, day: date) -> int:
    """Replace ``day``'s ``technician_daily_metrics``; returns the number of rows written."""
    session.execute(delete(TechnicianDailyMetrics).where(TechnicianDailyMetrics.metric_date == day))
    result = session.execute(
        text(TECHNICIAN_DAY_SQL).bindparams(
            day=day, sla=EMERGENCY_SLA_MINUTES, return_days=RETURN_WINDOW_DAYS, not_work=NOT_WORK_STATUSES
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def days_never_aggregated(session: Session, *, start: date, end: date) -> list[date]:
    """Days from ``start`` to ``end`` with no ``technician_daily_metrics`` row at all, oldest first."""
    stmt = text(
        "SELECT CAST(d AS date) AS day FROM generate_series(CAST(:start AS date), CAST(:end AS date), "
        "interval '1 day') AS d WHERE NOT EXISTS (SELECT 1 FROM technician_daily_metrics m "
        "WHERE m.metric_date = CAST(d AS date)) ORDER BY 1"
    )
    return list(session.scalars(stmt, {"start": start, "end": end}))


def aggregate_team_day(session: Session, *, day: date) -> int:
    """Replace ``day``'s ``team_daily_metrics`` from the technicians' rows and BPI scores of
    ``day`` (run it after both); returns the number of team rows written."""
    session.execute(delete(TeamDailyMetrics).where(TeamDailyMetrics.metric_date == day))
    result = session.execute(text(TEAM_DAY_SQL), {"day": day})
    return int(result.rowcount)  # type: ignore[attr-defined]


def _counters(row: object) -> DailyCounters:
    return DailyCounters(**{c: int(getattr(row, c)) for c in COUNTER_COLUMNS})


def period_counters(
    session: Session, *, end_day: date, days: int, technician_ids: Iterable[str] | None = None
) -> dict[str, DailyCounters]:
    """Per technician with a row on ``end_day``: his counters summed over the ``days`` days
    ending on ``end_day`` (certifications: ``end_day``'s)."""
    m = TechnicianDailyMetrics
    start = end_day - timedelta(days=days - 1)
    sums = [func.sum(getattr(m, c)).label(c) for c in COUNTER_COLUMNS if not c.startswith("certifications_")]
    last = select(m.technician_id, m.certifications_held, m.certifications_current).where(
        m.metric_date == end_day
    )
    if technician_ids is not None:
        last = last.where(m.technician_id.in_(list(technician_ids)))
    last_sq = last.subquery()
    stmt = (
        select(
            m.technician_id,
            *sums,
            func.max(last_sq.c.certifications_held).label("certifications_held"),
            func.max(last_sq.c.certifications_current).label("certifications_current"),
        )
        .join(last_sq, last_sq.c.technician_id == m.technician_id)
        .where(m.metric_date.between(start, end_day))
        .group_by(m.technician_id)
    )
    return {row.technician_id: _counters(row) for row in session.execute(stmt)}


def daily_series(
    session: Session, *, technician_ids: Iterable[str], start: date, end: date
) -> dict[str, list[tuple[date, DailyCounters]]]:
    """Each technician's daily counters from ``start`` to ``end`` (inclusive), oldest first."""
    m = TechnicianDailyMetrics
    out: dict[str, list[tuple[date, DailyCounters]]] = {}
    stmt = (
        select(m)
        .where(m.technician_id.in_(list(technician_ids)), m.metric_date.between(start, end))
        .order_by(m.technician_id, m.metric_date)
    )
    for row in session.scalars(stmt):
        out.setdefault(row.technician_id, []).append((row.metric_date, _counters(row)))
    return out


def replace_bpi_scores(session: Session, *, day: date, rows: Sequence[dict]) -> None:
    """Replace ``day``'s BPI scores with ``rows`` (``TechnicianBpiScore`` column dicts)."""
    session.execute(delete(TechnicianBpiScore).where(TechnicianBpiScore.score_date == day))
    if rows:
        session.execute(insert(TechnicianBpiScore), [{**r, "score_date": day} for r in rows])


def bpi_on(session: Session, *, day: date) -> dict[str, Decimal | None]:
    """Every technician's BPI stored for ``day``."""
    stmt = select(TechnicianBpiScore.technician_id, TechnicianBpiScore.bpi).where(
        TechnicianBpiScore.score_date == day
    )
    return {tech: bpi for tech, bpi in session.execute(stmt)}


def kudos_counts(session: Session, *, start: datetime, end: datetime, given: bool) -> dict[str, int]:
    """Kudos per technician created in [``start``, ``end``): received, or given when ``given``."""
    who = Kudos.giver_technician_id if given else Kudos.technician_id
    stmt = (
        select(who, func.count())
        .where(Kudos.created_at >= start, Kudos.created_at < end, who.is_not(None))
        .group_by(who)
    )
    return {tech: n for tech, n in session.execute(stmt)}


def replace_achievements(session: Session, *, day: date, earned: Sequence[tuple[str, str, str]]) -> None:
    """Replace the achievements earned on ``day`` with ``earned`` (technician id, code, period key)."""
    session.execute(delete(TechnicianAchievement).where(TechnicianAchievement.earned_on == day))
    if earned:
        session.execute(
            insert(TechnicianAchievement),
            [{"technician_id": t, "code": c, "period_key": k, "earned_on": day} for t, c, k in earned],
        )


@dataclass(frozen=True, slots=True)
class CohortRow:
    """A technician scored on a day, with what places him in a cohort."""

    technician_id: str
    bpi: Decimal
    skills: frozenset[str]
    home_zip: str | None
    since: date


def cohort_rows(session: Session, *, day: date) -> list[CohortRow]:
    """Technicians with a BPI on ``day``, their skill types, home ZIP and record creation date."""
    stmt = (
        select(
            Technician.id,
            TechnicianBpiScore.bpi,
            Technician.home_zip,
            Technician.created_at,
            func.array_remove(func.array_agg(TechnicianSkill.skill_type), None),
        )
        .join(TechnicianBpiScore, TechnicianBpiScore.technician_id == Technician.id)
        .outerjoin(TechnicianSkill, TechnicianSkill.technician_id == Technician.id)
        .where(TechnicianBpiScore.score_date == day, TechnicianBpiScore.bpi.is_not(None))
        .group_by(Technician.id, TechnicianBpiScore.bpi)
    )
    return [
        CohortRow(tech, bpi, frozenset(skills), zip_code, created.date())
        for tech, bpi, zip_code, created, skills in session.execute(stmt)
    ]


def store_cohorts(
    session: Session,
    *,
    day: date,
    formula_version: str,
    placements: Sequence[tuple[str, str, int, float]],
    benchmarks: Sequence[dict],
) -> None:
    """Write each placement (technician, cohort key, size, percentile) onto his ``day`` score and
    replace ``day``'s cohort benchmarks (column dicts)."""
    s = TechnicianBpiScore
    session.execute(
        update(s).where(s.score_date == day).values(cohort_key=None, cohort_size=None, cohort_percentile=None)
    )
    for tech, key, size, percentile in placements:
        session.execute(
            update(s)
            .where(s.score_date == day, s.technician_id == tech)
            .values(cohort_key=key, cohort_size=size, cohort_percentile=Decimal(str(percentile)))
        )
    session.execute(delete(CohortBenchmark).where(CohortBenchmark.benchmark_date == day))
    if benchmarks:
        session.execute(
            insert(CohortBenchmark),
            [{**b, "benchmark_date": day, "formula_version": formula_version} for b in benchmarks],
        )


def latest_score_date(session: Session, *, on_or_before: date) -> date | None:
    """The latest day with BPI scores on or before ``on_or_before``."""
    return session.scalar(
        select(func.max(TechnicianBpiScore.score_date)).where(TechnicianBpiScore.score_date <= on_or_before)
    )


def replace_coaching_queue(session: Session, *, day: date, rows: Sequence[dict]) -> None:
    """Replace ``day``'s coaching queue with ``rows`` (``CoachingQueueEntry`` column dicts)."""
    session.execute(delete(CoachingQueueEntry).where(CoachingQueueEntry.queue_date == day))
    if rows:
        session.execute(insert(CoachingQueueEntry), [{**r, "queue_date": day} for r in rows])


def team_members(session: Session, *, manager_id: str) -> list[str]:
    """The manager and the technicians he manages, by id (empty if he is not a manager)."""
    manager = session.get(Technician, manager_id)
    if manager is None or not manager.is_manager:
        return []
    managed = session.scalars(
        select(technician_managed.c.technician_id).where(technician_managed.c.manager_id == manager_id)
    )
    return sorted({manager_id, *managed})


# ---- reads for the performance API ---------------------------------------------------------


def latest_score(session: Session, *, technician_id: str) -> TechnicianBpiScore | None:
    """The technician's most recent BPI score, or None."""
    return session.scalars(
        select(TechnicianBpiScore)
        .where(TechnicianBpiScore.technician_id == technician_id)
        .order_by(TechnicianBpiScore.score_date.desc())
        .limit(1)
    ).first()


def latest_placement(session: Session, *, technician_id: str) -> TechnicianBpiScore | None:
    """The technician's most recent score that carries a cohort placement, or None."""
    return session.scalars(
        select(TechnicianBpiScore)
        .where(TechnicianBpiScore.technician_id == technician_id, TechnicianBpiScore.cohort_key.is_not(None))
        .order_by(TechnicianBpiScore.score_date.desc())
        .limit(1)
    ).first()


def benchmark(session: Session, *, day: date, cohort_key: str) -> CohortBenchmark | None:
    """The cohort's benchmark of ``day``, or None."""
    return session.get(CohortBenchmark, (day, cohort_key))


def trend(
    session: Session, *, technician_id: str, start: date, end: date
) -> list[tuple[TechnicianDailyMetrics, Decimal | None]]:
    """The technician's daily rows from ``start`` to ``end``, oldest first, each with that day's BPI."""
    m, s = TechnicianDailyMetrics, TechnicianBpiScore
    stmt = (
        select(m, s.bpi)
        .outerjoin(s, (s.technician_id == m.technician_id) & (s.score_date == m.metric_date))
        .where(m.technician_id == technician_id, m.metric_date.between(start, end))
        .order_by(m.metric_date)
    )
    return [(row, bpi) for row, bpi in session.execute(stmt)]


def latest_metric_date(session: Session, *, technician_id: str) -> date | None:
    """The last day aggregated for the technician, or None."""
    return session.scalar(
        select(func.max(TechnicianDailyMetrics.metric_date)).where(
            TechnicianDailyMetrics.technician_id == technician_id
        )
    )


def achievements(session: Session, *, technician_id: str) -> list[TechnicianAchievement]:
    """The technician's achievements, newest first."""
    return list(
        session.scalars(
            select(TechnicianAchievement)
            .where(TechnicianAchievement.technician_id == technician_id)
            .order_by(TechnicianAchievement.earned_on.desc(), TechnicianAchievement.code)
        )
    )


def kudos_received(session: Session, *, technician_id: str, since: datetime) -> list[Kudos]:
    """Kudos the technician received since ``since``, newest first."""
    return list(
        session.scalars(
            select(Kudos)
            .where(Kudos.technician_id == technician_id, Kudos.created_at >= since)
            .order_by(Kudos.created_at.desc(), Kudos.id.desc())
        )
    )


def add_kudos(
    session: Session,
    *,
    technician_id: str,
    given_by: str,
    giver_technician_id: str | None,
    category: str,
    message: str,
) -> Kudos:
    """Insert a kudos row and flush (its id and created_at are set)."""
    row = Kudos(
        technician_id=technician_id,
        given_by=given_by,
        giver_technician_id=giver_technician_id,
        category=category,
        message=message,
    )
    session.add(row)
    session.flush()
    session.refresh(row)
    return row


def latest_scores(session: Session, *, technician_ids: Sequence[str]) -> dict[str, TechnicianBpiScore]:
    """Each technician's most recent BPI score (absent when he has none)."""
    s = TechnicianBpiScore
    newest = (
        select(s.technician_id, func.max(s.score_date).label("day"))
        .where(s.technician_id.in_(list(technician_ids)))
        .group_by(s.technician_id)
        .subquery()
    )
    stmt = select(s).join(
        newest, (newest.c.technician_id == s.technician_id) & (newest.c.day == s.score_date)
    )
    return {row.technician_id: row for row in session.scalars(stmt)}


def latest_coaching(session: Session, *, technician_ids: Sequence[str]) -> list[CoachingQueueEntry]:
    """The most recent coaching queue's entries for ``technician_ids``, high priority first."""
    q = CoachingQueueEntry
    day = session.scalar(select(func.max(q.queue_date)))
    if day is None:
        return []
    stmt = (
        select(q)
        .where(q.queue_date == day, q.technician_id.in_(list(technician_ids)))
        .order_by((q.priority == "high").desc(), q.bpi.asc().nulls_last(), q.technician_id)
    )
    return list(session.scalars(stmt))


def team_rows(session: Session, *, team_id: str, start: date, end: date) -> list[TeamDailyMetrics]:
    """The team's daily rows from ``start`` to ``end``, oldest first."""
    t = TeamDailyMetrics
    return list(
        session.scalars(
            select(t).where(t.team_id == team_id, t.metric_date.between(start, end)).order_by(t.metric_date)
        )
    )


def counters_of(row: TechnicianDailyMetrics | TeamDailyMetrics) -> DailyCounters:
    """A stored row's counters."""
    return _counters(row)


#: Tables the CSV export offers: model, its date column, the column naming its technician (None:
#: company-wide aggregates; a team's ``team_id`` is its manager's technician id).
EXPORTS = {
    "technician_daily_metrics": (TechnicianDailyMetrics, "metric_date", "technician_id"),
    "team_daily_metrics": (TeamDailyMetrics, "metric_date", "team_id"),
    "technician_bpi_scores": (TechnicianBpiScore, "score_date", "technician_id"),
    "cohort_benchmarks": (CohortBenchmark, "benchmark_date", None),
    "technician_achievements": (TechnicianAchievement, "earned_on", "technician_id"),
    "coaching_queue": (CoachingQueueEntry, "queue_date", "technician_id"),
    "kudos": (Kudos, "created_at", "technician_id"),
}


def export_rows(
    session: Session, *, table: str, start: date, end: date, technician_ids: frozenset[str] | None
) -> tuple[list[str], list[tuple]]:
    """Column names and rows of ``table`` (a key of :data:`EXPORTS`) dated ``start``..``end``
    (``kudos``: created on those UTC dates), limited to ``technician_ids`` unless None, ordered
    by date and technician. Raises KeyError for an unknown table."""
    model, date_column, who = EXPORTS[table]
    columns = list(model.__table__.columns)
    day = getattr(model, date_column)
    if table == "kudos":
        day = func.date(func.timezone("UTC", day))
    stmt = select(*columns).where(day.between(start, end))
    if technician_ids is not None and who is not None:
        stmt = stmt.where(getattr(model, who).in_(sorted(technician_ids)))
    order = [day] + ([getattr(model, who)] if who else []) + list(model.__table__.primary_key.columns)
    return [c.name for c in columns], [tuple(r) for r in session.execute(stmt.order_by(*order))]


def daily_revenue(session: Session, *, technician_id: str, start: date, end: date) -> dict[date, Decimal]:
    """USD of the technician's completed jobs per scheduled date from ``start`` to ``end``
    (days without completed jobs are absent)."""
    stmt = (
        select(WorkOrder.scheduled_date, func.sum(WorkOrder.total_amount))
        .where(
            WorkOrder.technician_id == technician_id,
            WorkOrder.status == "completed",
            WorkOrder.scheduled_date.between(start, end),
        )
        .group_by(WorkOrder.scheduled_date)
    )
    return {day: total or Decimal("0") for day, total in session.execute(stmt)}
