"""Live tracking: technicians post positions (geofence arrival); "on my way" with the ETA; the
route map of a technician-day."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from api.deps import AppSettings, CurrentScope, CurrentStaff, DbSession, FieldStaff, TemporalClient
from api.schemas.common import IsoDate
from api.schemas.tracking import LocationBody, LocationOut, OnMyWayBody, OnMyWayOut
from api.services import tracking as service
from api.services.route_map import route_map_png

router = APIRouter(tags=["tracking"])


@router.post(
    "/api/v1/technicians/{technician_id}/locations",
    status_code=status.HTTP_201_CREATED,
    response_model=LocationOut,
    summary="Post a technician's position",
)
async def post_location(
    technician_id: str,
    body: LocationBody,
    db: DbSession,
    client: TemporalClient,
    settings: AppSettings,
    staff: FieldStaff,
) -> LocationOut:
    """Store a position (``technician_locations``). Within the geofence radius of one of his
    assigned jobs of that day, the nearest one is marked arrived (on the work order and in its
    workflow). A technician or manager key posts only its own position (403 otherwise)."""
    out, workflow_id = service.record_location(
        db, technician_id=technician_id, body=body, staff=staff, settings=settings
    )
    db.commit()
    if workflow_id is not None:
        await service.signal_arrival(
            client, workflow_id=workflow_id, technician_id=technician_id, at=out.recorded_at
        )
    return out


@router.post("/api/v1/repairs/{work_order_id}/on-my-way", response_model=OnMyWayOut, summary="On my way")
async def on_my_way(
    work_order_id: str,
    body: OnMyWayBody,
    db: DbSession,
    client: TemporalClient,
    settings: AppSettings,
    staff: FieldStaff,
    scope: CurrentScope,
) -> OnMyWayOut:
    """The assigned technician leaves for the site: the ETA (from his newest position, else his
    home base) goes to the customer once, by his preferences; an ETA past the arrival window by
    more than the late margin re-plans the rest of that day."""
    return await service.on_my_way(
        db, client, work_order_id=work_order_id, body=body, staff=staff, scope=scope, settings=settings
    )


@router.get(
    "/api/v1/dispatch/{service_date}/technicians/{technician_id}/map.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}}},
    summary="A technician-day's route map",
)
def route_map(
    service_date: IsoDate,
    technician_id: str,
    db: DbSession,
    staff: CurrentStaff,
    scope: CurrentScope,
    settings: AppSettings,
) -> Response:
    """PNG of the technician's route in the day's current plan: home base, numbered stops with
    planned arrival times, drives in order. Technicians see their own, managers their team's."""
    png = route_map_png(
        db, day=service_date, technician_id=technician_id, scope=scope, tz_name=settings.timezone
    )
    return Response(png, media_type="image/png")
