"""Property tests (hypothesis): no plan returned by the solver breaks skills, windows, shifts,
breaks or pins, whatever the instance; each rule is asserted here directly, not only through
check_plan."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.routing import (
    Break,
    EuclideanTravel,
    Job,
    RoutingProblem,
    SolveParams,
    Technician,
    check_plan,
    points_of,
    solve,
)
from domain.routing.improve import ImproveParams, improve_plan

SKILLS = ("pump", "camera", "jet")
EPS = 1e-6
coord = st.tuples(st.integers(-20, 20).map(float), st.integers(-20, 20).map(float))


@st.composite
def problems(draw):
    n_techs = draw(st.integers(1, 3))
    techs = []
    for k in range(n_techs):
        start = draw(st.integers(0, 60))
        end = start + draw(st.integers(30, 300))
        brk = None
        if draw(st.booleans()):
            earliest = draw(st.integers(start, end))
            brk = Break(earliest, earliest + draw(st.integers(0, 60)), draw(st.integers(5, 45)) + 0.5)
        techs.append(
            Technician(
                f"T{k}",
                draw(coord),
                float(start),
                float(end),
                skills=frozenset(draw(st.sets(st.sampled_from(SKILLS), max_size=2))),
                break_=brk,
                max_jobs=draw(st.none() | st.integers(0, 4)),
                capacity=draw(st.none() | st.integers(1, 20).map(float)),
            )
        )
    jobs = []
    for j in range(draw(st.integers(1, 8))):
        ws = draw(st.integers(0, 300))
        jobs.append(
            Job(
                f"J{j}",
                draw(coord),
                float(ws),
                float(ws + draw(st.integers(0, 120))),
                draw(st.integers(1, 60)) + draw(st.sampled_from([0.0, 0.25, 0.333])),
                required_skills=frozenset(draw(st.sets(st.sampled_from(SKILLS), max_size=2))),
                demand=float(draw(st.integers(0, 8))),
                drop_penalty=draw(st.none() | st.integers(0, 200).map(float)),
                pinned_technician_id=draw(st.none() | st.sampled_from([t.technician_id for t in techs])),
            )
        )
    return RoutingProblem(techs, jobs, buffer_minutes=float(draw(st.sampled_from([0, 0, 5]))))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_no_returned_plan_breaks_a_hard_rule(problem):
    matrix = EuclideanTravel().matrix(points_of(problem))
    plan = solve(problem, matrix, SolveParams(time_limit_seconds=0.1, time_scale=7, cost_scale=10))
    assert check_plan(problem, plan, matrix) == []
    jobs = {j.job_id: (i, j) for i, j in enumerate(problem.jobs)}
    techs = {t.technician_id: t for t in problem.technicians}
    served = [s.job_id for r in plan.routes for s in r.stops]
    assert len(served) == len(set(served))
    assert set(served) | {u.job_id for u in plan.unassigned} == set(jobs)
    for route in plan.routes:
        tech = techs[route.technician_id]
        if not route.stops:
            continue
        assert route.departure >= tech.shift_start - EPS and route.return_time <= tech.shift_end + EPS
        for s in route.stops:
            _, job = jobs[s.job_id]
            assert job.required_skills <= tech.skills  # skills are hard
            assert job.pinned_technician_id in (None, tech.technician_id)  # pins are hard
            assert job.window_start - EPS <= s.start <= job.window_end + EPS
            assert abs(s.end - s.start - job.service_minutes) < EPS
        for a, b in zip(route.stops, route.stops[1:], strict=False):
            drive = matrix.minutes[jobs[a.job_id][0]][jobs[b.job_id][0]]
            assert b.start >= a.end + drive + problem.buffer_minutes - EPS
        if tech.max_jobs is not None:
            assert len(route.stops) <= tech.max_jobs
        if tech.break_ is not None:
            b = route.break_start
            assert b is not None and tech.break_.earliest - EPS <= b <= tech.break_.latest + EPS
            assert all(s.end <= b + EPS or s.start >= b + tech.break_.minutes - EPS for s in route.stops)
            assert tech.shift_start - EPS <= b and b + tech.break_.minutes <= tech.shift_end + EPS


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_the_lns_keeps_every_rule_the_served_jobs_and_never_costs_more(problem):
    matrix = EuclideanTravel().matrix(points_of(problem))
    base = SolveParams(time_limit_seconds=0.1, time_scale=7, cost_scale=10)
    first = solve(problem, matrix, base)
    params = ImproveParams(sub_seconds=0.1, sub_jobs=3, min_routes=1, base=base)
    plan, stats = improve_plan(problem, matrix, first, params, 0.3)
    assert check_plan(problem, plan, matrix) == []
    assert plan.objective <= first.objective + EPS and stats.final_cost <= stats.initial_cost + EPS
    assert {s.job_id for r in plan.routes for s in r.stops} == {
        s.job_id for r in first.routes for s in r.stops
    }
    assert plan.unassigned == first.unassigned
    jobs = {j.job_id: j for j in problem.jobs}
    techs = {t.technician_id: t for t in problem.technicians}
    for route in plan.routes:
        tech = techs[route.technician_id]
        for s in route.stops:
            job = jobs[s.job_id]
            assert job.required_skills <= tech.skills and job.pinned_technician_id in (
                None,
                tech.technician_id,
            )
            assert job.window_start - EPS <= s.start <= job.window_end + EPS
        if tech.max_jobs is not None:
            assert len(route.stops) <= tech.max_jobs
        if tech.capacity is not None:
            assert sum(jobs[s.job_id].demand for s in route.stops) <= tech.capacity + EPS
