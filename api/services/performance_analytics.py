"""Performance analytics service (seed 002 "API Endpoints"): dashboards, trends, achievements,
team views, coaching queue, top performers and kudos. Reads what the analytics activities
stored; never commits (the request boundary does).

Scope (``domain.access``): a technician sees only himself, a manager his team, office and admin
everyone; a technician outside the scope answers 404 like one that does not exist. 002's *site*
is a manager's team: ``site_id`` is the manager's technician id, and the team is the manager plus
the technicians he manages. A team is shown only when every member is in the caller's scope.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from api.auth import Staff
from api.errors import NotFound, Problem
from api.schemas.performance_analytics import (
    AchievementOut,
    AchievementsResponse,
    Benchmark,
    CoachingEntry,
    CoachingQueueResponse,
    Dimensions,
    KudosIn,
    KudosOut,
    MemberOut,
    Metrics,
    StreakOut,
    TeamDashboard,
    TopPerformersResponse,
    TrendPoint,
    TrendsResponse,
    WorkerDashboard,
)
from api.services.technicians import get_technician
from db.models import Technician
from db.repositories import analytics as repo
from db.repositories import technicians as technicians_repo
from domain.access import Scope
from domain.analytics import metrics as m
from domain.analytics.bpi import BPI_PERIOD_DAYS, Dimension
from domain.analytics.coaching import Ranked, top_performers
from domain.analytics.recognition import ACHIEVEMENTS, ACHIEVEMENTS_BY_CODE, streaks

#: Days of daily rows the streaks of a dashboard are counted over.
STREAK_WINDOW_DAYS = 90


def _metrics(counters: m.DailyCounters) -> Metrics:
    values = m.metric_values(counters)
    return Metrics(
        on_time_rate=values[m.Metric.ON_TIME_RATE],
        completion_rate=values[m.Metric.COMPLETION_RATE],
        first_time_fix_rate=values[m.Metric.FIRST_TIME_FIX_RATE],
        returns=counters.returns,
        emergency_sla_rate=values[m.Metric.EMERGENCY_SLA_RATE],
        customer_rating=values[m.Metric.CUSTOMER_RATING],
        certifications_current=values[m.Metric.CERTIFICATIONS_CURRENT],
        lot_walk_coverage=values[m.Metric.LOT_WALK_COVERAGE],
        utilisation=values[m.Metric.UTILISATION],
        jobs_completed=counters.jobs_completed,
        late_minutes=counters.late_minutes,
    )


def subject(session: Session, *, staff: Staff, technician_id: str | None, scope: Scope) -> Technician:
    """The technician a ``me/`` call is about: ``technician_id`` when given (within scope), else
    the key's own technician; NotFound otherwise."""
    wanted = technician_id or staff.technician_id
    if not wanted:
        raise NotFound("this API key belongs to no technician; pass technician_id")
    return get_technician(session, technician_id=wanted, scope=scope)


def dashboard(session: Session, *, staff: Staff, technician_id: str | None, scope: Scope) -> WorkerDashboard:
    """The technician's latest BPI, its dimensions and weights, the metrics of its period, his
    cohort benchmark, streaks, achievement count and kudos of the last 30 days."""
    tech = subject(session, staff=staff, technician_id=technician_id, scope=scope)
    score = repo.latest_score(session, technician_id=tech.id)
    placed = repo.latest_placement(session, technician_id=tech.id)
    cohort = None
    if placed is not None and placed.cohort_key and placed.cohort_percentile is not None:
        bench = repo.benchmark(session, day=placed.score_date, cohort_key=placed.cohort_key)
        cohort = Benchmark(
            cohort_key=placed.cohort_key,
            cohort_size=placed.cohort_size or 0,
            percentile=placed.cohort_percentile,
            benchmark_date=placed.score_date,
            p25=bench.bpi_p25 if bench else None,
            p50=bench.bpi_p50 if bench else None,
            p75=bench.bpi_p75 if bench else None,
            p90=bench.bpi_p90 if bench else None,
        )
    period = None
    if score is not None:
        counters = repo.period_counters(
            session, end_day=score.score_date, days=BPI_PERIOD_DAYS, technician_ids=[tech.id]
        ).get(tech.id)
        period = _metrics(counters) if counters else None
    last = repo.latest_metric_date(session, technician_id=tech.id)
    series = []
    if last is not None:
        rows = repo.trend(
            session, technician_id=tech.id, start=last - timedelta(days=STREAK_WINDOW_DAYS - 1), end=last
        )
        series = [(row.metric_date, repo.counters_of(row)) for row, _ in rows]
    since = datetime.now(UTC) - timedelta(days=30)
    return WorkerDashboard(
        technician_id=tech.id,
        name=tech.name,
        score_date=score.score_date if score else None,
        formula_version=score.formula_version if score else None,
        bpi=score.bpi if score else None,
        dimensions=Dimensions(**{d.value: getattr(score, d.value) for d in Dimension}) if score else None,
        weights=dict(score.weights) if score else {},
        unavailable_dimensions=[d.value for d in Dimension if score and getattr(score, d.value) is None],
        period_days=BPI_PERIOD_DAYS,
        metrics=period,
        cohort=cohort,
        streaks=[
            StreakOut(streak_type=s.kind.value, current_count=s.current, best_count=s.best)
            for s in streaks(series)
        ],
        achievements_count=len(repo.achievements(session, technician_id=tech.id)),
        kudos_received_30d=len(repo.kudos_received(session, technician_id=tech.id, since=since)),
    )


