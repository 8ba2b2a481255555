"""Independent feasibility check of a Plan, in floating point (tolerance ``EPS`` minutes).

It reads only the problem, the travel matrix and the plan's own numbers (order, arrival, start,
end, break start, departure, return) and verifies every rule of :mod:`domain.routing.model`:
each job served at most once and either served or listed as unassigned; skills and pins; windows;
service durations; drive + buffer (+ break) between consecutive events; shift; break window and
no overlap with services; max jobs, work minutes and capacity. It shares no code with the solver.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.routing.model import Plan, RoutingProblem
from domain.routing.schedule import end_node, start_node
from domain.routing.travel import TravelMatrix

EPS = 1e-6


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: the technician or job concerned and a sentence."""

    subject: str
    message: str


def check_plan(problem: RoutingProblem, plan: Plan, matrix: TravelMatrix) -> list[Violation]:
    """All violations of ``plan`` against ``problem`` (empty list = feasible).

    ``matrix`` must be the provider's matrix over ``schedule.points_of(problem)``.
    """
    out: list[Violation] = []
    jobs = {j.job_id: (i, j) for i, j in enumerate(problem.jobs)}
    techs = {t.technician_id: (k, t) for k, t in enumerate(problem.technicians)}
    seen: dict[str, str] = {}
    for route in plan.routes:
        if route.technician_id not in techs:
            out.append(Violation(route.technician_id, "route of an unknown technician"))
            continue
        k, tech = techs[route.technician_id]
        tid = tech.technician_id
        if not route.stops:
            continue
        if route.departure < tech.shift_start - EPS:
            out.append(
                Violation(tid, f"departs at {route.departure:.3f} before shift start {tech.shift_start}")
            )
        if route.return_time > tech.shift_end + EPS:
            out.append(Violation(tid, f"returns at {route.return_time:.3f} after shift end {tech.shift_end}"))
        if tech.max_jobs is not None and len(route.stops) > tech.max_jobs:
            out.append(Violation(tid, f"{len(route.stops)} jobs > max_jobs {tech.max_jobs}"))
        # (prev_node, prev_end) -> events; gaps are [prev_end, next_start]
        prev_node, prev_end = start_node(problem, k), route.departure
        gaps: list[tuple[float, float, float]] = []  # (gap start, gap end, drive + buffer needed)
        work = demand = 0.0
        for n, stop in enumerate(route.stops):
            if stop.job_id not in jobs:
                out.append(Violation(tid, f"serves unknown job {stop.job_id}"))
                return out
            i, job = jobs[stop.job_id]
            if stop.job_id in seen:
                out.append(Violation(stop.job_id, f"served twice ({seen[stop.job_id]} and {tid})"))
            seen[stop.job_id] = tid
            if not job.required_skills <= tech.skills:
                missing = ", ".join(sorted(job.required_skills - tech.skills))
                out.append(Violation(stop.job_id, f"{tid} lacks skill(s) {missing}"))
            if job.pinned_technician_id not in (None, tid):
                out.append(Violation(stop.job_id, f"pinned to {job.pinned_technician_id}, served by {tid}"))
            drive = matrix.minutes[prev_node][i]
            need = drive + (problem.buffer_minutes if n > 0 else 0.0)
            if stop.arrival < prev_end + need - EPS:
                out.append(Violation(stop.job_id, f"arrival {stop.arrival:.3f} earlier than drive allows"))
            if stop.start < stop.arrival - EPS:
                out.append(Violation(stop.job_id, "service starts before arrival"))
            if stop.start < job.window_start - EPS or stop.start > job.window_end + EPS:
                out.append(
                    Violation(
                        stop.job_id,
                        f"starts at {stop.start:.3f} outside [{job.window_start}, {job.window_end}]",
                    )
                )
            if abs(stop.end - stop.start - job.service_minutes) > EPS:
                out.append(
                    Violation(
                        stop.job_id, f"service lasts {stop.end - stop.start:.3f}, not {job.service_minutes}"
                    )
                )
            gaps.append((prev_end, stop.start, need))
            work += drive + job.service_minutes
            demand += job.demand
            prev_node, prev_end = i, stop.end
        drive = matrix.minutes[prev_node][end_node(problem, k)]
        gaps.append((prev_end, route.return_time, drive))
        work += drive
        if route.return_time < prev_end + drive - EPS:
            out.append(Violation(tid, "returns earlier than the last drive allows"))
        if tech.max_work_minutes is not None and work > tech.max_work_minutes + EPS:
            out.append(Violation(tid, f"{work:.3f} work minutes > max {tech.max_work_minutes}"))
        if tech.capacity is not None and demand > tech.capacity + EPS:
            out.append(Violation(tid, f"load {demand:.3f} > capacity {tech.capacity}"))
        if tech.break_ is not None:
            br = tech.break_
            b = route.break_start
            if b is None:
                out.append(Violation(tid, "no break scheduled"))
            else:
                if b < br.earliest - EPS or b > br.latest + EPS:
                    out.append(Violation(tid, f"break at {b:.3f} outside [{br.earliest}, {br.latest}]"))
                if b < tech.shift_start - EPS or b + br.minutes > tech.shift_end + EPS:
                    out.append(Violation(tid, "break outside the shift"))
                inside = [g for g in gaps if g[0] - EPS <= b and b + br.minutes <= g[1] + EPS]
                if not inside:
                    out.append(Violation(tid, f"break at {b:.3f} overlaps a service or the route's ends"))
                elif inside[0][1] - inside[0][0] < inside[0][2] + br.minutes - EPS:
                    out.append(Violation(tid, f"break at {b:.3f} leaves no time for the drive"))
    unassigned = {u.job_id for u in plan.unassigned}
    for job in problem.jobs:
        if job.job_id in seen and job.job_id in unassigned:
            out.append(Violation(job.job_id, "both served and unassigned"))
        if job.job_id not in seen and job.job_id not in unassigned:
            out.append(Violation(job.job_id, "neither served nor listed as unassigned"))
    for u in plan.unassigned:
        if u.job_id not in jobs:
            out.append(Violation(u.job_id, "unknown job listed as unassigned"))
    return out
