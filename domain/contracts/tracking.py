"""Live tracking's contract with RepairWorkflow (issue 7; seed 003 Priority 1 real-time tracking):
the arrival signal (a position inside the site's geofence) and the "on my way" update.

Histories carry ids, times and the ETA, never positions.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

#: the signal that marks the technician's arrival, and the update that announces his ETA
ARRIVED_SIGNAL = "technician_arrived"
ON_MY_WAY_UPDATE = "on_my_way"


class ArrivalSignal(BaseModel):
    """``technician_id`` reached the site at ``at`` (aware UTC; the position's time)."""

    technician_id: str
    at: datetime


class OnMyWayRequest(BaseModel):
    """The assigned technician left for the site; ``eta`` (aware UTC) was estimated by the API and
    ``late`` says whether it is past the arrival window by more than the margin."""

    actor: str
    technician_id: str
    eta: datetime
    late: bool = False
