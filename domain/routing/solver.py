"""Solve a RoutingProblem with the OR-Tools routing solver (Google OR-Tools, ``pywrapcp``).

Model (https://developers.google.com/optimization/routing): one vehicle per technician with its
own start and end node; a disjunction per job (drop penalty; "must serve" jobs get a penalty
larger than any routing cost, so the solver always returns a plan, and a job it cannot serve is
reported with its reason); allowed vehicles per job from skills, pins and a float pre-check that
the job fits the technician's day on its own; a time dimension (transit = service + drive +
buffer, slack = waiting) with job windows, shifts and the break as a fixed-duration interval
(``SetBreakIntervalsOfVehicle``); dimensions for job count, work minutes and load when limited.

Integer scaling: times are multiplied by ``time_scale`` and rounded **conservatively** (transits
and durations up, window and shift ends down, window starts up), so every integer-feasible
route is feasible in floating point. Arc costs are travel minutes x ``cost_scale``, rounded to
nearest. Reported times are recomputed in float from the chosen order
(:mod:`domain.routing.schedule`) and the plan is verified by :func:`check_plan` before it is
returned; a violation raises RoutingError instead of leaking.

After the search, each job left out is tried at its cheapest feasible position (float check);
it is inserted when it is a must-serve job or its added travel is below its penalty, otherwise
it is reported as deferred. The remaining jobs get their binding reason (ReasonCode).

Soft preferences: ``Job.technician_costs`` are added to the arc cost into the job for that
technician's vehicle (``SetArcCostEvaluatorOfVehicle``); ``balance_weight`` puts a soft upper
bound at the fair share on a per-technician service-minutes dimension. The objective reported
is travel minutes + drop penalties of unassigned jobs + soft-preference costs of the plan.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from ortools.constraint_solver import pywrapcp

from domain.routing.check import check_plan
from domain.routing.model import (
    Job,
    Plan,
    ReasonCode,
    Route,
    RoutingError,
    RoutingProblem,
    Technician,
    Unassigned,
    can_serve,
)
from domain.routing.params import SolveParams, search_parameters
from domain.routing.schedule import end_node, schedule_route, start_node
from domain.routing.travel import TravelMatrix

__all__ = ["SolveParams", "solve"]  # SolveParams lives in domain.routing.params

_CAP_INF = 10**15


def _limits_ok(tech: Technician, route: Route, jobs_by_id: dict[str, Job]) -> bool:
    if tech.max_jobs is not None and len(route.stops) > tech.max_jobs:
        return False
    if tech.capacity is not None and sum(jobs_by_id[s.job_id].demand for s in route.stops) > tech.capacity:
        return False
    if tech.max_work_minutes is not None:
        work = route.travel_minutes + sum(jobs_by_id[s.job_id].service_minutes for s in route.stops)
        if work > tech.max_work_minutes:
            return False
    return True


def _fits(
    problem: RoutingProblem, k: int, seq: Sequence[int], m: TravelMatrix, by_id: dict[str, Job]
) -> Route | None:
    r = schedule_route(problem, k, seq, m)
    if r is None or not _limits_ok(problem.technicians[k], r, by_id):
        return None
    return r


def _cheapest_insertion(
    problem: RoutingProblem,
    j: int,
    seqs: list[list[int]],
    routes: list[Route],
    m: TravelMatrix,
    by_id: dict[str, Job],
) -> tuple[int, int, Route] | None:
    best: tuple[int, int, Route] | None = None
    job = problem.jobs[j]
    for k, tech in enumerate(problem.technicians):
        if not can_serve(tech, job):
            continue
        for pos in range(len(seqs[k]) + 1):
            r = _fits(problem, k, [*seqs[k][:pos], j, *seqs[k][pos:]], m, by_id)
            if r is not None and (
                best is None
                or r.travel_minutes - routes[k].travel_minutes + job.cost_for(tech.technician_id)
                < best[2].travel_minutes
                - routes[best[0]].travel_minutes
                + job.cost_for(problem.technicians[best[0]].technician_id)
            ):
                best = (k, pos, r)
    return best


def _skills_text(job: Job) -> str:
    return ", ".join(sorted(job.required_skills)) or "none"


def solve(
    problem: RoutingProblem,
    matrix: TravelMatrix,
    params: SolveParams | None = None,
    initial_routes: Sequence[Sequence[int]] | None = None,
) -> Plan:
    """Plan the day: one Route per technician (problem order) and every other job as Unassigned.

    ``matrix`` is a provider's matrix over ``schedule.points_of(problem)``. ``initial_routes``,
    when given, is a warm start: per technician (problem order) the job indices in visiting
    order; the search starts from it instead of a first-solution heuristic when OR-Tools accepts
    it as feasible (otherwise it is ignored). Raises RoutingError on invalid input (see
    RoutingProblem.validate) or if the plan fails the float check.
    """
    params = params or SolveParams()
    problem.validate()
    n, v = len(problem.jobs), len(problem.technicians)
    if len(matrix.minutes) != n + 2 * v:
        raise RoutingError(f"matrix has order {len(matrix.minutes)}, expected {n + 2 * v}")
    t0 = time.perf_counter()
    by_id = {j.job_id: j for j in problem.jobs}
    S, C = params.time_scale, params.cost_scale
    reasons: dict[int, Unassigned] = {}
    allowed: dict[int, list[int]] = {}
    for j, job in enumerate(problem.jobs):
        skilled = [k for k, t in enumerate(problem.technicians) if can_serve(t, job)]
        if not skilled:
            who = (
                f"pinned technician {job.pinned_technician_id}"
                if job.pinned_technician_id
                else "no technician"
            )
            reasons[j] = Unassigned(
                job.job_id, ReasonCode.NO_SKILL, f"{who} holds the required skill(s): {_skills_text(job)}"
            )
            continue
        timely = [k for k in skilled if schedule_route(problem, k, [j], matrix) is not None]
        if math.ceil(job.window_start * S) > math.floor(job.window_end * S):
            timely = []
        if not timely:
            reasons[j] = Unassigned(
                job.job_id,
                ReasonCode.WINDOW,
                f"no technician with skill(s) {_skills_text(job)} can start it within "
                f"[{job.window_start:g}, {job.window_end:g}] and be back by the end of the shift",
            )
            continue
        fitting = [k for k in timely if _fits(problem, k, [j], matrix, by_id) is not None]
        if not fitting:
            reasons[j] = Unassigned(
                job.job_id,
                ReasonCode.CAPACITY,
                "alone it already exceeds every eligible technician's job, minute or load limit",
            )
            continue
        allowed[j] = fitting
    nodes = sorted(allowed)  # solver node i < len(nodes) -> problem job nodes[i]
    mcount = len(nodes)
    mat_idx = [*nodes] + [x for k in range(v) for x in (start_node(problem, k), end_node(problem, k))]
    starts = [mcount + 2 * k for k in range(v)]
    ends = [mcount + 2 * k + 1 for k in range(v)]
    seqs: list[list[int]] = [[] for _ in range(v)]
    status = "no jobs"
    if mcount and v:
        manager = pywrapcp.RoutingIndexManager(mcount + 2 * v, v, starts, ends)
        routing = pywrapcp.RoutingModel(manager)
        size = routing.Size() + v  # indices 0..Size()-1 plus the v end indices
        node_of = [manager.IndexToNode(i) for i in range(size)]
        service = [
            problem.jobs[nodes[x]].service_minutes if x < mcount else 0.0 for x in range(mcount + 2 * v)
        ]

        def is_job(x: int) -> bool:
            return x < mcount

        cost = [
            [round(matrix.minutes[mat_idx[a]][mat_idx[b]] * C) for b in range(mcount + 2 * v)]
            for a in range(mcount + 2 * v)
        ]
        transit = [
            [
                math.ceil(
                    (
                        service[a]
                        + matrix.minutes[mat_idx[a]][mat_idx[b]]
                        + (problem.buffer_minutes if is_job(a) and is_job(b) else 0.0)
                    )
                    * S
                )
                for b in range(mcount + 2 * v)
            ]
            for a in range(mcount + 2 * v)
        ]
        techs = problem.technicians
        # soft preferences: a per-technician cost of arriving at a job (one matrix per distinct column)
        extra_by_vehicle = [
            tuple(
                round(problem.jobs[nodes[x]].cost_for(t.technician_id) * C) if is_job(x) else 0
                for x in range(mcount + 2 * v)
            )
            for t in techs
        ]
        if any(any(col) for col in extra_by_vehicle):
            registered: dict[tuple[int, ...], int] = {}
            for k, col in enumerate(extra_by_vehicle):
                if col not in registered:
                    registered[col] = routing.RegisterTransitMatrix(
                        [[row[b] + col[b] for b in range(len(row))] for row in cost]
                    )
                routing.SetArcCostEvaluatorOfVehicle(registered[col], k)
        else:
            routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(cost))
        time_cb = routing.RegisterTransitMatrix(transit)
        horizon = math.floor(max(t.shift_end for t in problem.technicians) * S) + 1
        routing.AddDimension(time_cb, horizon, horizon, False, "time")
        tdim = routing.GetDimensionOrDie("time")
        for x in range(mcount):
            job = problem.jobs[nodes[x]]
            idx = manager.NodeToIndex(x)
            tdim.CumulVar(idx).SetRange(math.ceil(job.window_start * S), math.floor(job.window_end * S))
        solver = routing.solver()
        visit = [math.ceil(service[node_of[i]] * S) if is_job(node_of[i]) else 0 for i in range(size)]
        for k, tech in enumerate(problem.technicians):
            lo, hi = math.ceil(tech.shift_start * S), math.floor(tech.shift_end * S)
            tdim.CumulVar(routing.Start(k)).SetRange(lo, hi)
            tdim.CumulVar(routing.End(k)).SetRange(lo, hi)
            if tech.break_ is not None:
                br = tech.break_
                dur = math.ceil(br.minutes * S)
                bmin = max(math.ceil(br.earliest * S), lo)
                bmax = min(math.floor(br.latest * S), hi - dur)
                if bmin > bmax:  # no break fits the shift: the pre-check gave this technician no job
                    bmin = bmax = lo
                interval = solver.FixedDurationIntervalVar(bmin, bmax, dur, False, f"break{k}")
                tdim.SetBreakIntervalsOfVehicle([interval], k, visit)
            routing.AddVariableMinimizedByFinalizer(tdim.CumulVar(routing.End(k)))
            routing.AddVariableMaximizedByFinalizer(tdim.CumulVar(routing.Start(k)))
        if problem.balance_weight > 0 and v > 1:
            # workload balance: service minutes above the fair share cost balance_weight per minute
            svc_cb = routing.RegisterUnaryTransitVector(
                [math.ceil(service[x] * S) for x in range(mcount + 2 * v)]
            )
            routing.AddDimension(svc_cb, 0, _CAP_INF, True, "service")
            sdim = routing.GetDimensionOrDie("service")
            fair = math.ceil(sum(service[x] for x in range(mcount)) / v * S)
            coef = max(1, round(problem.balance_weight * C / S))
            for k in range(v):
                sdim.SetCumulVarSoftUpperBound(routing.End(k), fair, coef)
        if any(t.max_jobs is not None for t in techs):
            cnt_cb = routing.RegisterUnaryTransitVector(
                [1 if is_job(x) else 0 for x in range(mcount + 2 * v)]
            )
            routing.AddDimensionWithVehicleCapacity(
                cnt_cb, 0, [t.max_jobs if t.max_jobs is not None else mcount for t in techs], True, "jobs"
            )
        if any(t.max_work_minutes is not None for t in techs):
            work = [
                [
                    math.ceil((service[a] + matrix.minutes[mat_idx[a]][mat_idx[b]]) * S)
                    for b in range(mcount + 2 * v)
                ]
                for a in range(mcount + 2 * v)
            ]
            work_cb = routing.RegisterTransitMatrix(work)
            routing.AddDimensionWithVehicleCapacity(
                work_cb,
                0,
                [
                    math.floor(t.max_work_minutes * S) if t.max_work_minutes is not None else _CAP_INF
                    for t in techs
                ],
                True,
                "work",
            )
        if any(t.capacity is not None for t in techs):
            q = 1000
            dem_cb = routing.RegisterUnaryTransitVector(
                [
                    math.ceil(problem.jobs[nodes[x]].demand * q) if is_job(x) else 0
                    for x in range(mcount + 2 * v)
                ]
            )
            routing.AddDimensionWithVehicleCapacity(
                dem_cb,
                0,
                [math.floor(t.capacity * q) if t.capacity is not None else _CAP_INF for t in techs],
                True,
                "load",
            )
        max_arc = max((max(row) for row in cost), default=1)
        big = (mcount + 2 * v + 1) * max(max_arc, 1) * 2 + 1
        for x in range(mcount):
            job = problem.jobs[nodes[x]]
            idx = manager.NodeToIndex(x)
            must = job.drop_penalty is None or job.pinned_technician_id is not None
            penalty = big if must else round((job.drop_penalty or 0.0) * C)
            if not (must and params.hard_mandatory):
                routing.AddDisjunction([idx], penalty)
            if len(allowed[nodes[x]]) < v:  # -1 = unperformed
                routing.VehicleVar(idx).SetValues([-1, *allowed[nodes[x]]])
        search = search_parameters(params)
        start = None
        if initial_routes is not None:
            node_of_job = {j: x for x, j in enumerate(nodes)}
            warm = [
                [manager.NodeToIndex(node_of_job[j]) for j in seq if j in node_of_job]
                for seq in list(initial_routes)[:v]
            ]
            routing.CloseModelWithParameters(search)
            start = routing.ReadAssignmentFromRoutes(warm, True)
        if start is not None:
            solution = routing.SolveFromAssignmentWithParameters(start, search)
        else:
            solution = routing.SolveWithParameters(search)
        status = {0: "not solved", 1: "success", 2: "no solution found", 3: "time limit", 4: "invalid"}.get(
            routing.status(), str(routing.status())
        )
        if solution is not None:
            status = "solved"
            for k in range(v):
                i = routing.Start(k)
                i = solution.Value(routing.NextVar(i))
                while not routing.IsEnd(i):
                    seqs[k].append(nodes[node_of[i]])
                    i = solution.Value(routing.NextVar(i))
    routes: list[Route] = []
    for k in range(v):
        r = schedule_route(problem, k, seqs[k], matrix)
        if r is None:
            raise RoutingError(
                f"solver route of {problem.technicians[k].technician_id} fails the float schedule"
            )
        routes.append(r)
    served = {j for s in seqs for j in s}
    left = [j for j in allowed if j not in served]
    left.sort(
        key=lambda j: (problem.jobs[j].drop_penalty is not None, -(problem.jobs[j].drop_penalty or 0.0))
    )
    for j in left:
        job = problem.jobs[j]
        ins = _cheapest_insertion(problem, j, seqs, routes, matrix, by_id)
        if ins is None:
            reasons[j] = Unassigned(
                job.job_id,
                ReasonCode.CAPACITY,
                "every eligible technician's route is full (time, job, minute or load limit)",
            )
            continue
        k, pos, r = ins
        added = r.travel_minutes - routes[k].travel_minutes
        must = job.drop_penalty is None or job.pinned_technician_id is not None
        if must or added < (job.drop_penalty or 0.0):
            seqs[k].insert(pos, j)
            routes[k] = r
        else:
            reasons[j] = Unassigned(
                job.job_id,
                ReasonCode.DEFERRED,
                f"cheapest insertion adds {added:.1f} travel minutes "
                f"({problem.technicians[k].technician_id}), more than its penalty "
                f"{job.drop_penalty:g}",
            )
    unassigned = tuple(reasons[j] for j in sorted(reasons))
    objective = (
        sum(r.travel_minutes for r in routes)
        + sum(problem.jobs[j].drop_penalty or 0.0 for j in reasons)
        + sum(by_id[s.job_id].cost_for(r.technician_id) for r in routes for s in r.stops)
    )
    plan = Plan(tuple(routes), unassigned, objective, time.perf_counter() - t0, status)
    violations = check_plan(problem, plan, matrix)
    if violations:
        raise RoutingError(
            "plan fails the float check: " + "; ".join(f"{x.subject}: {x.message}" for x in violations[:5])
        )
    return plan
