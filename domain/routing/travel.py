"""Travel-time matrices: a pluggable provider Protocol and the two built-in providers.

A provider turns a list of points into two square matrices of the same order: drive minutes and
km, ``minutes[i][j]`` from point i to point j. The solver and the checker only see the matrices,
so a road-network provider (e.g. an OSRM ``table`` service) can replace the defaults.

- :class:`HaversineTravel`: great-circle km (``domain.geo.haversine_km``) x ``road_factor``,
  minutes = km / ``speed_kmh`` x 60 (no rounding; the solver scales and rounds conservatively).
- :class:`EuclideanTravel`: planar Euclidean distance in full precision, minutes = distance
  (the Solomon 1987 convention: travel time equals distance).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from domain.geo import haversine_km
from domain.routing.model import Point


@dataclass(frozen=True, slots=True)
class TravelMatrix:
    """Square matrices over the same points: ``minutes[i][j]`` and ``km[i][j]`` (>= 0)."""

    minutes: tuple[tuple[float, ...], ...]
    km: tuple[tuple[float, ...], ...]

    def __post_init__(self) -> None:
        n = len(self.minutes)
        if len(self.km) != n or any(len(r) != n for r in self.minutes) or any(len(r) != n for r in self.km):
            raise ValueError("travel matrices must be square and of the same order")


class TravelProvider(Protocol):
    """Anything that can build a TravelMatrix for a list of points."""

    def matrix(self, points: Sequence[Point]) -> TravelMatrix:
        """Drive minutes and km between every ordered pair of ``points``."""
        ...


@dataclass(frozen=True, slots=True)
class HaversineTravel:
    """Great-circle km x road factor at an average speed (km/h); points are (lat, lon) degrees."""

    road_factor: float = 1.3
    speed_kmh: float = 45.0

    def matrix(self, points: Sequence[Point]) -> TravelMatrix:
        """Raises ValueError on a non-positive speed or road factor."""
        if self.speed_kmh <= 0 or self.road_factor <= 0:
            raise ValueError("speed_kmh and road_factor must be positive")
        km = tuple(
            tuple(haversine_km(a[0], a[1], b[0], b[1]) * self.road_factor for b in points) for a in points
        )
        minutes = tuple(tuple(d / self.speed_kmh * 60.0 for d in row) for row in km)
        return TravelMatrix(minutes=minutes, km=km)


@dataclass(frozen=True, slots=True)
class EuclideanTravel:
    """Planar Euclidean distance in full precision; travel minutes = distance (Solomon)."""

    def matrix(self, points: Sequence[Point]) -> TravelMatrix:
        """Distances between (x, y) points; the same matrix serves as minutes and km."""
        d = tuple(tuple(math.hypot(a[0] - b[0], a[1] - b[1]) for b in points) for a in points)
        return TravelMatrix(minutes=d, km=d)
