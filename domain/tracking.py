"""Live tracking rules (seed 003 Priority 1 "real-time tracking"; issue 7 "Where it runs").

Pure: the API reads positions and work orders, these functions decide.

1. Arrival: a technician has arrived at a job's site when a position he posts lies within
   ``radius_m`` metres (great-circle distance) of the site; a fix whose accuracy is worse than
   the radius cannot prove it (it is stored, but marks nothing).
2. Which jobs a position can mark: his own jobs of that local day that are assigned and not
   started or ended yet, and not already marked arrived. Of the sites inside the geofence, the
   job he most recently said he was on his way to wins, else the nearest (two jobs at one site:
   only one is visited now).
3. ETA: on "on my way", the estimated arrival is now + the drive minutes from his newest
   position (when younger than ``position_max_age``), else from his home base.
4. Late: a technician is late when the ETA is more than ``margin_minutes`` after the end of the
   job's arrival window; then the rest of his day is re-planned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.geo import haversine_km


@dataclass(frozen=True, slots=True)
class Site:
    """A job that a position may mark arrived: work order id, site (lat, lon degrees) and when
    the technician said he was on his way to it (aware; None: he did not)."""

    work_order_id: str
    lat: float
    lon: float
    on_my_way_at: datetime | None = None


def distance_m(lat: float, lon: float, site_lat: float, site_lon: float) -> float:
    """Great-circle distance in metres."""
    return haversine_km(lat, lon, site_lat, site_lon) * 1000.0


def arrived_at(
    lat: float, lon: float, accuracy_m: float | None, sites: Sequence[Site], radius_m: float
) -> Site | None:
    """The nearest site within ``radius_m`` of the position (rule 1 and 2), or None; None also
    when the fix's accuracy is worse than the radius. Raises ValueError for a radius <= 0."""
    if radius_m <= 0:
        raise ValueError("the geofence radius must be positive")
    if accuracy_m is not None and accuracy_m > radius_m:
        return None
    inside = [s for s in sites if distance_m(lat, lon, s.lat, s.lon) <= radius_m]
    announced = [s for s in inside if s.on_my_way_at is not None]
    if announced:
        return max(announced, key=lambda s: (s.on_my_way_at, s.work_order_id))
    return min(inside, key=lambda s: (distance_m(lat, lon, s.lat, s.lon), s.work_order_id), default=None)


def estimated_arrival(now: datetime, drive_minutes: float) -> datetime:
    """Rule 3: ``now`` (aware) + the drive, rounded up to the minute. Raises ValueError for a
    naive ``now`` or a negative drive."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if drive_minutes < 0:
        raise ValueError("drive minutes must be >= 0")
    eta = now + timedelta(minutes=drive_minutes)
    if eta.second or eta.microsecond:
        eta = eta.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return eta


def is_late(eta: datetime, window_end: datetime | None, margin_minutes: float) -> bool:
    """Rule 4: True when ``eta`` is more than ``margin_minutes`` after ``window_end`` (no window:
    never late)."""
    if window_end is None:
        return False
    return eta > window_end + timedelta(minutes=margin_minutes)
