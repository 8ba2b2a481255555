"""A technician-day's route as a PNG map (issue 7, dispatcher API: "a route map image per
technician-day"), drawn with matplotlib from the day's current plan; no map tiles.

The home base is a square, each stop a numbered dot labelled with its planned arrival (company
time zone) and work order, and the drives straight lines in visiting order (home, stops, home).
Longitudes are drawn scaled by cos(latitude), so distances look true (the axis shows
the real longitudes). A technician without a route that
day gets his home base and "no stops planned".
"""

from __future__ import annotations

import io
import math
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from api.errors import NotFound
from db.repositories import dispatch, technicians, tracking
from domain.access import Scope
from domain.contracts.dispatch import StopPlan


def route_map_png(session: Session, *, day: date, technician_id: str, scope: Scope, tz_name: str) -> bytes:
    """A 900x900 PNG of ``technician_id``'s route on ``day``. Raises NotFound for a technician
    outside ``scope`` or unknown."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    tech = technicians.get(session, technician_id) if scope.sees_technician(technician_id) else None
    if tech is None:
        raise NotFound(f"technician {technician_id} does not exist")
    plan = dispatch.current_plan(session, day=day)
    route = next((r for r in plan.routes if r.technician_id == technician_id), None) if plan else None
    stops = [StopPlan.model_validate(w) for w in route.waypoints] if route else []
    sites = tracking.sites_of(session, work_order_ids=[s.work_order_id for s in stops])
    stops = [s for s in stops if s.work_order_id in sites]
    home = (tech.home_latitude, tech.home_longitude)
    scale = math.cos(math.radians(home[0]))
    path = [home, *(sites[s.work_order_id] for s in stops), home]
    zone = ZoneInfo(tz_name)

    fig = Figure(figsize=(9, 9), dpi=100)
    ax = fig.add_subplot()
    ax.plot([p[1] * scale for p in path], [p[0] for p in path], "-", color="#4a78b5", linewidth=1.8, zorder=1)
    ax.scatter([home[1] * scale], [home[0]], marker="s", s=160, color="#2f2f2f", zorder=3, label="home base")
    for n, stop in enumerate(stops, start=1):
        lat, lon = sites[stop.work_order_id]
        ax.scatter([lon * scale], [lat], s=260, color="#e07b39", edgecolors="white", zorder=4)
        ax.annotate(str(n), (lon * scale, lat), ha="center", va="center", fontsize=9, color="white", zorder=5)
        ax.annotate(
            f"{stop.arrival.astimezone(zone):%H:%M} {stop.work_order_id}",
            (lon * scale, lat),
            xytext=(10, 8),
            textcoords="offset points",
            fontsize=8,
        )
    drive = route.total_time_minutes if route else 0
    title = (
        f"{tech.id} {tech.name}, {day:%a %b %d %Y}: {len(stops)} stop(s), {drive} min driving"
        if stops
        else f"{tech.id} {tech.name}, {day:%a %b %d %Y}: no stops planned"
    )
    ax.set_title(title)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x / scale:.3f}"))
    ax.set_xlabel("longitude (degrees)")
    ax.set_ylabel("latitude (degrees)")
    ax.set_aspect("equal", adjustable="datalim")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
