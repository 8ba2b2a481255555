"""Live tracking requests (seed 003 Priority 1; issue 7): technicians' positions with geofence
arrival, and "on my way" with the customer's ETA message and, when late, the re-plan of the day.

Rules are :mod:`domain.tracking`'s. A technician (or manager) key posts only its own position;
office and admin keys may post any technician's (a telematics import). The arrival is stored on
the work order with the position, in one transaction, and then signalled to the repair's
workflow; a workflow that cannot be reached keeps the stored arrival (the answer says so).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session
from temporalio.client import Client
from temporalio.service import RPCError

from api.auth import Staff
from api.errors import Conflict, NotFound, Problem
from api.schemas.tracking import LocationBody, LocationOut, OnMyWayBody, OnMyWayOut
from api.services import dispatch as dispatch_service
from api.services import repair_live
from api.services.repair_actions import get_work_order, technician_for
from config import Settings
from db.repositories import audit, customers, technicians, tracking
from db.repositories import work_orders as repo
from domain.access import Scope
from domain.contracts.tracking import ARRIVED_SIGNAL, ON_MY_WAY_UPDATE, ArrivalSignal, OnMyWayRequest
from domain.routing import HaversineTravel
from domain.schedule import local_today
from domain.tracking import arrived_at, estimated_arrival, is_late
from domain.work_status import WorkStatus

log = logging.getLogger(__name__)
#: how far a fix's time may be ahead of the server's clock, and how old it may be
FUTURE_SKEW = timedelta(minutes=5)
MAX_AGE = timedelta(hours=24)


def record_location(
    session: Session, *, technician_id: str, body: LocationBody, staff: Staff, settings: Settings
) -> tuple[LocationOut, str | None]:
    """Store the position; mark the job whose site it lies in (geofence) arrived. Returns the
    answer and the workflow id to signal (None when nothing arrived). Raises Problem 403 for a
    technician or manager key posting another technician's position, NotFound for an unknown
    technician, Problem 422 for a fix too far in the future or the past."""
    if staff.role in ("technician", "manager") and staff.technician_id != technician_id:
        raise Problem(403, "a technician key posts only its own technician's location")
    if technicians.get(session, technician_id) is None:
        raise NotFound(f"technician {technician_id} does not exist")
    now = datetime.now(UTC)
    recorded = (body.recorded_at or now).astimezone(UTC)
    if recorded > now + FUTURE_SKEW or recorded < now - MAX_AGE:
        raise Problem(422, "recorded_at must lie within the last 24 hours (and not in the future)")
    row = tracking.add_location(
        session,
        technician_id=technician_id,
        latitude=body.latitude,
        longitude=body.longitude,
        accuracy_meters=body.accuracy_meters,
        recorded_at=recorded,
    )
    day = local_today(recorded, settings.timezone)
    site = arrived_at(
        body.latitude,
        body.longitude,
        body.accuracy_meters,
        tracking.arrival_sites(session, technician_id=technician_id, day=day),
        settings.geofence_radius_meters,
    )
    workflow_id = None
    if site is not None:
        wo = repo.get(session, site.work_order_id, lock=True)
        if wo is not None and wo.arrived_at is None:
            wo.arrived_at = recorded
            workflow_id = wo.workflow_id
            audit.record(
                session,
                actor=staff.actor,
                action="arrived",
                entity_id=wo.id,
                details={"technician_id": technician_id, "at": recorded.isoformat(), "location_id": row.id},
            )
    out = LocationOut(
        id=row.id,
        technician_id=technician_id,
        recorded_at=recorded,
        arrived_work_order_id=site.work_order_id if site is not None else None,
    )
    return out, workflow_id


async def signal_arrival(client: Client, *, workflow_id: str, technician_id: str, at: datetime) -> bool:
    """Tell the repair's workflow of the arrival; False (logged) when it cannot be reached."""
    try:
        await client.get_workflow_handle(workflow_id).signal(
            ARRIVED_SIGNAL, ArrivalSignal(technician_id=technician_id, at=at)
        )
    except RPCError as err:
        log.warning("arrival signal to %s failed: %s", workflow_id, err.message)
        return False
    return True


async def on_my_way(
    session: Session,
    client: Client,
    *,
    work_order_id: str,
    body: OnMyWayBody,
    staff: Staff,
    scope: Scope,
    settings: Settings,
) -> OnMyWayOut:
    """Estimate the arrival (domain.tracking rule 3), store it on the work order, send the
    ``on_my_way`` update (the workflow tells the customer once) and, when late (rule 4), start
    the re-plan of the rest of the repair's day. Raises NotFound outside the caller's scope,
    Problem 403 for a technician key acting for another technician, Conflict when the repair is
    not assigned or not to that technician."""
    wo = get_work_order(session, work_order_id=work_order_id, scope=scope)
    tech_id = technician_for(staff, body.technician_id, assigned=wo.technician_id)
    if wo.status != WorkStatus.ASSIGNED.value:
        raise Conflict(
            f"only an assigned repair can be on its way (it is {wo.status})", work_status=wo.status
        )
    if wo.technician_id != tech_id:
        raise Conflict(f"technician {tech_id} is not assigned to {wo.id} (assigned: {wo.technician_id})")
    tech = technicians.get(session, tech_id)
    customer = customers.get(session, wo.customer_id)
    if tech is None or customer is None:
        raise NotFound(f"the technician or customer of {wo.id} does not exist")
    now = datetime.now(UTC)
    fix = tracking.latest_location(
        session, technician_id=tech_id, since=now - timedelta(minutes=settings.location_max_age_minutes)
    )
    origin = (float(fix.latitude), float(fix.longitude)) if fix else (tech.home_latitude, tech.home_longitude)
    travel = HaversineTravel(road_factor=settings.road_factor, speed_kmh=settings.average_speed_kmh)
    drive = travel.matrix([origin, (customer.latitude, customer.longitude)]).minutes[0][1]
    eta = estimated_arrival(now, drive)
    late = is_late(eta, wo.service_window_end, settings.late_margin_minutes)
    wo.on_my_way_at, wo.eta_at = now, eta
    audit.record(
        session,
        actor=staff.actor,
        action="on_my_way",
        entity_id=wo.id,
        details={
            "technician_id": tech_id,
            "eta": eta.isoformat(),
            "late": late,
            "from_position": fix is not None,
        },
    )
    day = wo.scheduled_date
    session.commit()  # the ETA is stored before the workflow renders the customer's message
    status = await repair_live.act(
        session,
        client=client,
        work_order_id=work_order_id,
        scope=scope,
        update=ON_MY_WAY_UPDATE,
        payload=OnMyWayRequest(actor=staff.actor, technician_id=tech_id, eta=eta, late=late),
    )
    replan = None
    if late and day is not None and dispatch_service.can_dispatch(day, settings):
        replan = await dispatch_service.replan(client, day=day, staff=staff, settings=settings)
    return OnMyWayOut(
        work_order_id=wo.id, eta=eta, late=late, from_position=fix is not None, replan=replan, repair=status
    )
