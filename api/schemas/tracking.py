"""Live tracking bodies and answers: a technician's position, "on my way" and its ETA."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from api.schemas.common import RequestBody
from api.schemas.dispatch import AwareMoment, ReplanOut
from domain.contracts.repair import RepairStatus

Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


class LocationBody(RequestBody):
    """A position (WGS84 degrees), its accuracy in metres and the device's time of the fix
    (aware ISO 8601; default: now). A fix more than 5 minutes ahead or 24 hours behind the
    server's clock is refused (422)."""

    latitude: Latitude
    longitude: Longitude
    accuracy_meters: int | None = Field(default=None, ge=0, le=100_000)
    recorded_at: AwareMoment | None = None


class LocationOut(BaseModel):
    """The stored position and the job it marked arrived (None: no site within the geofence)."""

    id: int
    technician_id: str
    recorded_at: datetime
    arrived_work_order_id: str | None = None


class OnMyWayBody(RequestBody):
    """Who is on his way: a technician key acts for itself; office and managers name the
    technician or default to the assignee."""

    technician_id: str | None = Field(default=None, min_length=1, max_length=20)


class OnMyWayOut(BaseModel):
    """The ETA (aware UTC) from the technician's newest position (``from_position``) or his home
    base, whether it is late (past the arrival window's end by more than the margin), the
    re-plan of the rest of the day started when late, and the repair's status."""

    work_order_id: str
    eta: datetime
    late: bool
    from_position: bool
    replan: ReplanOut | None = None
    repair: RepairStatus
