"""Improvement around the OR-Tools solver: decomposition LNS with OR-Tools as the repair step.

One OR-Tools guided local search over the whole day stalls well above the best known distances
on 100-customer VRPTW benchmarks (Solomon 1987): each of its steps scans every move over the
whole day (about a second per step here, with time windows), so in 30 s it takes a few dozen
steps. This module runs the whole-day search only to its first local optimum (one per
first-solution strategy, the cheapest kept) and then repeats, until the time limit:

1. **ruin**: pick a seed job at random and take the routes that serve the jobs nearest to it
   (nearest first) until about ``sub_jobs`` jobs and ``min_routes`` routes are covered, plus
   one unused technician when there is one (so the repair may open a route); a set of routes
   already re-solved without gain since it last changed is not tried again;
2. **recreate**: solve that sub-problem (only those technicians and jobs, the same rules) with
   OR-Tools guided local search for ``sub_seconds``, from its first-solution heuristic (a
   restart, which escapes the current routes' shape) or, for grown sub-problems, warm-started
   from the current routes;
3. **accept** the new routes when they serve the same jobs at a lower cost (travel minutes +
   soft-preference costs, the objective :func:`domain.routing.solver.solve` reports);
4. after ``stall_rounds`` sub-problems in a row without gain, sub-problems grow by half of
   ``sub_jobs`` (and their time in proportion), up to the whole day; a gain resets the size.

This is the decomposition scheme of POPMUSIC (Taillard & Voss 2002) and of the route-based LNS
of Shaw (1998) / Pisinger & Ropke (2007), with an exact-rule solver as the repair. The
sub-problems are small, so guided local search takes hundreds of steps a second on them.

Every sub-plan is checked by :func:`domain.routing.check.check_plan` inside ``solve`` and the
assembled plan is checked again before it is returned (RoutingError on a violation), so no
integer rounding can leak an infeasible plan. Jobs the whole-day search left unassigned stay
unassigned with their reasons; the LNS only re-plans served jobs.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from domain.routing.check import check_plan
from domain.routing.model import Plan, Route, RoutingError, RoutingProblem
from domain.routing.params import SolveParams
from domain.routing.schedule import end_node, schedule_route, start_node
from domain.routing.solver import solve
from domain.routing.travel import TravelMatrix


@dataclass(frozen=True, slots=True)
class ImproveParams:
    """Settings of :func:`solve_improved`; times in wall seconds.

    ``time_limit_seconds`` bounds the whole call; ``initial_share`` of it goes to the whole-day
    search, split evenly between the ``first_solutions`` strategies (OR-Tools
    FirstSolutionStrategy names; a restart each, the cheapest plan is kept; ``base`` settings
    otherwise); each sub-problem gets ``sub_seconds`` and about ``sub_jobs`` jobs, but at least
    ``min_routes`` routes (long routes, as in Solomon's R2/C2/RC2, would otherwise be re-solved
    one at a time). The whole-day search uses ``initial_metaheuristic`` (measured on Solomon
    R1/R2/RC: guided local search beats a plain descent there, the LNS then does the rest).
    ``warm_start`` True starts every sub-problem from the current routes; by default only grown
    ones do (``stall_rounds``), the others restart from OR-Tools' first-solution heuristic.
    When the first whole-day plan has ``long_route_jobs`` jobs or more per route (Solomon's C2,
    R2, RC2), the whole-day search is run again from scratch with ``long_route_share`` of the
    time limit and the other strategies are skipped: with three to eight routes a sub-problem of
    two routes is a third of the day, and on those instances (measured: R211, C203, RC208 at
    30 s) a longer whole-day search before the LNS gives shorter plans.
    ``seed`` makes the choice of sub-problems reproducible (the OR-Tools search itself is
    deterministic; its time limits are not).
    """

    time_limit_seconds: float = 30.0
    initial_share: float = 0.2
    sub_seconds: float = 1.0
    sub_jobs: int = 30
    min_routes: int = 2
    seed: int = 0
    first_solutions: tuple[str, ...] = ("PARALLEL_CHEAPEST_INSERTION", "SAVINGS")
    initial_metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    warm_start: bool = False
    stall_rounds: int = 4
    long_route_jobs: float = 15.0
    long_route_share: float = 0.6
    base: SolveParams = field(default_factory=SolveParams)


@dataclass(frozen=True, slots=True)
class ImproveStats:
    """What the LNS did: sub-problems solved, accepted, and the cost before and after (minutes)."""

    rounds: int
    accepted: int
    initial_cost: float
    final_cost: float


def _sub_matrix(matrix: TravelMatrix, idx: Sequence[int]) -> TravelMatrix:
    return TravelMatrix(
        minutes=tuple(tuple(matrix.minutes[a][b] for b in idx) for a in idx),
        km=tuple(tuple(matrix.km[a][b] for b in idx) for a in idx),
    )


def _cost(problem: RoutingProblem, seq: Sequence[int], route: Route) -> float:
    """Travel minutes + soft-preference costs of one route (its share of the ``solve`` objective)."""
    return route.travel_minutes + sum(problem.jobs[j].cost_for(route.technician_id) for j in seq)


class _Lns:
    """State of one LNS run over ``problem``: the current job sequence per technician."""

    def __init__(self, problem: RoutingProblem, matrix: TravelMatrix, plan: Plan, params: ImproveParams):
        self.problem, self.matrix, self.params = problem, matrix, params
        self.rng = random.Random(params.seed)
        self.sub_jobs = params.sub_jobs
        self.stalled = 0
        self.failed: set[frozenset[tuple[int, ...]]] = set()
        index = {j.job_id: i for i, j in enumerate(problem.jobs)}
        self.seqs: list[list[int]] = [[index[s.job_id] for s in r.stops] for r in plan.routes]
        self.costs = [_cost(problem, seq, r) for seq, r in zip(self.seqs, plan.routes, strict=True)]
        n = len(problem.jobs)
        # jobs nearest first, by drive minutes either way (the relatedness of Shaw 1998)
        m = matrix.minutes
        self.near = [
            sorted(range(n), key=[m[a][b] + m[b][a] for b in range(n)].__getitem__) for a in range(n)
        ]

    def route_of(self) -> dict[int, int]:
        return {j: k for k, seq in enumerate(self.seqs) for j in seq}

    def _around(self, seed: int, owner: dict[int, int], sub_jobs: int) -> list[int]:
        ks: list[int] = []
        size = 0
        for j in self.near[seed]:
            k = owner.get(j)
            if k is None or k in ks:
                continue
            ks.append(k)
            size += len(self.seqs[k])
            if size >= sub_jobs and len(ks) >= self.params.min_routes:
                break
        return ks

    def key(self, ks: Sequence[int]) -> frozenset[tuple[int, ...]]:
        """The content of the routes ``ks``: a sub-problem already solved without gain has the same key."""
        return frozenset(tuple(self.seqs[k]) for k in ks if self.seqs[k])

    def pick(self) -> list[int]:
        """Technicians of a sub-problem: the routes serving the jobs nearest a random served job
        (about ``sub_jobs`` jobs, at least ``min_routes`` routes), plus one idle technician.

        Route sets already re-solved without gain since they last changed are skipped (the
        "optimised parts" of POPMUSIC); when every seed tried leads to one, sub-problems grow by
        half of ``sub_jobs``, up to the whole day.
        """
        owner = self.route_of()
        served = list(owner)
        ks: list[int] = []
        for _ in range(3 * len(served)):
            ks = self._around(self.rng.choice(served), owner, self.sub_jobs)
            if self.key(ks) not in self.failed:
                break
        else:
            self.sub_jobs = min(self.sub_jobs + self.params.sub_jobs // 2, len(served))
        idle = [k for k, seq in enumerate(self.seqs) if not seq]
        if idle:
            ks.append(self.rng.choice(idle))
        return ks

    def repair(self, ks: list[int], seconds: float) -> bool:
        """Re-solve the routes of technicians ``ks``; keep the answer when it is cheaper."""
        p = self.problem
        jobs = [j for k in ks for j in self.seqs[k]]
        pos = {j: x for x, j in enumerate(jobs)}
        sub = RoutingProblem(
            [p.technicians[k] for k in ks], [p.jobs[j] for j in jobs], p.buffer_minutes, p.balance_weight
        )
        idx = [*jobs] + [x for k in ks for x in (start_node(p, k), end_node(p, k))]
        sub_m = _sub_matrix(self.matrix, idx)
        warm = [[pos[j] for j in self.seqs[k]] for k in ks]
        base = replace(self.params.base, time_limit_seconds=seconds)
        grown = len(jobs) > self.params.sub_jobs * 1.25
        plan = solve(sub, sub_m, base, initial_routes=warm if self.params.warm_start or grown else None)
        if plan.unassigned:
            return self._fail(ks)
        sub_index = {j.job_id: x for x, j in enumerate(sub.jobs)}
        new_seqs = [[jobs[sub_index[s.job_id]] for s in r.stops] for r in plan.routes]
        new_cost = [_cost(p, seq, r) for seq, r in zip(new_seqs, plan.routes, strict=True)]
        if sum(new_cost) >= sum(self.costs[k] for k in ks) - 1e-7:
            return self._fail(ks)
        for k, seq, c in zip(ks, new_seqs, new_cost, strict=True):
            self.seqs[k] = seq
            self.costs[k] = c
        self.stalled = 0
        self.sub_jobs = self.params.sub_jobs
        return True

    def _fail(self, ks: Sequence[int]) -> bool:
        """Remember a sub-problem solved without gain; after ``stall_rounds`` in a row, grow them."""
        self.failed.add(self.key(ks))
        self.stalled += 1
        if self.stalled >= self.params.stall_rounds:
            self.stalled = 0
            self.sub_jobs = min(self.sub_jobs + self.params.sub_jobs // 2, len(self.problem.jobs))
        return False

    def seconds_for(self) -> float:
        """Sub-problem time: ``sub_seconds``, in proportion when sub-problems have grown."""
        return self.params.sub_seconds * max(1.0, self.sub_jobs / self.params.sub_jobs)


def improve_plan(
    problem: RoutingProblem,
    matrix: TravelMatrix,
    plan: Plan,
    params: ImproveParams,
    seconds: float,
) -> tuple[Plan, ImproveStats]:
    """Improve a feasible ``plan`` of ``problem`` by decomposition LNS for ``seconds`` (wall).

    The served jobs stay served (each possibly by another technician), the unassigned stay
    unassigned with their reasons. Raises RoutingError when the result fails the float check.
    """
    t0 = time.perf_counter()
    deadline = t0 + seconds
    if not plan.served:
        return plan, ImproveStats(0, 0, plan.objective, plan.objective)
    lns = _Lns(problem, matrix, plan, params)
    start_cost = sum(lns.costs)
    rounds = accepted = 0
    while True:
        left = deadline - time.perf_counter()
        if left < min(0.2, params.sub_seconds):
            break
        ks = lns.pick()
        rounds += 1
        if lns.repair(ks, min(lns.seconds_for(), max(left - 0.05, 0.05))):
            accepted += 1
    routes: list[Route] = []
    for k in range(len(problem.technicians)):
        r = schedule_route(problem, k, lns.seqs[k], matrix)
        if r is None:
            raise RoutingError(
                f"improved route of {problem.technicians[k].technician_id} fails the float schedule"
            )
        routes.append(r)
    left_out = {u.job_id for u in plan.unassigned}
    penalties = sum(j.drop_penalty or 0.0 for j in problem.jobs if j.job_id in left_out)
    cost = sum(lns.costs)
    out = Plan(
        tuple(routes),
        plan.unassigned,
        cost + penalties,
        plan.solve_seconds + time.perf_counter() - t0,
        f"{plan.status}+lns" if rounds else plan.status,
    )
    violations = check_plan(problem, out, matrix)
    if violations:
        raise RoutingError(
            "improved plan fails the float check: "
            + "; ".join(f"{x.subject}: {x.message}" for x in violations[:5])
        )
    return out, ImproveStats(rounds, accepted, start_cost, cost)


def _initial(params: ImproveParams, first_solution: str, seconds: float) -> SolveParams:
    return replace(
        params.base,
        time_limit_seconds=seconds,
        first_solution=first_solution,
        metaheuristic=params.initial_metaheuristic,
    )


def solve_improved(
    problem: RoutingProblem, matrix: TravelMatrix, params: ImproveParams | None = None
) -> tuple[Plan, ImproveStats]:
    """Plan the day like :func:`domain.routing.solver.solve`, then improve it by decomposition LNS.

    Same inputs, rules and Plan shape as ``solve``; ``params.initial_share`` of the time limit
    goes to ``solve``, the rest to :func:`improve_plan`. The plan's ``solve_seconds`` covers the
    whole call and its ``status`` ends in ``+lns`` when the LNS ran. Raises RoutingError on
    invalid input or when a plan fails the float check.
    """
    params = params or ImproveParams()
    t0 = time.perf_counter()
    strategies = params.first_solutions or (params.base.first_solution,)
    share = params.time_limit_seconds * params.initial_share / len(strategies)
    plan: Plan | None = None
    for name in strategies:
        cand = solve(problem, matrix, _initial(params, name, share))
        if plan is None or (cand.served, -cand.objective) > (plan.served, -plan.objective):
            plan = cand
        if plan.vehicles_used and plan.served / plan.vehicles_used >= params.long_route_jobs:
            # long routes: the whole-day search beats the decomposition; give it the long share
            longer = params.time_limit_seconds * params.long_route_share - (time.perf_counter() - t0)
            if longer > share:
                cand = solve(problem, matrix, _initial(params, name, longer))
                if (cand.served, -cand.objective) > (plan.served, -plan.objective):
                    plan = cand
            break
    assert plan is not None
    left = params.time_limit_seconds - (time.perf_counter() - t0)
    out, stats = improve_plan(problem, matrix, plan, params, left)
    return replace(out, solve_seconds=time.perf_counter() - t0), stats
