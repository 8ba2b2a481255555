"""Batch insertion of new jobs into a day's current routes (issue 7, "Where it runs": insertion).

A repair approved during the day is not re-planned with the whole day: it is inserted into the
routes the technicians already have. Requests that arrive together for the same day are inserted
in **one** call (micro-batching), so they compete for the same free time in one model and can
never be given the same slot twice.

Rules, in order:

1. The current routes (``seqs``: each technician's job indices in visiting order) are kept: no
   booked job changes technician or leaves its window (the adapter gives booked jobs their
   promised arrival window and pins them to their technician). A technician whose current route
   already fails the float schedule (over-booked by hand or by an older model) takes no new job.
2. Construction, regret-2 cheapest feasible insertion: while some new job can still be inserted,
   the job with the largest regret (cost of its second-best technician minus its best; a job with
   one option only comes first) is inserted at its cheapest feasible position, must-serve jobs
   (``drop_penalty`` None) before the others. Cost = added travel minutes + the technician's
   soft-preference cost (:meth:`domain.routing.model.Job.cost_for`); feasibility is the float
   schedule of :func:`domain.routing.schedule_route` plus job/minute/load limits.
3. Short improvement: each inserted new job is taken out and re-inserted at the cheapest feasible
   position over all technicians when that is cheaper (relocate), until no move improves or
   ``improve_seconds`` has passed; then jobs still left out are tried again.
4. Every new job gets an answer: its technician, position and float route, or the binding reason
   (:class:`domain.routing.model.ReasonCode`: no skill, window infeasible even in an empty route,
   else capacity).

Pure and deterministic for a given input (ties broken by index); times in minutes as in
:mod:`domain.routing.model`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from domain.routing.explain import Insertion, _limits_ok
from domain.routing.model import Plan, ReasonCode, Route, RoutingError, RoutingProblem, Unassigned, can_serve
from domain.routing.schedule import end_node, schedule_route, start_node
from domain.routing.travel import TravelMatrix

EPS = 1e-9
#: regret of a job with a single feasible technician: inserted before any job with a choice
ONLY_OPTION = float("inf")


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a new job went: technician index ``k`` and id, the added cost (travel minutes +
    preference cost) and the runner-up technician's id and cost at the moment of insertion."""

    job: int
    k: int
    technician_id: str
    cost: float
    runner_up_technician_id: str | None
    runner_up_cost: float | None


@dataclass(frozen=True, slots=True)
class BatchResult:
    """The outcome of one batch: the new routes (one per technician, problem order), where each
    placed new job went, the new jobs left out with their reason, the technicians that took no
    job because their current route is already infeasible, and the improvement moves made."""

    routes: tuple[Route, ...]
    sequences: tuple[tuple[int, ...], ...]
    placed: dict[int, Placement]
    unplaced: tuple[Unassigned, ...]
    frozen_technicians: tuple[str, ...]
    relocations: int
    seconds: float

    def plan(self, problem: RoutingProblem) -> Plan:
        """The whole day as a Plan (every job not in a route is listed unassigned), for
        :func:`domain.routing.check_plan`."""
        served = {s.job_id for r in self.routes for s in r.stops}
        left = {u.job_id: u for u in self.unplaced}
        unassigned = tuple(
            left.get(j.job_id, Unassigned(j.job_id, ReasonCode.CAPACITY, "not on any current route"))
            for j in problem.jobs
            if j.job_id not in served
        )
        return Plan(self.routes, unassigned, status="insertion", solve_seconds=self.seconds)


def _reason(problem: RoutingProblem, matrix: TravelMatrix, j: int, frozen: set[int]) -> Unassigned:
    job = problem.jobs[j]
    skilled = [k for k, t in enumerate(problem.technicians) if can_serve(t, job)]
    if not skilled:
        skills = ", ".join(sorted(job.required_skills)) or "none"
        return Unassigned(job.job_id, ReasonCode.NO_SKILL, f"no technician on shift with skill(s) {skills}")
    alone = [k for k in skilled if schedule_route(problem, k, [j], matrix) is not None]
    if not alone:
        return Unassigned(
            job.job_id, ReasonCode.WINDOW, "no skilled technician can reach it within its window and shift"
        )
    open_ = [k for k in alone if k not in frozen]
    detail = f"{len(alone)} skilled technician(s) have no room left for it in their routes"
    if not open_:
        detail = f"the routes of the {len(alone)} skilled technician(s) are already over-full"
    return Unassigned(job.job_id, ReasonCode.CAPACITY, detail)