def trends(
    session: Session, *, staff: Staff, technician_id: str | None, days: int, scope: Scope
) -> TrendsResponse:
    """The technician's last ``days`` aggregated days (ending on his latest), oldest first."""
    tech = subject(session, staff=staff, technician_id=technician_id, scope=scope)
    last = repo.latest_metric_date(session, technician_id=tech.id)
    points = []
    if last is not None:
        for row, bpi in repo.trend(
            session, technician_id=tech.id, start=last - timedelta(days=days - 1), end=last
        ):
            values = m.metric_values(repo.counters_of(row))
            points.append(
                TrendPoint(
                    date=row.metric_date,
                    bpi=bpi,
                    on_time_rate=values[m.Metric.ON_TIME_RATE],
                    completion_rate=values[m.Metric.COMPLETION_RATE],
                    first_time_fix_rate=values[m.Metric.FIRST_TIME_FIX_RATE],
                    utilisation=values[m.Metric.UTILISATION],
                    jobs_completed=row.jobs_completed,
                )
            )
    return TrendsResponse(technician_id=tech.id, days=days, points=points)


def achievements(
    session: Session, *, staff: Staff, technician_id: str | None, scope: Scope
) -> AchievementsResponse:
    """The technician's achievements, newest first, and the codes that can be earned."""
    tech = subject(session, staff=staff, technician_id=technician_id, scope=scope)
    earned = []
    for row in repo.achievements(session, technician_id=tech.id):
        rule = ACHIEVEMENTS_BY_CODE.get(row.code)
        earned.append(
            AchievementOut(
                code=row.code,
                name=rule.name if rule else row.code,
                description=rule.description if rule else "",
                period_key=row.period_key,
                earned_on=row.earned_on,
            )
        )
    return AchievementsResponse(
        technician_id=tech.id, achievements=earned, available=[a.code for a in ACHIEVEMENTS]
    )


def _team(session: Session, *, site_id: str, scope: Scope) -> tuple[Technician, dict[str, Technician]]:
    """The manager and his team by id; NotFound when ``site_id`` is no manager or any member is
    outside ``scope``."""
    members = repo.team_members(session, manager_id=site_id)
    if not members or not all(scope.sees_technician(t) for t in members):
        raise NotFound(f"team {site_id} does not exist")
    found = technicians_repo.by_ids(session, technician_ids=members)
    return found[site_id], found


def _member(tech: Technician, score: object | None) -> MemberOut:
    return MemberOut(
        technician_id=tech.id,
        name=tech.name,
        bpi=getattr(score, "bpi", None),
        score_date=getattr(score, "score_date", None),
        cohort_percentile=getattr(score, "cohort_percentile", None),
    )


def team(session: Session, *, site_id: str, scope: Scope) -> TeamDashboard:
    """The team's latest day: average BPI, the BPI period's metrics and each member's score."""
    manager, members = _team(session, site_id=site_id, scope=scope)
    scores = repo.latest_scores(session, technician_ids=list(members))
    latest = max((s.score_date for s in scores.values()), default=None)
    rows = (
        repo.team_rows(
            session, team_id=site_id, start=latest - timedelta(days=BPI_PERIOD_DAYS - 1), end=latest
        )
        if latest
        else []
    )
    period = None
    if rows:
        total = m.DailyCounters()
        for row in rows:
            total = total + repo.counters_of(row)
        period = _metrics(total)
    last_row = rows[-1] if rows and rows[-1].metric_date == latest else None
    return TeamDashboard(
        site_id=site_id,
        manager_name=manager.name,
        metric_date=latest,
        technician_count=len(members),
        bpi_average=last_row.bpi_average if last_row else None,
        period_days=BPI_PERIOD_DAYS,
        metrics=period,
        members=[_member(members[t], scores.get(t)) for t in sorted(members)],
    )


def coaching_queue(session: Session, *, site_id: str, scope: Scope) -> CoachingQueueResponse:
    """The latest coaching queue's entries for the team, high priority first."""
    _, members = _team(session, site_id=site_id, scope=scope)
    return CoachingQueueResponse(
        site_id=site_id,
        items=[
            CoachingEntry(
                technician_id=e.technician_id,
                name=members[e.technician_id].name,
                queue_date=e.queue_date,
                priority=e.priority,
                reasons=list(e.reasons),
                bpi=e.bpi,
            )
            for e in repo.latest_coaching(session, technician_ids=list(members))
        ],
    )


def top(session: Session, *, site_id: str, limit: int, scope: Scope) -> TopPerformersResponse:
    """The team's ``limit`` highest latest BPIs (``domain.analytics.coaching.top_performers``)."""
    _, members = _team(session, site_id=site_id, scope=scope)
    scores = repo.latest_scores(session, technician_ids=list(members))
    ranked = top_performers([Ranked(t, float(s.bpi)) for t, s in scores.items() if s.bpi is not None], limit)
    return TopPerformersResponse(
        site_id=site_id, items=[_member(members[r.technician_id], scores[r.technician_id]) for r in ranked]
    )


def give_kudos(session: Session, *, staff: Staff, body: KudosIn) -> KudosOut:
    """Record kudos for an active technician (seed 002: peer and supervisor recognition, open to
    every staff key); NotFound for an unknown or inactive technician, 422 for kudos to oneself."""
    tech = technicians_repo.get(session, body.technician_id)
    if tech is None or not tech.is_active:
        raise NotFound(f"technician {body.technician_id} does not exist")
    if staff.technician_id == tech.id:
        raise Problem(422, "kudos go to someone else")
    row = repo.add_kudos(
        session,
        technician_id=tech.id,
        given_by=staff.actor,
        giver_technician_id=staff.technician_id,
        category=body.category,
        message=body.message,
    )
    return KudosOut.model_validate(row)
