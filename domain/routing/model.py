"""The VRPTW model of a dispatch day: technicians (vehicles), jobs (visits) and the returned plan.

Units: every time is in **minutes** (float) measured from an origin the caller chooses (for a
service day, usually local midnight; for a Solomon instance, time 0 of the file); every distance
is in **km** (for a Solomon instance, the file's Euclidean units). Points are ``(lat, lon)`` in
WGS84 degrees for the haversine provider, or plain ``(x, y)`` for the Euclidean one.

Semantics (checked by :func:`domain.routing.check.check_plan`, enforced by the solver):

- a job's service **starts** within ``[window_start, window_end]`` (Solomon 1987: ready time and
  due date bound the start of service) and lasts ``service_minutes`` (> 0);
- a technician leaves ``start`` no earlier than ``shift_start`` and is back at ``end`` no later
  than ``shift_end``; an unused technician has an empty route;
- the lunch break, when set, starts within ``[break_.earliest, break_.latest]``, lasts
  ``break_.minutes``, never overlaps a service or a drive, and lies within the shift;
- between two jobs a technician needs the drive time plus ``buffer_minutes``;
- ``required_skills`` must all be held by the technician (a technician with no skills only gets
  jobs requiring none); ``pinned_technician_id`` names the only technician allowed to serve the job;
- per technician: at most ``max_jobs`` jobs, at most ``max_work_minutes`` of drive + service time,
  and at most ``capacity`` total ``demand`` (the Solomon capacity constraint).

Soft preferences (costs, never constraints): ``Job.technician_costs`` adds, in travel-minute
units, a cost when a given technician serves the job (the dispatch adapter charges technicians
other than the customer's preferred ones, or other than the last one there); with
``RoutingProblem.balance_weight`` > 0 every service minute a technician gets above the fair share
(total service minutes / technicians) costs that many travel minutes (workload balance).
A locked visit (a dispatcher's pin with a time) is a job pinned to one technician whose window is
that single minute.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

Point = tuple[float, float]


class RoutingError(ValueError):
    """Raised for inconsistent input: duplicate ids, non-positive service, empty windows, unknown pins."""


@dataclass(frozen=True, slots=True)
class Break:
    """A break of ``minutes`` that starts between ``earliest`` and ``latest`` (minutes)."""

    earliest: float
    latest: float
    minutes: float


@dataclass(frozen=True, slots=True)
class Technician:
    """A vehicle: depots, shift (minutes), skills and the day's limits (None = unlimited)."""

    technician_id: str
    start: Point
    shift_start: float
    shift_end: float
    end: Point | None = None  # None: back to ``start``
    skills: frozenset[str] = frozenset()
    break_: Break | None = None
    max_jobs: int | None = None
    max_work_minutes: float | None = None
    capacity: float | None = None

    @property
    def end_point(self) -> Point:
        """Where the route ends: ``end``, else ``start``."""
        return self.end if self.end is not None else self.start


@dataclass(frozen=True, slots=True)
class Job:
    """A visit: place, service window (minutes), service minutes > 0, skills, demand, penalty, pin.

    ``drop_penalty`` is the cost (in the objective's unit, travel minutes) of leaving the job
    unserved; ``None`` means the job must be served — the solver then still returns a plan without
    it when no plan can serve it, and says why.
    """

    job_id: str
    location: Point
    window_start: float
    window_end: float
    service_minutes: float
    required_skills: frozenset[str] = frozenset()
    demand: float = 0.0
    drop_penalty: float | None = None
    pinned_technician_id: str | None = None
    technician_costs: tuple[tuple[str, float], ...] = ()

    def cost_for(self, technician_id: str) -> float:
        """The soft-preference cost (travel minutes) of ``technician_id`` serving this job (0 if unlisted)."""
        for tid, cost in self.technician_costs:
            if tid == technician_id:
                return cost
        return 0.0