def _bounds(
    problem: RoutingProblem, matrix: TravelMatrix, k: int, seq: Sequence[int]
) -> tuple[list[float], list[float]]:
    """Per node of ``[start, *seq, end]``: the earliest end of service (departure at the start)
    and the latest start of service (arrival at the end), both ignoring the break. A break only
    delays, so these bound every feasible schedule: an insertion they rule out is infeasible."""
    tech, m, buf = problem.technicians[k], matrix.minutes, problem.buffer_minutes
    nodes = [start_node(problem, k), *seq, end_node(problem, k)]
    early = [tech.shift_start] * len(nodes)
    for g in range(1, len(nodes) - 1):
        job = problem.jobs[nodes[g]]
        need = m[nodes[g - 1]][nodes[g]] + (buf if g > 1 else 0.0)
        early[g] = max(early[g - 1] + need, job.window_start) + job.service_minutes
    late = [tech.shift_end] * len(nodes)
    for g in range(len(nodes) - 2, 0, -1):
        job = problem.jobs[nodes[g]]
        need = m[nodes[g]][nodes[g + 1]] + (buf if g < len(nodes) - 2 else 0.0)
        late[g] = min(job.window_end, late[g + 1] - need - job.service_minutes)
    return early, late


def cheapest_insertion(
    problem: RoutingProblem, matrix: TravelMatrix, seq: Sequence[int], j: int, k: int
) -> Insertion | None:
    """Technician k's cheapest feasible insertion of job index ``j`` into ``seq`` (None: lacks a
    skill, pinned elsewhere, or no position fits). The same answer as
    :func:`domain.routing.explain.best_insertion`, but positions that the break-free time
    bounds (:func:`_bounds`) rule out are skipped without scheduling the route."""
    tech, job = problem.technicians[k], problem.jobs[j]
    if not can_serve(tech, job):
        return None
    m, buf = matrix.minutes, problem.buffer_minutes
    nodes = [start_node(problem, k), *seq, end_node(problem, k)]
    base = sum(m[nodes[g]][nodes[g + 1]] for g in range(len(nodes) - 1))
    early, late = _bounds(problem, matrix, k, seq)
    last = len(nodes) - 2
    ranked = sorted(
        range(len(seq) + 1),
        key=lambda p: (m[nodes[p]][j] + m[j][nodes[p + 1]] - m[nodes[p]][nodes[p + 1]], p),
    )
    jobs = {x.job_id: x for x in problem.jobs}
    for p in ranked:
        start = max(early[p] + m[nodes[p]][j] + (buf if p > 0 else 0.0), job.window_start)
        if start > job.window_end:
            continue
        if start + job.service_minutes + m[j][nodes[p + 1]] + (buf if p <= last - 1 else 0.0) > late[p + 1]:
            continue
        r = schedule_route(problem, k, [*seq[:p], j, *seq[p:]], matrix)
        if r is not None and _limits_ok(tech, r, jobs):
            return Insertion(k, p, r.travel_minutes - base, job.cost_for(tech.technician_id), r)
    return None


class _Routes:
    """Mutable sequences and routes with a cache of each (job, technician) best insertion."""

    def __init__(self, problem: RoutingProblem, matrix: TravelMatrix, seqs: Sequence[Sequence[int]]):
        self.problem, self.matrix = problem, matrix
        self.seqs = [list(s) for s in seqs]
        self.jobs = {x.job_id: x for x in problem.jobs}
        self.routes: list[Route] = []
        self.frozen: set[int] = set()
        for k, seq in enumerate(self.seqs):
            r = schedule_route(problem, k, seq, matrix)
            if r is None or not _limits_ok(problem.technicians[k], r, self.jobs):
                self.frozen.add(k)
                tech = problem.technicians[k]
                r = r or Route(tech.technician_id, tech.shift_start, (), tech.shift_start, None, 0.0, 0.0)
            self.routes.append(r)
        #: per technician: job index -> its cheapest feasible insertion there (None: none)
        self.cache: list[dict[int, Insertion | None]] = [{} for _ in self.seqs]

    def best(self, j: int, k: int) -> Insertion | None:
        if k in self.frozen:
            return None
        column = self.cache[k]
        if j not in column:
            column[j] = cheapest_insertion(self.problem, self.matrix, self.seqs[k], j, k)
        return column[j]

    def options(self, j: int) -> list[Insertion]:
        found = [ins for k in range(len(self.seqs)) if (ins := self.best(j, k)) is not None]
        return sorted(found, key=lambda x: (x.cost, x.k))

    def put(self, j: int, ins: Insertion) -> None:
        k = ins.k
        self.seqs[k].insert(ins.position, j)
        self.routes[k] = ins.route
        # a job that did not fit route k does not fit it with one more job either (windows and
        # shift only get tighter), so only the feasible cached answers of k are recomputed
        self.cache[k] = {x: v for x, v in self.cache[k].items() if v is None}

    def take_out(self, j: int, k: int) -> bool:
        """Remove job j from route k; False (and nothing changed) when the rest is infeasible."""
        seq = [x for x in self.seqs[k] if x != j]
        r = schedule_route(self.problem, k, seq, self.matrix)
        if r is None:
            return False
        self.seqs[k] = seq
        self.routes[k] = r
        self.cache[k] = {}
        return True

    def restore(self, k: int, seq: list[int], route: Route) -> None:
        """Put route k back as it was before :meth:`take_out`."""
        self.seqs[k] = seq
        self.routes[k] = route
        self.cache[k] = {}


