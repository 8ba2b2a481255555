"""Smart assignment of jobs to technicians with OR-Tools CP-SAT (seed 003 Priority 1, seed 001 6.2).

The model (one solve assigns any number of jobs of one service day, so the dispatch optimizer
can reuse the interface):

- ``x[j, t]`` = 1 when job j goes to technician t; a pair exists only when t holds the job's
  required skill (hard constraint) and the job fits in t's remaining shift on its own.
- each job is assigned at most once; leaving a job unassigned costs a priority-scaled penalty;
- per technician, travel + on-site minutes of the new jobs fit in the time left between when
  t is free (end of booked work, never before ``not_before``) and the end of the shift. Drives
  are counted from t's position, so for several new jobs this is a relaxation: arrivals are
  then chained in priority order and a job that would end past the shift is left unassigned.
  One job at a time (what RepairWorkflow asks) is exact; the dispatch optimizer replaces the
  relaxation with a routing model;
- cost of a pair, in minutes: drive time from t's position (last booked job, else home base)
  + ``workload_weight`` x minutes already booked + ``urgency_weight[priority]`` x minutes until
  t is free - ``preferred_bonus_minutes`` for the customer's preferred technicians.

The explanation ranks every eligible technician by the same pair cost, so "why this
technician" and the runner-up are read off the model's own numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ortools.sat.python import cp_model

from domain.geo import drive_minutes

URGENCY_WEIGHT: dict[str, float] = {"emergency": 4.0, "high": 1.0, "normal": 0.25, "low": 0.05}
UNASSIGNED_PENALTY: dict[str, int] = {"emergency": 100_000, "high": 50_000, "normal": 20_000, "low": 10_000}
PRIORITIES = tuple(URGENCY_WEIGHT)


@dataclass(frozen=True, slots=True)
class JobToAssign:
    """A job waiting for a technician; coordinates in degrees, duration in minutes."""

    job_id: str
    lat: float
    lon: float
    required_skill: str
    duration_minutes: int
    priority: str = "normal"
    preferred_technician_ids: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class TechnicianAvailability:
    """A technician's day: skills, shift (aware datetimes), booked minutes and position."""

    technician_id: str
    name: str
    skills: frozenset[str]
    shift_start: datetime
    shift_end: datetime
    free_from: datetime
    position_lat: float
    position_lon: float
    booked_minutes: int = 0


@dataclass(frozen=True, slots=True)
class AssignmentParams:
    """Tuning of the model; speeds in km/h, weights dimensionless, limits in seconds."""

    road_factor: float = 1.3
    average_speed_kmh: float = 45.0
    workload_weight: float = 0.2
    preferred_bonus_minutes: int = 15
    time_limit_seconds: float = 5.0
    num_workers: int = 2


@dataclass(frozen=True, slots=True)
class CandidateScore:
    """One eligible technician's figures for one job (minutes)."""

    technician_id: str
    name: str
    travel_minutes: int
    booked_minutes: int
    wait_minutes: int
    cost: int


@dataclass(frozen=True, slots=True)
class Assignment:
    """The outcome for one job: technician and estimated arrival (None when unassigned)."""

    job_id: str
    technician_id: str | None
    arrival: datetime | None
    travel_minutes: int | None
    explanation: str
    candidates: tuple[CandidateScore, ...] = field(default_factory=tuple)

    @property
    def runner_up(self) -> CandidateScore | None:
        """The best-scoring eligible technician other than the chosen one."""
        others = [c for c in self.candidates if c.technician_id != self.technician_id]
        return others[0] if others else None


class AssignmentError(ValueError):
    """Raised for inconsistent input (unknown priority, duplicate ids, naive datetimes)."""


def _check(jobs: Sequence[JobToAssign], technicians: Sequence[TechnicianAvailability]) -> None:
    if len({j.job_id for j in jobs}) != len(jobs):
        raise AssignmentError("duplicate job ids")
    if len({t.technician_id for t in technicians}) != len(technicians):
        raise AssignmentError("duplicate technician ids")
    for job in jobs:
        if job.priority not in URGENCY_WEIGHT:
            raise AssignmentError(f"unknown priority {job.priority!r}; expected one of {PRIORITIES}")
        if job.duration_minutes <= 0:
            raise AssignmentError(f"job {job.job_id}: duration_minutes must be positive")
    for tech in technicians:
        if tech.shift_start.tzinfo is None or tech.free_from.tzinfo is None or tech.shift_end.tzinfo is None:
            raise AssignmentError(f"technician {tech.technician_id}: datetimes must be timezone-aware")


def score_candidates(
    job: JobToAssign,
    technicians: Sequence[TechnicianAvailability],
    not_before: datetime,
    params: AssignmentParams,
) -> list[CandidateScore]:
    """Eligible technicians for ``job`` (skill held, job fits the shift alone), cheapest first."""
    scores: list[CandidateScore] = []
    for tech in technicians:
        if job.required_skill not in tech.skills:
            continue
        travel = drive_minutes(
            tech.position_lat,
            tech.position_lon,
            job.lat,
            job.lon,
            road_factor=params.road_factor,
            average_speed_kmh=params.average_speed_kmh,
        )
        free_from = max(tech.free_from, not_before, tech.shift_start)
        if free_from + timedelta(minutes=travel + job.duration_minutes) > tech.shift_end:
            continue
        wait = max(0, math.ceil((free_from - not_before).total_seconds() / 60))
        cost = travel + params.workload_weight * tech.booked_minutes + URGENCY_WEIGHT[job.priority] * wait
        if tech.technician_id in job.preferred_technician_ids:
            cost -= params.preferred_bonus_minutes
        scores.append(
            CandidateScore(tech.technician_id, tech.name, travel, tech.booked_minutes, wait, round(cost))
        )
    scores.sort(key=lambda s: (s.cost, s.travel_minutes, s.technician_id))
    return scores


