"""domain.routing: hand-made instances with a known optimum, reasons, the float checker, Solomon reader."""

from dataclasses import replace
from pathlib import Path

import pytest

from domain.routing import (
    Break,
    EuclideanTravel,
    HaversineTravel,
    Job,
    ReasonCode,
    RoutingError,
    RoutingProblem,
    SolveParams,
    Technician,
    check_plan,
    points_of,
    solve,
)
from domain.routing.solomon import SolomonFormatError, parse_solomon, to_problem

FAST = SolveParams(time_limit_seconds=0.5, time_scale=1000, cost_scale=1000)
DEPOT = (0.0, 0.0)


def tech(tid="T1", *, at=DEPOT, start=0.0, end=1000.0, skills=(), **kw):
    return Technician(tid, at, start, end, skills=frozenset(skills), **kw)


def job(jid, at, ws=0.0, we=1000.0, service=1.0, skills=(), **kw):
    return Job(jid, at, ws, we, service, required_skills=frozenset(skills), **kw)


def run(problem, params=FAST):
    matrix = EuclideanTravel().matrix(points_of(problem))
    plan = solve(problem, matrix, params)
    assert check_plan(problem, plan, matrix) == []
    return plan, matrix


def route_of(plan, tid):
    return next(r for r in plan.routes if r.technician_id == tid)


def test_line_out_and_back_is_optimal():
    problem = RoutingProblem([tech()], [job("a", (1, 0)), job("c", (3, 0)), job("b", (2, 0))])
    plan, _ = run(problem)
    assert plan.travel_km == pytest.approx(6.0)
    assert plan.unassigned == ()


def test_capacity_forces_two_vehicles():
    jobs = [job("e", (10, 0), demand=1), job("w", (-10, 0), demand=1)]
    problem = RoutingProblem([tech("T1", capacity=1), tech("T2", capacity=1)], jobs)
    plan, _ = run(problem)
    assert plan.vehicles_used == 2
    assert plan.travel_km == pytest.approx(40.0)


def test_time_windows_force_the_order_and_waiting():
    jobs = [job("a", (1, 0), 20, 30), job("b", (2, 0), 0, 5)]
    plan, _ = run(RoutingProblem([tech()], jobs))
    r = route_of(plan, "T1")
    assert [s.job_id for s in r.stops] == ["b", "a"]
    assert r.stops[1].start == pytest.approx(20.0) and r.stops[1].arrival == pytest.approx(4.0)
    assert plan.travel_km == pytest.approx(4.0)


def test_skills_are_hard_and_unskilled_technicians_only_get_unskilled_jobs():
    techs = [tech("pumper", at=(10, 0), skills={"pump"}), tech("plain", at=(-20, 0))]
    jobs = [job("p", (0.5, 0), skills={"pump"}), job("x", (-21, 0)), job("cam", (1, 1), skills={"camera"})]
    plan, _ = run(RoutingProblem(techs, jobs))
    assert [s.job_id for s in route_of(plan, "pumper").stops] == ["p"]
    assert [s.job_id for s in route_of(plan, "plain").stops] == ["x"]
    (u,) = plan.unassigned
    assert u.job_id == "cam" and u.reason is ReasonCode.NO_SKILL and "camera" in u.detail


def test_window_infeasible_job_is_reported_with_its_reason():
    plan, _ = run(RoutingProblem([tech(end=100)], [job("far", (50, 0), 0, 10), job("near", (1, 0))]))
    assert [u.job_id for u in plan.unassigned] == ["far"]
    assert plan.unassigned[0].reason is ReasonCode.WINDOW


def test_max_jobs_leaves_the_second_job_for_capacity():
    plan, _ = run(RoutingProblem([tech(max_jobs=1)], [job("a", (1, 0)), job("b", (-1, 0))]))
    assert plan.served == 1
    assert plan.unassigned[0].reason is ReasonCode.CAPACITY


