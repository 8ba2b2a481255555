"""``/api/v1/dispatch``: a day's routes with explanations, re-plan now; pin and unpin a repair."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import AppSettings, CurrentScope, CurrentStaff, DbSession, OfficeStaff, TemporalClient
from api.schemas.common import IsoDate
from api.schemas.dispatch import DayPlanOut, PinBody, PinOut, ReplanOut, SlotOut
from api.services import dispatch as service
from api.services.repair_actions import check_assignment

router = APIRouter(tags=["dispatch"])


@router.get("/api/v1/dispatch/{service_date}", response_model=DayPlanOut, summary="A day's dispatch plan")
def get_day_plan(
    service_date: IsoDate, db: DbSession, staff: CurrentStaff, scope: CurrentScope
) -> DayPlanOut:
    """Per technician: ordered stops with arrival and start times, drive minutes and km, and why
    each job went to him (added travel, runner-up and why it lost); the unassigned jobs with their
    reasons. Office and admin see every route, a manager his team's (and the open queue), a
    technician only his own."""
    return service.day_plan(db, day=service_date, scope=scope)


@router.post(
    "/api/v1/dispatch/{service_date}/replan",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ReplanOut,
    summary="Re-plan a day now",
)
async def replan_day(
    service_date: IsoDate,
    db: DbSession,
    client: TemporalClient,
    settings: AppSettings,
    staff: OfficeStaff,
    scope: CurrentScope,
) -> ReplanOut:
    """Start the day's DispatchWorkflow (``dispatch-{date}``), or join the one already running:
    repeating the request never starts a second solve. A manager needs ``can_assign_work``."""
    check_assignment(db, staff=staff, scope=scope, technician_id=None)
    return await service.replan(client, day=service_date, staff=staff, settings=settings)


@router.post("/api/v1/repairs/{work_order_id}/pin", response_model=PinOut, summary="Pin a repair")
async def pin_repair(
    work_order_id: str,
    body: PinBody,
    db: DbSession,
    client: TemporalClient,
    settings: AppSettings,
    staff: OfficeStaff,
    scope: CurrentScope,
) -> PinOut:
    """Manual override: the repair goes to ``technician_id`` (at ``start`` when given) and the
    optimizer never moves it; starts the re-plan of its day that applies it. A manager pins only
    with ``can_assign_work`` and only to his team."""
    out, day = service.pin(
        db, work_order_id=work_order_id, body=body, staff=staff, scope=scope, settings=settings
    )
    db.commit()  # the pin is stored before the re-plan reads the day
    out.replan = await service.replan(client, day=day, staff=staff, settings=settings)
    return out


@router.post("/api/v1/repairs/{work_order_id}/unpin", response_model=PinOut, summary="Unpin a repair")
async def unpin_repair(
    work_order_id: str,
    db: DbSession,
    client: TemporalClient,
    settings: AppSettings,
    staff: OfficeStaff,
    scope: CurrentScope,
) -> PinOut:
    """Remove the manual override; starts the re-plan of the repair's day when that day can
    still be dispatched."""
    out, day = service.unpin(db, work_order_id=work_order_id, staff=staff, scope=scope)
    db.commit()
    if service.can_dispatch(day, settings):
        out.replan = await service.replan(client, day=day, staff=staff, settings=settings)
    return out


@router.get("/api/v1/slots", response_model=list[SlotOut], summary="Bookable service windows")
def bookable_slots(
    db: DbSession,
    staff: CurrentStaff,
    settings: AppSettings,
    job_type: Annotated[str, Query(min_length=1, max_length=40, description="catalog code")],
    lat: Annotated[float, Query(ge=-90, le=90, description="site latitude (WGS84 degrees)")],
    lon: Annotated[float, Query(ge=-180, le=180, description="site longitude (WGS84 degrees)")],
    days: Annotated[int, Query(ge=1, le=14, description="days from today")] = 7,
) -> list[SlotOut]:
    """The morning and afternoon windows, from today, in which a job of ``job_type`` at
    (``lat``, ``lon``) fits the current routes: its cheapest feasible insertion keeps every
    booked job's window, the technicians' shifts, breaks and skills. Nothing is booked."""
    return service.slots(db, job_type=job_type, lat=lat, lon=lon, days=days, settings=settings)
