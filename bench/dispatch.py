"""Benchmark: a realistic synthetic dispatch day, the optimizer beside a greedy baseline.

    fieldops bench dispatch [--jobs 200] [--technicians 20] [--time-limit 8] [--seed 7] [--inserts 40]

The day (seeded, reproducible): technicians at home bases in Austin-area towns with shifts of
07:00 to 17:00 or 08:00 to 18:00 (America/Chicago), a 30-minute lunch, skills from {repair, pumping,
inspection, camera, installation}; jobs at sites scattered around those towns (WGS84, about 6 km spread), job types
with their service minutes and skill, windows (morning, afternoon, an exact two hours, or any time),
priorities (emergency, high, normal, low) and ages, preferred technicians for some customers.
It goes through the same adapter as production (``domain.routing.day.build_day``) and the
haversine travel provider (road factor 1.3, 45 km/h).

Printed, never asserted: solve seconds (matrix + OR-Tools + float check) and explanation seconds;
jobs served and total drive minutes and km of the optimizer's plan and of a greedy baseline in
the same run (each technician, in turn from the earliest free, appends the nearest job he can
still serve within its window and his shift; emergencies first); both checked by ``check_plan``;
the optimizer again on exactly the jobs greedy served (all must be served), to compare drive time
like for like; and the latency of inserting one new job into the optimized day (problem + matrix + cheapest
feasible insertion over every technician and the short improvement of
:func:`domain.routing.insert.insert_batch`, as ``insert_repair`` runs it), p50 and p95 over
``--inserts`` random jobs. With ``--burst N`` (default 200), :mod:`bench.burst` then sends N
approved repairs through the real repair flow beside bare workflows on the same server.
"""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from rich.console import Console
from rich.table import Table

from domain.routing import (
    HaversineTravel,
    Plan,
    ReasonCode,
    Route,
    RoutingProblem,
    SolveParams,
    TravelMatrix,
    Unassigned,
    check_plan,
    points_of,
    schedule_route,
    solve,
)
from domain.routing.day import DayProblem, JobRecord, TechnicianRecord, build_day, local_origin
from domain.routing.explain import explain_plan, sequences
from domain.routing.insert import insert_batch

TZ = "America/Chicago"
DAY = date(2026, 12, 2)  # a Wednesday
#: home bases: Austin-area towns (lat, lon)
TOWNS = {
    "Austin": (30.2672, -97.7431),
    "Round Rock": (30.5083, -97.6789),
    "Pflugerville": (30.4394, -97.6200),
    "Cedar Park": (30.5052, -97.8203),
    "Georgetown": (30.6333, -97.6770),
    "Buda": (30.0852, -97.8403),
    "Leander": (30.5788, -97.8531),
    "Kyle": (29.9891, -97.8772),
    "Manor": (30.3408, -97.5569),
    "Lakeway": (30.3638, -97.9797),
}
#: job types: (service minutes, skill, share)
JOB_TYPES = {
    "repair": (40, "repair", 0.35),
    "maintenance": (30, "repair", 0.2),
    "pumping": (35, "pumping", 0.2),
    "inspection": (25, "inspection", 0.12),
    "camera_inspection": (30, "camera", 0.08),
    "installation": (75, "installation", 0.05),
}
SKILL_SETS = (
    ("repair", "pumping", "inspection"),
    ("repair", "pumping"),
    ("repair", "installation"),
    ("repair", "camera", "inspection"),
    ("pumping", "inspection"),
    ("repair",),
    ("pumping",),
    ("repair", "camera"),
)


def _site(rng: random.Random, towns: list[tuple[float, float]]) -> tuple[float, float]:
    """A site around a random town (about 6 km spread): customers live where the towns are."""
    lat, lon = rng.choice(towns)
    return (lat + rng.gauss(0, 0.05), lon + rng.gauss(0, 0.06))


