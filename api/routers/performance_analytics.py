"""``/api/performance``: technician analytics of seed 002 (BPI dashboards, trends, achievements,
team views, coaching queue, top performers, kudos). Thin: ``api/services/performance_analytics.py``.

``me/`` routes are about the key's own technician, or ``technician_id`` within the caller's
scope (a manager's team member; anyone for office and admin). ``{site_id}`` is a manager's
technician id: 002's *site* is his team. Team routes are for office and manager keys.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from api.auth import Staff
from api.deps import AppSettings, CurrentScope, CurrentStaff, DbSession, require_roles
from api.schemas.common import IsoDate
from api.schemas.performance_analytics import (
    AchievementsResponse,
    CoachingQueueResponse,
    KudosIn,
    KudosOut,
    TeamDashboard,
    TopPerformersResponse,
    TrendsResponse,
    WorkerDashboard,
)
from api.services import performance_analytics as service
from api.services import performance_reports as reports
from api.services.performance_reports import ExportTable
from domain.schedule import local_today

router = APIRouter(prefix="/api/performance", tags=["performance analytics"])
TeamStaff = Annotated[Staff, Depends(require_roles("office", "manager"))]
TechnicianParam = Annotated[
    str | None,
    Query(max_length=20, description="another technician in your scope (default: the key's own technician)"),
]


@router.get("/me/", response_model=WorkerDashboard, summary="A technician's BPI dashboard")
def me(
    db: DbSession, staff: CurrentStaff, scope: CurrentScope, technician_id: TechnicianParam = None
) -> WorkerDashboard:
    """Latest Balanced Performance Index with its dimensions, the renormalised weights, the
    period's metrics, cohort benchmark, streaks, achievements and kudos."""
    return service.dashboard(db, staff=staff, technician_id=technician_id, scope=scope)


@router.get("/me/trends/", response_model=TrendsResponse, summary="A technician's daily trend")
def me_trends(
    db: DbSession,
    staff: CurrentStaff,
    scope: CurrentScope,
    days: Annotated[int, Query(ge=1, le=365, description="days up to the latest aggregated day")] = 90,
    technician_id: TechnicianParam = None,
) -> TrendsResponse:
    """Daily BPI and metrics, oldest first."""
    return service.trends(db, staff=staff, technician_id=technician_id, days=days, scope=scope)


@router.get("/me/achievements/", response_model=AchievementsResponse, summary="A technician's achievements")
def me_achievements(
    db: DbSession, staff: CurrentStaff, scope: CurrentScope, technician_id: TechnicianParam = None
) -> AchievementsResponse:
    """Earned achievements, newest first, and every code that can be earned."""
    return service.achievements(db, staff=staff, technician_id=technician_id, scope=scope)


@router.get("/team/{site_id}/", response_model=TeamDashboard, summary="A manager's team dashboard")
def team(site_id: str, db: DbSession, staff: TeamStaff, scope: CurrentScope) -> TeamDashboard:
    """The team's average BPI, its metrics over the BPI period and each member's latest score."""
    return service.team(db, site_id=site_id, scope=scope)


@router.get(
    "/coaching-queue/{site_id}/", response_model=CoachingQueueResponse, summary="A team's coaching queue"
)
def coaching_queue(
    site_id: str, db: DbSession, staff: TeamStaff, scope: CurrentScope
) -> CoachingQueueResponse:
    """Team members the latest coaching run queued, high priority first, with the reasons."""
    return service.coaching_queue(db, site_id=site_id, scope=scope)


@router.get(
    "/top-performers/{site_id}/", response_model=TopPerformersResponse, summary="A team's top performers"
)
def top_performers(
    site_id: str,
    db: DbSession,
    staff: TeamStaff,
    scope: CurrentScope,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> TopPerformersResponse:
    """The team's highest latest BPIs."""
    return service.top(db, site_id=site_id, limit=limit, scope=scope)


@router.post("/kudos/", response_model=KudosOut, status_code=201, summary="Give kudos to a technician")
def kudos(body: KudosIn, db: DbSession, staff: CurrentStaff) -> KudosOut:
    """Recognition in a category (teamwork, quality, initiative, safety); any staff key, not to oneself."""
    return service.give_kudos(db, staff=staff, body=body)


@router.get(
    "/me/chart.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}}},
    summary="A technician's BPI and revenue chart",
)
def me_chart(
    db: DbSession,
    staff: CurrentStaff,
    scope: CurrentScope,
    settings: AppSettings,
    days: Annotated[int, Query(ge=7, le=365, description="days up to the latest aggregated day")] = 90,
    technician_id: TechnicianParam = None,
) -> Response:
    """PNG: daily revenue of completed jobs (bars) and the BPI (line)."""
    today = local_today(datetime.now(UTC), settings.timezone)
    png = reports.chart_png(db, staff=staff, technician_id=technician_id, days=days, today=today, scope=scope)
    return Response(png, media_type="image/png")


@router.get(
    "/export/{table}.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    summary="CSV export of an analytics table",
)
def export(
    table: ExportTable,
    db: DbSession,
    staff: TeamStaff,
    scope: CurrentScope,
    settings: AppSettings,
    start: Annotated[
        IsoDate | None, Query(description="first day, YYYY-MM-DD (default: 30 days before end)")
    ] = None,
    end: Annotated[IsoDate | None, Query(description="last day, YYYY-MM-DD (default: today)")] = None,
) -> Response:
    """The table's rows dated start..end (at most 366 days); a manager gets his team's rows."""
    last = end or local_today(datetime.now(UTC), settings.timezone)
    first = start or last - timedelta(days=29)
    body = reports.export_csv(db, table=table.value, start=first, end=last, scope=scope)
    return Response(
        body,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{table.value}_{first}_{last}.csv"'},
    )