def assign_jobs(
    jobs: Sequence[JobToAssign],
    technicians: Sequence[TechnicianAvailability],
    *,
    not_before: datetime,
    params: AssignmentParams | None = None,
) -> list[Assignment]:
    """Assign ``jobs`` to ``technicians`` for one service day; one Assignment per job, in order.

    ``not_before`` (aware) is the earliest time work may start. Arrival of each job is computed
    by visiting a technician's new jobs in priority order after his booked work; no returned
    arrival ends past its technician's shift.
    Raises AssignmentError on inconsistent input.
    """
    params = params or AssignmentParams()
    _check(jobs, technicians)
    if not_before.tzinfo is None:
        raise AssignmentError("not_before must be timezone-aware")
    by_id = {t.technician_id: t for t in technicians}
    scores = {job.job_id: score_candidates(job, technicians, not_before, params) for job in jobs}

    model = cp_model.CpModel()
    x: dict[tuple[str, str], cp_model.IntVar] = {}
    for job in jobs:
        for s in scores[job.job_id]:
            x[job.job_id, s.technician_id] = model.new_bool_var(f"x[{job.job_id},{s.technician_id}]")
        model.add_at_most_one(x[job.job_id, s.technician_id] for s in scores[job.job_id])

    for tech in technicians:
        free_from = max(tech.free_from, not_before, tech.shift_start)
        capacity = max(0, int((tech.shift_end - free_from).total_seconds() // 60))
        terms = [
            (s.travel_minutes + job.duration_minutes) * x[job.job_id, tech.technician_id]
            for job in jobs
            for s in scores[job.job_id]
            if s.technician_id == tech.technician_id
        ]
        if terms:
            model.add(sum(terms) <= capacity)

    objective = []
    for job in jobs:
        assigned = sum(x[job.job_id, s.technician_id] for s in scores[job.job_id])
        objective.append(UNASSIGNED_PENALTY[job.priority] * (1 - assigned))
        objective.extend(s.cost * x[job.job_id, s.technician_id] for s in scores[job.job_id])
    model.minimize(sum(objective))

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = params.time_limit_seconds
    solver.parameters.num_workers = params.num_workers
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise AssignmentError(f"CP-SAT found no solution (status {solver.status_name(status)})")

    chosen: dict[str, str] = {
        job_id: tech_id for (job_id, tech_id), var in x.items() if solver.boolean_value(var)
    }
    arrivals = _arrivals(jobs, chosen, by_id, not_before, params)
    result: list[Assignment] = []
    for job in jobs:
        cands = tuple(scores[job.job_id])
        tech_id = chosen.get(job.job_id)
        if tech_id is None:
            why = (
                f"no technician with skill '{job.required_skill}' has room in the shift"
                if not cands
                else "every eligible technician's shift is full with higher-value work"
            )
            result.append(Assignment(job.job_id, None, None, None, why, cands))
            continue
        if job.job_id not in arrivals:
            why = f"{by_id[tech_id].name}'s route for the day has no room left once drives are chained"
            result.append(Assignment(job.job_id, None, None, None, why, cands))
            continue
        arrival, travel = arrivals[job.job_id]
        result.append(Assignment(job.job_id, tech_id, arrival, travel, _explain(tech_id, cands, job), cands))
    return result


def _arrivals(
    jobs: Sequence[JobToAssign],
    chosen: dict[str, str],
    by_id: dict[str, TechnicianAvailability],
    not_before: datetime,
    params: AssignmentParams,
) -> dict[str, tuple[datetime, int]]:
    rank = {p: i for i, p in enumerate(PRIORITIES)}
    out: dict[str, tuple[datetime, int]] = {}
    for tech_id in sorted(set(chosen.values())):
        tech = by_id[tech_id]
        clock = max(tech.free_from, not_before, tech.shift_start)
        lat, lon = tech.position_lat, tech.position_lon
        mine = sorted((j for j in jobs if chosen.get(j.job_id) == tech_id), key=lambda j: rank[j.priority])
        for job in mine:
            travel = drive_minutes(
                lat,
                lon,
                job.lat,
                job.lon,
                road_factor=params.road_factor,
                average_speed_kmh=params.average_speed_kmh,
            )
            arrival = clock + timedelta(minutes=travel)
            if arrival + timedelta(minutes=job.duration_minutes) > tech.shift_end:
                continue  # the capacity constraint counts drives from t's position; chained, it does not fit
            out[job.job_id] = (arrival, travel)
            clock = arrival + timedelta(minutes=job.duration_minutes)
            lat, lon = job.lat, job.lon
    return out


def _explain(tech_id: str, cands: tuple[CandidateScore, ...], job: JobToAssign) -> str:
    me = next(c for c in cands if c.technician_id == tech_id)
    parts = [
        f"{me.name}: has skill '{job.required_skill}', {me.travel_minutes} min drive, "
        f"{me.booked_minutes} min already booked, free in {me.wait_minutes} min"
    ]
    if tech_id in job.preferred_technician_ids:
        parts.append("customer's preferred technician")
    others = [c for c in cands if c.technician_id != tech_id]
    if others:
        ru = others[0]
        parts.append(
            f"runner-up {ru.name} ({ru.travel_minutes} min drive, {ru.booked_minutes} min booked, "
            f"score {ru.cost} vs {me.cost})"
        )
    else:
        parts.append("only eligible technician")
    return "; ".join(parts)