@dataclass(frozen=True, slots=True)
class RoutingProblem:
    """One day to plan: technicians, jobs and the buffer between consecutive jobs (minutes)."""

    technicians: Sequence[Technician]
    jobs: Sequence[Job]
    buffer_minutes: float = 0.0
    balance_weight: float = 0.0

    def validate(self) -> None:
        """Raise RoutingError when ids repeat, a pin is unknown, or a duration/window is invalid."""
        tech_ids = [t.technician_id for t in self.technicians]
        if len(set(tech_ids)) != len(tech_ids):
            raise RoutingError("duplicate technician ids")
        job_ids = [j.job_id for j in self.jobs]
        if len(set(job_ids)) != len(job_ids):
            raise RoutingError("duplicate job ids")
        if self.buffer_minutes < 0:
            raise RoutingError("buffer_minutes must be >= 0")
        if self.balance_weight < 0:
            raise RoutingError("balance_weight must be >= 0")
        for t in self.technicians:
            if t.shift_end < t.shift_start:
                raise RoutingError(f"technician {t.technician_id}: shift ends before it starts")
            if t.break_ is not None and (t.break_.minutes <= 0 or t.break_.latest < t.break_.earliest):
                raise RoutingError(
                    f"technician {t.technician_id}: break needs minutes > 0 and earliest <= latest"
                )
            if t.max_jobs is not None and t.max_jobs < 0:
                raise RoutingError(f"technician {t.technician_id}: max_jobs must be >= 0")
        known = set(tech_ids)
        for j in self.jobs:
            if not j.service_minutes > 0:
                raise RoutingError(f"job {j.job_id}: service_minutes must be positive")
            if j.window_end < j.window_start:
                raise RoutingError(f"job {j.job_id}: window ends before it starts")
            if j.demand < 0:
                raise RoutingError(f"job {j.job_id}: demand must be >= 0")
            if j.drop_penalty is not None and j.drop_penalty < 0:
                raise RoutingError(f"job {j.job_id}: drop_penalty must be >= 0")
            if j.pinned_technician_id is not None and j.pinned_technician_id not in known:
                raise RoutingError(f"job {j.job_id}: pinned to unknown technician {j.pinned_technician_id}")
            for tid, cost in j.technician_costs:
                if not cost >= 0 or not math.isfinite(cost):
                    raise RoutingError(f"job {j.job_id}: technician cost of {tid} must be finite and >= 0")


def can_serve(tech: Technician, job: Job) -> bool:
    """True when ``tech`` holds every skill ``job`` requires and the job is not pinned elsewhere."""
    if job.pinned_technician_id is not None and job.pinned_technician_id != tech.technician_id:
        return False
    return job.required_skills <= tech.skills


@dataclass(frozen=True, slots=True)
class Stop:
    """A served job: arrival, service start and end (minutes), the drive to it (minutes, km)."""

    job_id: str
    arrival: float
    start: float
    end: float
    travel_minutes: float
    travel_km: float


@dataclass(frozen=True, slots=True)
class Route:
    """A technician's day: departure, ordered stops, break start (or None), return; totals."""

    technician_id: str
    departure: float
    stops: tuple[Stop, ...]
    return_time: float
    break_start: float | None
    travel_minutes: float
    travel_km: float


class ReasonCode(StrEnum):
    """Why a job is unassigned, from the most to the least specific."""

    NO_SKILL = "no_skill"  # no technician (or not the pinned one) holds the required skills
    WINDOW = "window_infeasible"  # no eligible technician can reach it within its window and shift
    CAPACITY = "capacity"  # eligible technicians exist, but no route has room left (time, jobs, load)
    DEFERRED = "deferred"  # it fits somewhere, but serving it costs more than its drop penalty


@dataclass(frozen=True, slots=True)
class Unassigned:
    """A job left out of the plan, with the binding reason and a sentence for people."""

    job_id: str
    reason: ReasonCode
    detail: str


@dataclass(frozen=True, slots=True)
class Plan:
    """The solver's answer: one Route per technician (in input order) and the unassigned jobs."""

    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    objective: float = 0.0  # total travel minutes + drop penalties of unassigned jobs
    solve_seconds: float = 0.0
    status: str = ""
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def travel_minutes(self) -> float:
        """Total drive minutes over all routes."""
        return sum(r.travel_minutes for r in self.routes)

    @property
    def travel_km(self) -> float:
        """Total drive km over all routes."""
        return sum(r.travel_km for r in self.routes)

    @property
    def served(self) -> int:
        """Number of jobs served."""
        return sum(len(r.stops) for r in self.routes)

    @property
    def vehicles_used(self) -> int:
        """Technicians with at least one job."""
        return sum(1 for r in self.routes if r.stops)
