"""Distances and drive times from WGS84 coordinates.

Great-circle distance by the haversine formula (R = 6371.0088 km, the IUGG mean radius),
times a road factor (road distance / straight-line distance, ~1.3 in US suburbs), at an
average speed. Good enough for ranking technicians; a later issue may add a road matrix.
"""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def drive_minutes(
    lat1: float, lon1: float, lat2: float, lon2: float, *, road_factor: float, average_speed_kmh: float
) -> int:
    """Estimated drive time in whole minutes (rounded up); raises ValueError on a non-positive speed."""
    if average_speed_kmh <= 0:
        raise ValueError("average_speed_kmh must be positive")
    km = haversine_km(lat1, lon1, lat2, lon2) * road_factor
    return math.ceil(km / average_speed_kmh * 60)
