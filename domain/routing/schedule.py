"""Float schedules of a route: earliest times for an ordered list of jobs (minutes, km).

The solver decides the order of each technician's jobs; the times reported in the plan are
recomputed here in floating point from the travel matrix, so integer scaling inside the solver
never shows in the plan. :func:`domain.routing.check.check_plan` then verifies those times
independently.

Node indexing of the travel matrix (shared by solver, schedule and checker, see
:func:`points_of`): jobs ``0..n-1`` in problem order, then for technician k its start at
``n + 2k`` and its end at ``n + 2k + 1``.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.routing.model import Job, Point, Route, RoutingProblem, Stop, Technician
from domain.routing.travel import TravelMatrix


def points_of(problem: RoutingProblem) -> list[Point]:
    """Matrix points: job locations, then each technician's start and end."""
    pts: list[Point] = [j.location for j in problem.jobs]
    for t in problem.technicians:
        pts.extend((t.start, t.end_point))
    return pts


def start_node(problem: RoutingProblem, k: int) -> int:
    """Matrix index of technician k's start."""
    return len(problem.jobs) + 2 * k


def end_node(problem: RoutingProblem, k: int) -> int:
    """Matrix index of technician k's end."""
    return len(problem.jobs) + 2 * k + 1


def _forward(
    problem: RoutingProblem,
    k: int,
    seq: Sequence[int],
    m: TravelMatrix,
    break_gap: int | None,
) -> Route | None:
    tech: Technician = problem.technicians[k]
    jobs: Sequence[Job] = problem.jobs
    nodes = [start_node(problem, k), *seq, end_node(problem, k)]
    t = tech.shift_start  # end of the previous service (the depot: shift start)
    break_start: float | None = None
    stops: list[Stop] = []
    travel_min = travel_km = 0.0
    for g in range(len(nodes) - 1):
        a, b = nodes[g], nodes[g + 1]
        drive = m.minutes[a][b]
        gap_need = drive + (problem.buffer_minutes if 0 < g < len(nodes) - 2 else 0.0)
        if g == break_gap and tech.break_ is not None:
            bs = max(t, tech.break_.earliest)
            if bs > tech.break_.latest:
                return None
            break_start = bs
            ready = max(t + gap_need, bs) + tech.break_.minutes
        else:
            ready = t + gap_need
        travel_min += drive
        travel_km += m.km[a][b]
        if g == len(nodes) - 2:  # back at the end depot
            if ready > tech.shift_end:
                return None
            return_time = ready
            break
        job = jobs[b]
        start = max(ready, job.window_start)
        if start > job.window_end:
            return None
        stops.append(Stop(job.job_id, ready, start, start + job.service_minutes, drive, m.km[a][b]))
        t = start + job.service_minutes
    departure = tech.shift_start
    if stops and break_gap != 0:  # leave as late as the first job allows
        first = stops[0]
        departure = max(tech.shift_start, first.start - first.travel_minutes)
        stops[0] = Stop(
            first.job_id,
            departure + first.travel_minutes,
            first.start,
            first.end,
            first.travel_minutes,
            first.travel_km,
        )
    return Route(tech.technician_id, departure, tuple(stops), return_time, break_start, travel_min, travel_km)


def schedule_route(problem: RoutingProblem, k: int, seq: Sequence[int], m: TravelMatrix) -> Route | None:
    """Earliest-time Route of technician k serving job indices ``seq`` in order, or None if infeasible.

    Checks windows, shift and break (trying the break in every gap, keeping the earliest return);
    job limits, work minutes and capacity are not checked here (see check_plan).
    """
    tech = problem.technicians[k]
    if not seq:
        return Route(tech.technician_id, tech.shift_start, (), tech.shift_start, None, 0.0, 0.0)
    if tech.break_ is None:
        return _forward(problem, k, seq, m, None)
    best: Route | None = None
    for g in range(len(seq) + 1):
        r = _forward(problem, k, seq, m, g)
        if r is not None and (best is None or r.return_time < best.return_time - 1e-12):
            best = r
    return best
