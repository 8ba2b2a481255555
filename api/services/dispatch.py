"""Dispatcher requests: the day's plan in the caller's scope, re-plan now, pin and unpin a repair.

A re-plan starts ``dispatch-{date}`` (or joins the run already re-planning that day, so a
repeated request never runs two solves of one day at once). Pins are the dispatcher's manual
override (seed 001 Phase 6.2): the technician, and optionally the start, the optimizer may not
change; each pin or unpin starts the re-plan that applies it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.service import RPCError

from api.auth import Staff
from api.errors import Conflict, Problem
from api.schemas.dispatch import DayPlanOut, PinBody, PinOut, ReplanOut, SlotOut
from api.services.repair_actions import check_assignment, get_work_order
from config import Settings
from db.repositories import audit, catalog, dispatch, technicians
from domain.access import Scope
from domain.contracts.dispatch import (
    DISPATCH_WORKFLOW,
    DispatchInput,
    RoutePlan,
    StopPlan,
    UnassignedJob,
    dispatch_workflow_id,
)
from domain.ids import TASK_QUEUE
from domain.routing import HaversineTravel
from domain.routing.day import JobRecord
from domain.routing.slots import bookable_windows
from domain.schedule import local_today
from domain.work_status import WorkStatus

KM_PER_MILE = 1.609344
#: how far ahead a day may be dispatched (days after today in the company zone)
HORIZON_DAYS = 60
PINNABLE = (WorkStatus.AWAITING_ASSIGNMENT, WorkStatus.ASSIGNED)


def day_plan(session: Session, *, day: date, scope: Scope) -> DayPlanOut:
    """The newest plan of ``day``: routes of the technicians ``scope`` sees; unassigned jobs for
    scopes with the open queue (office, admin, managers); an empty plan when none exists."""
    plan = dispatch.current_plan(session, day=day)
    if plan is None:
        return DayPlanOut(service_date=day)
    routes = [
        RoutePlan(
            technician_id=r.technician_id,
            departure=r.departure,
            return_time=r.return_time,
            travel_minutes=float(r.total_time_minutes),
            travel_km=round(float(r.total_distance_miles) * KM_PER_MILE, 3),
            stops=[StopPlan.model_validate(w) for w in r.waypoints],
        )
        for r in plan.routes
        if scope.sees_technician(r.technician_id)
    ]
    unassigned = (
        [UnassignedJob.model_validate(u) for u in plan.unassigned]
        if scope.everything or scope.open_queue
        else []
    )
    return DayPlanOut(
        service_date=day,
        plan_id=plan.id,
        planned_at=plan.created_at,
        status=plan.status,
        total_travel_minutes=round(sum(r.travel_minutes for r in routes), 2),
        routes=routes,
        unassigned=unassigned,
    )


def can_dispatch(day: date, settings: Settings) -> bool:
    """Whether ``day`` lies from today to ``HORIZON_DAYS`` ahead (company zone): a past day is
    never re-planned (its unstarted jobs come back in today's plan as overdue)."""
    today = local_today(datetime.now(UTC), settings.timezone)
    return today <= day <= today + timedelta(days=HORIZON_DAYS)


def check_day(day: date, settings: Settings) -> None:
    """A day may be re-planned from today to ``HORIZON_DAYS`` ahead; Problem 422 otherwise."""
    today = local_today(datetime.now(UTC), settings.timezone)
    if not can_dispatch(day, settings):
        raise Problem(
            422,
            f"only days from {today} to {today + timedelta(days=HORIZON_DAYS)} can be dispatched",
        )


async def replan(client: Client, *, day: date, staff: Staff, settings: Settings) -> ReplanOut:
    """Start ``dispatch-{day}``, or join the run already re-planning it; Problem 503 when Temporal
    cannot be reached."""
    check_day(day, settings)
    workflow_id = dispatch_workflow_id(day)
    try:
        handle = await client.start_workflow(
            DISPATCH_WORKFLOW,
            DispatchInput(service_date=day, timezone=settings.timezone, requested_by=staff.actor),
            id=workflow_id,
            task_queue=TASK_QUEUE,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            static_summary=f"Dispatch {day} (requested by {staff.actor})",
        )
    except RPCError as err:
        raise Problem(503, f"could not start the dispatch of {day}: {err.message}") from err
    return ReplanOut(service_date=day, workflow_id=workflow_id, run_id=handle.result_run_id)


def _pinnable(session: Session, *, work_order_id: str, staff: Staff, scope: Scope, technician_id: str | None):
    wo = get_work_order(session, work_order_id=work_order_id, scope=scope)
    check_assignment(session, staff=staff, scope=scope, technician_id=technician_id)
    if wo.status not in PINNABLE:
        raise Conflict(
            f"repair {wo.id} is {wo.status}; only repairs not yet started can be pinned or unpinned"
        )
    return wo


def pin(
    session: Session, *, work_order_id: str, body: PinBody, staff: Staff, scope: Scope, settings: Settings
) -> tuple[PinOut, date]:
    """Record the pin (the repair moves to the start's day when a start is given) and return it
    with the day to re-plan. Raises NotFound (outside scope), Problem 403 (manager rules),
    Conflict (started or ended), Problem 422 (unknown or inactive technician, missing skill,
    day out of range)."""
    wo = _pinnable(
        session, work_order_id=work_order_id, staff=staff, scope=scope, technician_id=body.technician_id
    )
    tech = technicians.get(session, body.technician_id)
    if tech is None or not tech.is_active:
        raise Problem(422, f"technician {body.technician_id} does not exist or is inactive")
    entry = catalog.get(session, wo.job_type)
    skills = {s.skill_type for s in tech.skills}
    if entry is not None and entry.required_skill not in skills:
        raise Problem(422, f"technician {tech.id} lacks the skill '{entry.required_skill}' this job needs")
    day = wo.scheduled_date
    if body.start is not None:
        day = body.start.astimezone(ZoneInfo(settings.timezone)).date()
    check_day(day, settings)
    wo.pinned_technician_id = tech.id
    wo.pinned_start = body.start.astimezone(UTC) if body.start is not None else None
    wo.pinned_by = staff.actor
    wo.scheduled_date = day
    audit.record(
        session,
        actor=staff.actor,
        action="pinned",
        entity_id=wo.id,
        details={"technician_id": tech.id, "start": wo.pinned_start.isoformat() if wo.pinned_start else None},
    )
    return PinOut(work_order_id=wo.id, pinned_technician_id=tech.id, pinned_start=wo.pinned_start), day


def unpin(session: Session, *, work_order_id: str, staff: Staff, scope: Scope) -> tuple[PinOut, date]:
    """Remove the pin (a no-op without one) and return the day to re-plan; same refusals as :func:`pin`."""
    wo = _pinnable(session, work_order_id=work_order_id, staff=staff, scope=scope, technician_id=None)
    if wo.pinned_technician_id is not None:
        audit.record(session, actor=staff.actor, action="unpinned", entity_id=wo.id, details={})
    wo.pinned_technician_id = wo.pinned_start = wo.pinned_by = None
    return PinOut(work_order_id=wo.id, pinned_technician_id=None, pinned_start=None), wo.scheduled_date


def slots(
    session: Session, *, job_type: str, lat: float, lon: float, days: int, settings: Settings
) -> list[SlotOut]:
    """Bookable windows from today for ``days`` days (``domain.routing.slots``), drive times by
    the haversine estimate of the settings. Problem 422 for an unknown or inactive job type."""
    entry = catalog.get(session, job_type)
    if entry is None or not entry.is_active:
        raise Problem(422, f"unknown or inactive job type {job_type!r}")
    now = datetime.now(UTC)
    today = local_today(now, settings.timezone)
    travel = HaversineTravel(road_factor=settings.road_factor, speed_kmh=settings.average_speed_kmh)
    candidate = JobRecord(
        job_id="candidate",
        location=(lat, lon),
        service_minutes=entry.duration_minutes,
        required_skills=frozenset({entry.required_skill}),
    )
    out: list[SlotOut] = []
    for offset in range(days):
        day = today + timedelta(days=offset)
        records = dispatch.day_records(session, day=day, tz_name=settings.timezone, overdue=offset == 0)
        for s in bookable_windows(
            day, settings.timezone, records.technicians, records.jobs, candidate, travel, now=now
        ):
            out.append(
                SlotOut(
                    date=s.day,
                    window=s.window,
                    window_start=s.window_start,
                    window_end=s.window_end,
                    planned_start=s.planned_start,
                    technicians=s.technicians,
                    added_travel_minutes=s.added_travel_minutes,
                )
            )
    return out
