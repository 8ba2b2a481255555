"""domain.routing.improve and the solver's warm start: small instances whose optimum is computed
here by exhaustive enumeration (independently of OR-Tools), feasibility and objective asserted."""

import itertools
import random

import pytest

from domain.routing import (
    EuclideanTravel,
    Job,
    RoutingProblem,
    SolveParams,
    Technician,
    check_plan,
    points_of,
    schedule_route,
    solve,
)
from domain.routing.improve import ImproveParams, improve_plan, solve_improved
from domain.routing.model import Plan

BASE = SolveParams(time_limit_seconds=0.3, time_scale=1000, cost_scale=1000)
DEPOT = (0.0, 0.0)


def brute_force_optimum(problem, matrix):
    """Least total travel serving every job, over every split of every job order into routes of
    identical technicians (capacity checked here, windows and shift by schedule_route)."""
    n, v = len(problem.jobs), len(problem.technicians)
    cap = problem.technicians[0].capacity
    best = float("inf")
    for order in itertools.permutations(range(n)):
        for cuts in range(min(v, n)):
            for at in itertools.combinations(range(1, n), cuts):
                bounds = [0, *at, n]
                total = 0.0
                for k in range(len(bounds) - 1):
                    seq = order[bounds[k] : bounds[k + 1]]
                    if cap is not None and sum(problem.jobs[j].demand for j in seq) > cap:
                        break
                    r = schedule_route(problem, k, seq, matrix)
                    if r is None:
                        break
                    total += r.travel_minutes
                else:
                    best = min(best, total)
    return best


def random_instance(seed, n=6, v=3):
    rng = random.Random(seed)
    techs = [Technician(f"V{k}", DEPOT, 0.0, 300.0, capacity=10.0) for k in range(v)]
    jobs = []
    for j in range(n):
        x, y = rng.randint(-30, 30), rng.randint(-30, 30)
        ws = rng.choice([0, 40, 80, 120])
        jobs.append(
            Job(
                f"J{j}",
                (float(x), float(y)),
                float(ws),
                float(ws + rng.choice([60, 90, 200])),
                float(rng.randint(5, 20)),
                demand=float(rng.randint(1, 4)),
            )
        )
    return RoutingProblem(techs, jobs)


def assert_feasible(problem, plan, matrix):
    assert check_plan(problem, plan, matrix) == []
    assert plan.unassigned == () and plan.served == len(problem.jobs)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_solve_improved_reaches_the_enumerated_optimum(seed):
    problem = random_instance(seed)
    matrix = EuclideanTravel().matrix(points_of(problem))
    optimum = brute_force_optimum(problem, matrix)
    assert optimum < float("inf")
    plan, stats = solve_improved(problem, matrix, ImproveParams(1.2, 0.3, 0.2, 4, base=BASE))
    assert_feasible(problem, plan, matrix)
    assert plan.travel_km == pytest.approx(optimum, abs=1e-6)
    assert plan.objective == pytest.approx(optimum, abs=1e-6)
    assert stats.final_cost <= stats.initial_cost + 1e-9


def two_clusters():
    east = [Job(f"e{i}", p, 0.0, 1000.0, 1.0, demand=1.0) for i, p in enumerate([(10, 0), (11, 0), (10, 1)])]
    west = [
        Job(f"w{i}", p, 0.0, 1000.0, 1.0, demand=1.0) for i, p in enumerate([(-10, 0), (-11, 0), (-10, 1)])
    ]
    techs = [Technician(f"V{k}", DEPOT, 0.0, 1000.0, capacity=3.0) for k in range(3)]
    return RoutingProblem(techs, east + west)


def test_improve_plan_repairs_a_deliberately_bad_plan():
    problem = two_clusters()
    matrix = EuclideanTravel().matrix(points_of(problem))
    # each route zig-zags between the clusters: feasible, but far from the optimum
    bad = [[0, 3, 1], [4, 2, 5], []]
    routes = tuple(schedule_route(problem, k, seq, matrix) for k, seq in enumerate(bad))
    plan = Plan(routes, (), sum(r.travel_minutes for r in routes))
    assert check_plan(problem, plan, matrix) == []
    better, stats = improve_plan(
        problem, matrix, plan, ImproveParams(sub_seconds=0.2, sub_jobs=6, base=BASE), 0.8
    )
    assert_feasible(problem, better, matrix)
    optimum = brute_force_optimum(problem, matrix)
    assert optimum == pytest.approx(2 * (10 + 1 + 2**0.5 + 101**0.5))
    assert better.travel_km == pytest.approx(optimum)
    assert stats.accepted >= 1 and stats.final_cost < stats.initial_cost
    assert better.status.endswith("+lns")


def test_warm_start_is_the_starting_point_of_the_search():
    problem = two_clusters()
    matrix = EuclideanTravel().matrix(points_of(problem))
    start = [[0, 1, 2], [3, 4, 5], []]
    # greedy descent from the optimal routes cannot do better, and must not do worse
    params = SolveParams(
        time_limit_seconds=0.3, metaheuristic="GREEDY_DESCENT", time_scale=1000, cost_scale=1000
    )
    plan = solve(problem, matrix, params, initial_routes=start)
    assert_feasible(problem, plan, matrix)
    assert plan.travel_km == pytest.approx(2 * (10 + 1 + 2**0.5 + 101**0.5))


def test_infeasible_warm_start_is_ignored():
    problem = two_clusters()
    matrix = EuclideanTravel().matrix(points_of(problem))
    over_capacity = [[0, 1, 2, 3], [4, 5], []]
    plan = solve(problem, matrix, BASE, initial_routes=over_capacity)
    assert_feasible(problem, plan, matrix)
    assert all(len(r.stops) <= 3 for r in plan.routes)


def test_lns_keeps_unassigned_jobs_unassigned_with_their_reason():
    problem = two_clusters()
    far = Job("far", (400.0, 0.0), 0.0, 1000.0, 1.0, demand=1.0, drop_penalty=5.0)
    problem = RoutingProblem(problem.technicians, [*problem.jobs, far])
    matrix = EuclideanTravel().matrix(points_of(problem))
    plan, _ = solve_improved(problem, matrix, ImproveParams(1.0, 0.3, 0.2, 6, base=BASE))
    assert check_plan(problem, plan, matrix) == []
    assert [u.job_id for u in plan.unassigned] == ["far"]
    assert plan.objective == pytest.approx(plan.travel_km + 5.0)