def synthetic_day(jobs: int, technicians: int, seed: int) -> tuple[list[TechnicianRecord], list[JobRecord]]:
    """Technician and job records of the synthetic day (see the module docstring)."""
    rng = random.Random(seed)
    towns = list(TOWNS.values())
    techs = []
    for i in range(technicians):
        lat, lon = towns[i % len(towns)]
        hours = ["07:00", "17:00"] if i % 2 else ["08:00", "18:00"]
        techs.append(
            TechnicianRecord(
                technician_id=f"T-{i + 1:03d}",
                working_hours={d: hours for d in ("mon", "tue", "wed", "thu", "fri")},
                home=(lat + rng.uniform(-0.02, 0.02), lon + rng.uniform(-0.02, 0.02)),
                skills=frozenset(SKILL_SETS[i % len(SKILL_SETS)]),
            )
        )
    origin = local_origin(DAY, TZ)
    codes = list(JOB_TYPES)
    weights = [JOB_TYPES[c][2] for c in codes]
    records = []
    for n in range(jobs):
        code = rng.choices(codes, weights)[0]
        minutes, skill, _ = JOB_TYPES[code]
        kind = rng.choices(["morning", "afternoon", "exact", None], [0.4, 0.35, 0.1, 0.15])[0]
        w_start = w_end = None
        if kind == "exact":
            begin = rng.choice(range(8 * 60, 15 * 60 + 1, 30))
            w_start = origin + timedelta(minutes=begin)
            w_end = w_start + timedelta(hours=2)
        priority = rng.choices(["emergency", "high", "normal", "low"], [0.04, 0.2, 0.6, 0.16])[0]
        preferred = frozenset({rng.choice(techs).technician_id}) if rng.random() < 0.2 else frozenset()
        records.append(
            JobRecord(
                job_id=f"J-{n + 1:04d}",
                location=_site(rng, towns),
                service_minutes=minutes,
                required_skills=frozenset({skill}),
                priority=priority,
                requested_on=DAY - timedelta(days=rng.randint(0, 5)),
                window_kind=kind,
                window_start=w_start,
                window_end=w_end,
                preferred_technician_ids=preferred,
            )
        )
    return techs, records


def greedy(problem: RoutingProblem, matrix: TravelMatrix) -> Plan:
    """Nearest feasible job appended to the technician free earliest (emergencies first)."""
    v = len(problem.technicians)
    seqs: list[list[int]] = [[] for _ in range(v)]
    routes: list[Route] = [r for k in range(v) if (r := schedule_route(problem, k, [], matrix)) is not None]
    free = [t.shift_start for t in problem.technicians]
    last = [len(problem.jobs) + 2 * k for k in range(v)]
    open_jobs = set(range(len(problem.jobs)))
    active = set(range(v))
    while active and open_jobs:
        k = min(active, key=lambda x: (free[x], x))
        tech = problem.technicians[k]
        urgent = [j for j in open_jobs if problem.jobs[j].drop_penalty is None]
        pool = urgent if urgent else list(open_jobs)
        chosen = None
        for candidates in (pool, list(open_jobs)) if urgent else (pool,):
            for j in sorted(candidates, key=lambda j: (matrix.minutes[last[k]][j], j)):
                if not problem.jobs[j].required_skills <= tech.skills:
                    continue
                r = schedule_route(problem, k, [*seqs[k], j], matrix)
                if r is not None:
                    chosen = (j, r)
                    break
            if chosen:
                break
        if chosen is None:
            active.discard(k)
            continue
        j, r = chosen
        seqs[k].append(j)
        routes[k] = r
        open_jobs.discard(j)
        free[k] = r.stops[-1].end
        last[k] = j
    unassigned = tuple(
        Unassigned(problem.jobs[j].job_id, ReasonCode.CAPACITY, "greedy found no room")
        for j in sorted(open_jobs)
    )
    return Plan(tuple(routes), unassigned, status="greedy")


@dataclass(frozen=True, slots=True)
class DispatchBench:
    """The figures printed."""

    jobs: int
    technicians: int
    solve_seconds: float
    explain_seconds: float
    served: int
    travel_minutes: float
    travel_km: float
    feasible: bool
    greedy_seconds: float
    greedy_served: int
    greedy_travel_minutes: float
    greedy_travel_km: float
    greedy_feasible: bool
    same_seconds: float
    same_served: int
    same_travel_minutes: float
    same_travel_km: float
    same_feasible: bool
    insert_p50_ms: float
    insert_p95_ms: float
    inserts: int
    unassigned_reasons: dict[str, int]


