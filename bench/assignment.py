"""Benchmark: CP-SAT batch assignment vs a greedy baseline on one service day.

Jobs and technician bases sit at real Austin-metro ZIP centroids (devstack.demo_places). The baseline
takes jobs in priority order and gives each to the cheapest eligible technician with room (the
same pair cost as the model), updating his free time and position. Both run in the same process
on the same instances; figures are printed, never asserted.

    .venv/bin/python -m bench.assignment [--jobs 40] [--techs 8] [--seeds 5]
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from devstack.demo_places import metro_zip_centroids
from domain.assignment import (
    PRIORITIES,
    AssignmentParams,
    JobToAssign,
    TechnicianAvailability,
    assign_jobs,
    score_candidates,
)

SKILLS = ["pumping", "repair", "inspection", "camera"]
DAY = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def instance(seed: int, n_jobs: int, n_techs: int) -> tuple[list[JobToAssign], list[TechnicianAvailability]]:
    rng = random.Random(seed)
    places = metro_zip_centroids()
    techs = []
    for i in range(n_techs):
        _, _, lat, lon = rng.choice(places)
        skills = frozenset(rng.sample(SKILLS, rng.randint(1, 3)) + ["repair"] * (i % 2 == 0))
        techs.append(
            TechnicianAvailability(f"T{i}", f"T{i}", skills, DAY, DAY + timedelta(hours=9), DAY, lat, lon)
        )
    jobs = []
    for j in range(n_jobs):
        _, _, lat, lon = rng.choice(places)
        jobs.append(
            JobToAssign(
                f"J{j}",
                lat,
                lon,
                rng.choice(SKILLS),
                rng.choice([60, 75, 90, 120]),
                rng.choices(PRIORITIES, weights=[1, 3, 10, 3])[0],
            )
        )
    return jobs, techs


def greedy(jobs, techs, params: AssignmentParams) -> dict[str, tuple[str | None, int]]:
    state = {t.technician_id: t for t in techs}
    out: dict[str, tuple[str | None, int]] = {}
    for job in sorted(jobs, key=lambda j: PRIORITIES.index(j.priority)):
        scores = score_candidates(job, list(state.values()), DAY, params)
        if not scores:
            out[job.job_id] = (None, 0)
            continue
        best = scores[0]
        t = state[best.technician_id]
        free = max(t.free_from, DAY) + timedelta(minutes=best.travel_minutes + job.duration_minutes)
        state[t.technician_id] = replace(
            t,
            free_from=free,
            position_lat=job.lat,
            position_lon=job.lon,
            booked_minutes=t.booked_minutes + job.duration_minutes,
        )
        out[job.job_id] = (t.technician_id, best.travel_minutes)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=40)
    parser.add_argument("--techs", type=int, default=8)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    params = AssignmentParams(time_limit_seconds=10)
    print(
        f"{'seed':>4} | {'method':<8} | {'assigned':>8} | {'drive min':>9} | {'emergency left':>14} "
        f"| {'past shift':>10} | {'seconds':>7}"
    )
    for seed in range(args.seeds):
        jobs, techs = instance(seed, args.jobs, args.techs)
        started = time.perf_counter()
        base = greedy(jobs, techs, params)
        base_s = time.perf_counter() - started
        started = time.perf_counter()
        model = assign_jobs(jobs, techs, not_before=DAY, params=params)
        model_s = time.perf_counter() - started
        prio = {j.job_id: j.priority for j in jobs}
        duration = {j.job_id: j.duration_minutes for j in jobs}
        end = {t.technician_id: t.shift_end for t in techs}
        past = sum(
            1
            for a in model
            if a.technician_id and a.arrival + timedelta(minutes=duration[a.job_id]) > end[a.technician_id]
        )
        rows = [
            (
                "greedy",
                [t for t, _ in base.values() if t],
                sum(m for _, m in base.values()),
                sum(1 for k, (t, _) in base.items() if t is None and prio[k] == "emergency"),
                0,
                base_s,
            ),
            (
                "cp-sat",
                [a.technician_id for a in model if a.technician_id],
                sum(a.travel_minutes or 0 for a in model),
                sum(1 for a in model if a.technician_id is None and prio[a.job_id] == "emergency"),
                past,
                model_s,
            ),
        ]
        for name, assigned, drive, emergency_left, late, secs in rows:
            print(
                f"{seed:>4} | {name:<8} | {len(assigned):>8} | {drive:>9} | {emergency_left:>14} "
                f"| {late:>10} | {secs:>7.3f}"
            )


if __name__ == "__main__":
    main()
