"""Travel-time providers that need the network, and the choice of provider from settings.

:class:`OsrmTableTravel` asks an OSRM ``table`` service (http://project-osrm.org/docs/v5.24.0/api/#table-service)
for drive durations (s) and distances (m) between every pair of points in one request::

    GET {base_url}/table/v1/{profile}/{lon},{lat};{lon},{lat};…?annotations=duration,distance

and turns them into minutes and km. OSRM takes ``lon,lat``; our points are ``(lat, lon)``. A pair
OSRM cannot route (``null``) falls back to the haversine estimate of that pair, so a point on an
island of the road graph never makes the plan fail. The default provider is
``domain.routing.HaversineTravel`` (road factor and speed from settings).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from config import Settings
from domain.routing import HaversineTravel, Point, TravelMatrix, TravelProvider


class TravelProviderError(RuntimeError):
    """The travel-time service did not answer, or answered something other than a table."""


@dataclass(frozen=True, slots=True)
class OsrmTableTravel:
    """Drive times from an OSRM ``table`` service at ``base_url`` (profile ``driving``)."""

    base_url: str
    fallback: HaversineTravel
    profile: str = "driving"
    timeout_seconds: float = 10.0

    def matrix(self, points: Sequence[Point]) -> TravelMatrix:
        """Minutes and km between every pair; raises TravelProviderError when the service fails."""
        if not points:
            return TravelMatrix((), ())
        coords = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in points)
        url = f"{self.base_url.rstrip('/')}/table/v1/{self.profile}/{coords}"
        try:
            response = httpx.get(
                url, params={"annotations": "duration,distance"}, timeout=self.timeout_seconds
            )
        except httpx.HTTPError as err:
            raise TravelProviderError(f"OSRM table service unreachable: {type(err).__name__}") from err
        if response.status_code != 200:
            raise TravelProviderError(f"OSRM table service answered HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as err:
            raise TravelProviderError("OSRM table service answered something other than JSON") from err
        if body.get("code") != "Ok":
            raise TravelProviderError(f"OSRM table service refused: {body.get('code')}")
        durations, distances = body.get("durations"), body.get("distances")
        n = len(points)
        if (
            not isinstance(durations, list)
            or not isinstance(distances, list)
            or len(durations) != n
            or len(distances) != n
            or any(len(row) != n for row in durations)
            or any(len(row) != n for row in distances)
        ):
            raise TravelProviderError("OSRM table has the wrong shape")
        est = self.fallback.matrix(points)
        minutes = tuple(
            tuple(
                float(durations[i][j]) / 60.0 if durations[i][j] is not None else est.minutes[i][j]
                for j in range(n)
            )
            for i in range(n)
        )
        km = tuple(
            tuple(
                float(distances[i][j]) / 1000.0 if distances[i][j] is not None else est.km[i][j]
                for j in range(n)
            )
            for i in range(n)
        )
        return TravelMatrix(minutes=minutes, km=km)


def travel_provider(settings: Settings) -> TravelProvider:
    """The provider the settings name: ``haversine`` (default) or ``osrm`` at ``osrm_url``."""
    haversine = HaversineTravel(road_factor=settings.road_factor, speed_kmh=settings.average_speed_kmh)
    if settings.travel_provider == "osrm":
        if not settings.osrm_url:
            raise ValueError("travel provider osrm needs FIELDOPS_OSRM_URL")
        return OsrmTableTravel(settings.osrm_url, fallback=haversine)
    return haversine
