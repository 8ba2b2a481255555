"""Austin, TX metro places for the demo data set (seed 000 Phase 1.4): ZIP centroids and street addresses.

Coordinates come from the ``zipcodes`` package (WGS84 degrees, one centroid per ZIP), so
technicians' home bases and customers' locations are real places without any network access.
"""

from __future__ import annotations

import random
from functools import lru_cache

import zipcodes

#: Cities of the Austin metro area the demo data set is placed in (spelled as ``zipcodes`` spells them).
AUSTIN_CITIES: tuple[str, ...] = (
    "Austin",
    "Round Rock",
    "Cedar Park",
    "Pflugerville",
    "Georgetown",
    "Leander",
    "Buda",
    "Kyle",
    "Manor",
)

#: Street names used to build plausible street addresses.
_STREETS: tuple[str, ...] = (
    "Oak Hollow Dr",
    "Pecan Creek Ln",
    "Bluebonnet Trl",
    "Live Oak Cir",
    "Cypress Bend Dr",
    "Limestone Ridge Rd",
    "Mesquite Grove Rd",
    "Cedar Elm Way",
    "Brushy Creek Rd",
    "Hill Country Blvd",
    "Ranch Road 620",
    "County Road 110",
    "Sage Meadow Ln",
    "Windmill Ranch Rd",
    "Shady Hollow Dr",
    "Armadillo Run",
)


@lru_cache(maxsize=1)
def _centroids() -> tuple[tuple[str, str, float, float], ...]:
    rows = []
    for entry in zipcodes.filter_by(state="TX"):
        if entry["city"] not in AUSTIN_CITIES or entry["zip_code_type"] != "STANDARD":
            continue
        if not entry["active"] or not entry["lat"] or not entry["long"]:
            continue
        rows.append((entry["zip_code"], entry["city"], float(entry["lat"]), float(entry["long"])))
    return tuple(sorted(rows))


def metro_zip_centroids() -> list[tuple[str, str, float, float]]:
    """Active STANDARD ZIPs of ``AUSTIN_CITIES`` as ``(zip, city, latitude, longitude)``, sorted by ZIP.

    Source: the offline ``zipcodes`` package (``filter_by(state="TX")``); latitude and longitude are
    the ZIP centroid in WGS84 degrees. About 60 rows, most of them in Austin proper.
    """
    return list(_centroids())


def pick_zip(
    rng: random.Random, city: str, *, avoid: set[str] | frozenset[str] = frozenset()
) -> tuple[str, str, float, float]:
    """A random ``(zip, city, lat, lon)`` centroid in ``city``, preferring ZIPs not in ``avoid``.

    Raises ValueError if ``city`` has no usable ZIP in ``metro_zip_centroids()``.
    """
    rows = [row for row in _centroids() if row[1] == city]
    if not rows:
        raise ValueError(f"no Austin-metro ZIP centroid for city {city!r}")
    fresh = [row for row in rows if row[0] not in avoid]
    return rng.choice(fresh or rows)


def street_address(rng: random.Random) -> str:
    """A plausible street line such as ``"1204 Oak Hollow Dr"`` (house number 100-9899)."""
    return f"{rng.randint(100, 9899)} {rng.choice(_STREETS)}"