def test_max_work_minutes_counts_drive_and_service():
    # each job alone: 2 drive + 10 service = 12 minutes; both: 4 + 20 = 24 > 20
    plan, _ = run(
        RoutingProblem(
            [tech(max_work_minutes=20)], [job("a", (1, 0), service=10), job("b", (-1, 0), service=10)]
        )
    )
    assert plan.served == 1 and plan.unassigned[0].reason is ReasonCode.CAPACITY


def test_a_cheap_job_far_away_is_deferred_when_its_penalty_is_lower():
    jobs = [job("near", (1, 0), drop_penalty=1000), job("far", (100, 0), drop_penalty=5)]
    plan, _ = run(RoutingProblem([tech()], jobs))
    assert [u.job_id for u in plan.unassigned] == ["far"]
    assert plan.unassigned[0].reason is ReasonCode.DEFERRED
    assert plan.objective == pytest.approx(2.0 + 5.0)


def test_pinned_job_goes_to_its_technician_even_when_another_is_closer():
    techs = [tech("close", at=(1, 0)), tech("pinned", at=(20, 0))]
    plan, _ = run(RoutingProblem(techs, [job("j", (1, 0), pinned_technician_id="pinned")]))
    assert [s.job_id for s in route_of(plan, "pinned").stops] == ["j"]


def test_pin_to_a_technician_without_the_skill_is_no_skill():
    techs = [tech("a", skills={"pump"}), tech("b")]
    plan, _ = run(RoutingProblem(techs, [job("j", (1, 0), skills={"pump"}, pinned_technician_id="b")]))
    assert plan.unassigned[0].reason is ReasonCode.NO_SKILL and "pinned" in plan.unassigned[0].detail


def test_break_is_placed_in_its_window_without_overlapping_service():
    lunch = Break(earliest=60, latest=70, minutes=30)
    jobs = [job("a", (1, 0), 0, 55, service=20), job("b", (2, 0), 55, 100, service=20)]
    plan, _ = run(RoutingProblem([tech(break_=lunch)], jobs))
    r = route_of(plan, "T1")
    assert plan.served == 2
    assert 60 <= r.break_start <= 70
    for s in r.stops:
        assert s.end <= r.break_start or s.start >= r.break_start + 30


def test_buffer_between_jobs_delays_the_next_start():
    plan, _ = run(
        RoutingProblem([tech()], [job("a", (1, 0), 1, 1), job("b", (2, 0), 0, 1000)], buffer_minutes=15)
    )
    b = route_of(plan, "T1").stops[1]
    assert b.start == pytest.approx(1 + 1 + 1 + 15)  # a starts at 1, 1 min service, 1 min drive, 15 buffer
    assert plan.travel_km == pytest.approx(4.0)


def test_haversine_matrix_is_km_times_road_factor_at_speed():
    m = HaversineTravel(road_factor=1.0, speed_kmh=60).matrix([(30.2672, -97.7431), (30.5083, -97.6789)])
    assert m.km[0][1] == pytest.approx(27.4, abs=0.5)
    assert m.minutes[0][1] == pytest.approx(m.km[0][1])  # 60 km/h: one km per minute


@pytest.mark.parametrize(
    ("problem", "message"),
    [
        (RoutingProblem([tech()], [job("a", (1, 0), service=0)]), "service_minutes"),
        (RoutingProblem([tech()], [job("a", (1, 0)), job("a", (2, 0))]), "duplicate job"),
        (RoutingProblem([tech(), tech()], []), "duplicate technician"),
        (RoutingProblem([tech()], [job("a", (1, 0), 5, 4)]), "window"),
        (RoutingProblem([tech()], [job("a", (1, 0), pinned_technician_id="T9")]), "unknown technician"),
    ],
)
def test_invalid_input_raises(problem, message):
    with pytest.raises(RoutingError, match=message):
        run(problem)