def _order_key(problem: RoutingProblem, j: int, options: list[Insertion]) -> tuple[int, float, float, int]:
    must = 0 if problem.jobs[j].drop_penalty is None else 1
    regret = ONLY_OPTION if len(options) == 1 else options[1].cost - options[0].cost
    return (must, -regret, options[0].cost, j)


def insert_batch(
    problem: RoutingProblem,
    matrix: TravelMatrix,
    seqs: Sequence[Sequence[int]],
    new_jobs: Sequence[int],
    *,
    improve_seconds: float = 0.2,
    explain_unplaced: bool = True,
) -> BatchResult:
    """Insert the job indices ``new_jobs`` into the current routes ``seqs`` (rules 1 to 4).

    ``seqs`` has one list per technician of ``problem`` (problem order) holding indices of
    already-booked jobs; ``new_jobs`` must be in no list. ``matrix`` is over
    :func:`domain.routing.points_of`. ``explain_unplaced`` False skips rule 4's reasons (each
    left-out job is then ``capacity``, "no room left"): a caller trying several days needs the
    reason of the last day only. Raises RoutingError when ``seqs`` does not match the
    technicians, a new job is already routed, or an index repeats or is out of range.
    """
    started = time.perf_counter()
    problem.validate()
    n = len(problem.jobs)
    if len(seqs) != len(problem.technicians):
        raise RoutingError("one current sequence per technician is needed")
    routed = [j for s in seqs for j in s]
    if len(set(routed)) != len(routed) or len(set(new_jobs)) != len(new_jobs):
        raise RoutingError("a job index repeats in the routes or in the new jobs")
    if any(not 0 <= j < n for j in (*routed, *new_jobs)) or set(routed) & set(new_jobs):
        raise RoutingError("job indices out of range, or a new job is already on a route")
    state = _Routes(problem, matrix, seqs)
    pending = set(new_jobs)
    placed: dict[int, Placement] = {}

    def construct() -> None:
        while pending:
            ranked = []
            for j in pending:
                opts = state.options(j)
                if opts:
                    ranked.append((_order_key(problem, j, opts), j, opts))
            if not ranked:
                return
            _, j, opts = min(ranked)
            best = opts[0]
            state.put(j, best)
            runner = opts[1] if len(opts) > 1 else None
            placed[j] = Placement(
                job=j,
                k=best.k,
                technician_id=problem.technicians[best.k].technician_id,
                cost=best.cost,
                runner_up_technician_id=problem.technicians[runner.k].technician_id if runner else None,
                runner_up_cost=runner.cost if runner else None,
            )
            pending.discard(j)

    construct()
    relocations = 0
    deadline = started + improve_seconds
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for j in sorted(placed):
            if time.perf_counter() >= deadline:
                break
            k = placed[j].k
            saved_seq, saved_route = list(state.seqs[k]), state.routes[k]
            if not state.take_out(j, k):
                continue
            removed_travel = saved_route.travel_minutes - state.routes[k].travel_minutes
            current = removed_travel + problem.jobs[j].cost_for(problem.technicians[k].technician_id)
            opts = state.options(j)
            if opts and opts[0].cost < current - 1e-6:
                best = opts[0]
                state.put(j, best)
                others = [o for o in opts if o.k != best.k]
                placed[j] = Placement(
                    job=j,
                    k=best.k,
                    technician_id=problem.technicians[best.k].technician_id,
                    cost=best.cost,
                    runner_up_technician_id=(
                        problem.technicians[others[0].k].technician_id if others else None
                    ),
                    runner_up_cost=others[0].cost if others else None,
                )
                relocations += 1
                improved = True
            else:  # put it back exactly where it was
                state.restore(k, saved_seq, saved_route)
        if improved:
            construct()
    unplaced = tuple(
        _reason(problem, matrix, j, state.frozen)
        if explain_unplaced
        else Unassigned(problem.jobs[j].job_id, ReasonCode.CAPACITY, "no room left in the current routes")
        for j in sorted(pending)
    )
    return BatchResult(
        routes=tuple(state.routes),
        sequences=tuple(tuple(s) for s in state.seqs),
        placed=placed,
        unplaced=unplaced,
        frozen_technicians=tuple(problem.technicians[k].technician_id for k in sorted(state.frozen)),
        relocations=relocations,
        seconds=time.perf_counter() - started,
    )