def run(jobs: int, technicians: int, time_limit: float, seed: int, inserts: int) -> DispatchBench:
    """Build the day, solve, explain, run greedy and time single-job insertions."""
    techs, records = synthetic_day(jobs, technicians, seed)
    travel = HaversineTravel()
    day: DayProblem = build_day(DAY, TZ, techs, records)
    t0 = time.perf_counter()
    matrix = travel.matrix(points_of(day.problem))
    plan = solve(day.problem, matrix, SolveParams(time_limit_seconds=time_limit))
    solve_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    explain_plan(day.problem, plan, matrix)
    explain_s = time.perf_counter() - t1
    feasible = not check_plan(day.problem, plan, matrix)
    t2 = time.perf_counter()
    base = greedy(day.problem, matrix)
    greedy_s = time.perf_counter() - t2
    greedy_ok = not check_plan(day.problem, base, matrix)
    # the same jobs greedy served, every one of them must be served: travel compared like for like
    served_ids = {st.job_id for r in base.routes for st in r.stops}
    same = build_day(
        DAY, TZ, techs, [replace(r, priority="emergency") for r in records if r.job_id in served_ids]
    )
    t3 = time.perf_counter()
    same_matrix = travel.matrix(points_of(same.problem))
    same_plan = solve(same.problem, same_matrix, SolveParams(time_limit_seconds=time_limit))
    same_s = time.perf_counter() - t3
    same_ok = not check_plan(same.problem, same_plan, same_matrix)
    # insertion of one new job into the optimized day
    rng = random.Random(seed + 1)
    seqs = sequences(day.problem, plan)
    latencies = []
    for n in range(inserts):
        extra = JobRecord(
            job_id=f"NEW-{n}",
            location=_site(rng, list(TOWNS.values())),
            service_minutes=40,
            required_skills=frozenset({"repair"}),
            window_kind=rng.choice(["morning", "afternoon", None]),
        )
        s = time.perf_counter()
        bigger = build_day(DAY, TZ, techs, [*records, extra])
        m2 = travel.matrix(points_of(bigger.problem))
        insert_batch(bigger.problem, m2, seqs, [len(records)])  # what insert_repair runs
        latencies.append((time.perf_counter() - s) * 1000)
    latencies.sort()
    reasons: dict[str, int] = {}
    for u in plan.unassigned:
        reasons[u.reason.value] = reasons.get(u.reason.value, 0) + 1
    return DispatchBench(
        jobs=jobs,
        technicians=technicians,
        solve_seconds=solve_s,
        explain_seconds=explain_s,
        served=plan.served,
        travel_minutes=plan.travel_minutes,
        travel_km=plan.travel_km,
        feasible=feasible,
        greedy_seconds=greedy_s,
        greedy_served=base.served,
        greedy_travel_minutes=base.travel_minutes,
        greedy_travel_km=base.travel_km,
        greedy_feasible=greedy_ok,
        same_seconds=same_s,
        same_served=same_plan.served,
        same_travel_minutes=same_plan.travel_minutes,
        same_travel_km=same_plan.travel_km,
        same_feasible=same_ok,
        insert_p50_ms=statistics.median(latencies) if latencies else 0.0,
        insert_p95_ms=latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))] if latencies else 0.0,
        inserts=inserts,
        unassigned_reasons=reasons,
    )


def render(result: DispatchBench, console: Console | None = None) -> None:
    """Print the comparison table and the insertion latencies."""
    console = console or Console()
    table = Table(title=f"dispatch day: {result.jobs} jobs, {result.technicians} technicians ({DAY}, {TZ})")
    for col in ("", "seconds", "served", "drive min", "drive km", "min / job", "feasible"):
        table.add_column(col, justify="right")
    for name, secs, served, mins, km, ok in (
        (
            "optimizer",
            result.solve_seconds,
            result.served,
            result.travel_minutes,
            result.travel_km,
            result.feasible,
        ),
        (
            "opt. on greedy jobs",
            result.same_seconds,
            result.same_served,
            result.same_travel_minutes,
            result.same_travel_km,
            result.same_feasible,
        ),
        (
            "greedy",
            result.greedy_seconds,
            result.greedy_served,
            result.greedy_travel_minutes,
            result.greedy_travel_km,
            result.greedy_feasible,
        ),
    ):
        table.add_row(
            name,
            f"{secs:.2f}",
            str(served),
            f"{mins:.0f}",
            f"{km:.0f}",
            f"{mins / served:.1f}" if served else "-",
            "yes" if ok else "NO",
        )
    console.print(table)
    per_job = result.travel_minutes / max(result.served, 1)
    greedy_per_job = result.greedy_travel_minutes / max(result.greedy_served, 1)
    console.print(
        f"drive minutes per served job: optimizer {per_job:.1f}, greedy {greedy_per_job:.1f} "
        f"({(1 - per_job / greedy_per_job) * 100 if greedy_per_job else 0:.0f}% less); "
        f"served {result.served} vs {result.greedy_served}"
    )
    if result.greedy_travel_minutes:
        console.print(
            f"same jobs as greedy: optimizer drives {result.same_travel_minutes:.0f} min against "
            f"{result.greedy_travel_minutes:.0f} "
            f"({(1 - result.same_travel_minutes / result.greedy_travel_minutes) * 100:.0f}% less)"
        )
    console.print(f"explanations for every stop: {result.explain_seconds:.2f} s")
    console.print(f"unassigned by reason: {result.unassigned_reasons or 'none'}")
    console.print(
        f"insert one new job (problem + matrix + batch insertion + improvement), {result.inserts} jobs: "
        f"p50 {result.insert_p50_ms:.0f} ms, p95 {result.insert_p95_ms:.0f} ms"
    )
    console.print(f"run at {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