def _valid():
    techs = [tech("skilled", skills={"pump"}, break_=Break(50, 200, 10)), tech("plain")]
    jobs = [
        job("p", (3, 0), 0, 100, 5, skills={"pump"}),
        job("q", (0, 3), 0, 100, 5),
        job("r", (0, -3), 0, 100, 5),
    ]
    problem = RoutingProblem(techs, jobs)
    plan, matrix = run(problem)
    assert plan.served == 3
    return problem, plan, matrix


def _with_route(plan, tid, **changes):
    return replace(
        plan, routes=tuple(replace(r, **changes) if r.technician_id == tid else r for r in plan.routes)
    )


def test_checker_catches_deliberately_broken_plans():
    problem, plan, matrix = _valid()
    skilled = route_of(plan, "skilled")
    p_stop = next(s for s in skilled.stops if s.job_id == "p")
    broken_window = replace(p_stop, start=150.0, end=155.0, arrival=150.0)
    cases = {
        "window": _with_route(
            plan, "skilled", stops=tuple(broken_window if s is p_stop else s for s in skilled.stops)
        ),
        "skill": replace(
            plan,
            routes=(
                replace(skilled, technician_id="plain"),
                replace(route_of(plan, "plain"), technician_id="skilled"),
            ),
        ),
        "break": _with_route(plan, "skilled", break_start=None),
        "missing": _with_route(plan, "skilled", stops=tuple(s for s in skilled.stops if s.job_id != "p")),
        "shift": _with_route(plan, "skilled", return_time=5000.0),
        "drive": _with_route(
            plan,
            "skilled",
            stops=tuple(
                replace(s, arrival=0.0, start=0.0, end=5.0) if s is p_stop else s for s in skilled.stops
            ),
        ),
    }
    for name, broken in cases.items():
        assert check_plan(problem, broken, matrix), name


def test_checker_catches_a_break_overlapping_service():
    problem, plan, matrix = _valid()
    r = route_of(plan, "skilled")
    first = r.stops[0]
    assert check_plan(problem, _with_route(plan, "skilled", break_start=first.start), matrix)


SOLOMON_TEXT = """TINY1

VEHICLE
NUMBER     CAPACITY
  2          20

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0          0          0          0        200          0
    1      3          4         10          0        100         10
    2      6          8         10          0        100         10
    3     -3         -4         10          0        100         10
    4     -6         -8         10         20         60         10
"""


def test_solomon_reader_and_solve(tmp_path: Path):
    inst = parse_solomon(SOLOMON_TEXT)
    assert (inst.name, inst.vehicles, inst.capacity, len(inst.customers)) == ("TINY1", 2, 20.0, 4)
    assert inst.customers[3].ready == 20 and inst.customers[3].service == 10
    problem = to_problem(inst)
    plan, _ = run(problem)
    assert plan.served == 4 and plan.vehicles_used == 2
    assert plan.travel_km == pytest.approx(40.0)  # two out-and-back legs of 10 + 10


def test_solomon_reader_rejects_malformed_text():
    with pytest.raises(SolomonFormatError):
        parse_solomon("X\nVEHICLE\nNUMBER CAPACITY\n2 20\nCUSTOMER\nCUST NO.\n0 0 0 0 0 100\n")
    with pytest.raises(SolomonFormatError):
        parse_solomon("just a name\n")


def test_bench_routing_writes_the_csv(tmp_path: Path):
    from bench.routing import CSV_COLUMNS
    from bench.routing import run as bench_run

    f = tmp_path / "tiny1.txt"
    f.write_text(SOLOMON_TEXT)
    ref = tmp_path / "ref.csv"
    ref.write_text("instance,vehicles,distance\nTINY1,2,40.0\n")
    out = tmp_path / "out.csv"
    (row,) = bench_run([f], FAST, reference=ref, csv_out=out)
    assert row.feasible and row.served == 4 and row.gap_pct == pytest.approx(0.0, abs=1e-6)
    lines = out.read_text().splitlines()
    assert lines[0] == ",".join(CSV_COLUMNS) and lines[1].startswith("TINY1,2,40.0000,")
