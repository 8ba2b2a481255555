"""domain.routing: soft preferences, workload balance, the day adapter and the explanations."""

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.routing import (
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
from domain.routing.day import DispatchPolicy, JobRecord, TechnicianRecord, build_day, drop_penalty
from domain.routing.explain import explain_plan, insertions, sequences

FAST = SolveParams(time_limit_seconds=0.5, time_scale=1000, cost_scale=1000)
DAY = date(2026, 11, 25)  # a Wednesday
TZ = "America/Chicago"
HOURS = {d: ["08:00", "17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
AUSTIN = (30.2672, -97.7431)


def tech(tid, at=(0.0, 0.0), skills=(), **kw):
    return Technician(tid, at, 0.0, 1000.0, skills=frozenset(skills), **kw)


def run(problem):
    matrix = EuclideanTravel().matrix(points_of(problem))
    plan = solve(problem, matrix, FAST)
    assert check_plan(problem, plan, matrix) == []
    return plan, matrix


def served_by(plan, job_id):
    return next(r.technician_id for r in plan.routes if any(s.job_id == job_id for s in r.stops))


# ---- soft preferences and balance -----------------------------------------------------------


def test_preference_cost_moves_a_job_when_cheaper_than_the_detour():
    # T1 sits on the job; T2 is 4 away. A cost of 10 on T1 makes T2 (8 round trip) cheaper.
    jobs = [Job("a", (1.0, 0.0), 0, 1000, 5, technician_costs=(("T1", 10.0),))]
    plan, _ = run(RoutingProblem([tech("T1", (1.0, 0.0)), tech("T2", (5.0, 0.0))], jobs))
    assert served_by(plan, "a") == "T2"
    assert plan.objective == pytest.approx(8.0)
    # a cost smaller than the detour leaves it with T1
    jobs = [Job("a", (1.0, 0.0), 0, 1000, 5, technician_costs=(("T1", 3.0),))]
    plan, _ = run(RoutingProblem([tech("T1", (1.0, 0.0)), tech("T2", (5.0, 0.0))], jobs))
    assert served_by(plan, "a") == "T1"


def test_negative_technician_cost_is_refused():
    with pytest.raises(RoutingError):
        RoutingProblem(
            [tech("T1")], [Job("a", (1, 0), 0, 10, 1, technician_costs=(("T1", -1.0),))]
        ).validate()


def test_balance_weight_spreads_jobs_over_technicians():
    # four jobs at T1's depot, T2 one unit away: without balance T1 takes them all (no travel);
    # with balance each takes two (T2's round trip costs 1, the overload 120 minutes)
    jobs = [Job(f"j{i}", (0.0, 0.0), 0, 1000, 60) for i in range(4)]
    techs = [tech("T1"), tech("T2", (0.5, 0.0))]
    plan, _ = run(RoutingProblem(techs, jobs))
    assert sorted(len(r.stops) for r in plan.routes) == [0, 4]
    plan, _ = run(RoutingProblem(techs, jobs, balance_weight=1.0))
    assert sorted(len(r.stops) for r in plan.routes) == [2, 2]


# ---- the day adapter ------------------------------------------------------------------------


def at_local(hhmm: str) -> datetime:
    from zoneinfo import ZoneInfo

    h, m = map(int, hhmm.split(":"))
    return datetime(DAY.year, DAY.month, DAY.day, h, m, tzinfo=ZoneInfo(TZ)).astimezone(UTC)


def trec(tid, skills=("repair",), **kw):
    return TechnicianRecord(tid, HOURS, AUSTIN, frozenset(skills), **kw)


def jrec(jid, **kw):
    base = dict(location=(30.30, -97.70), service_minutes=60, required_skills=frozenset({"repair"}))
    base.update(kw)
    return JobRecord(jid, **base)


def test_day_shift_is_local_hours_in_minutes_from_local_midnight():
    day = build_day(DAY, TZ, [trec("T1")], [jrec("a")])
    (t,) = day.problem.technicians
    assert (t.shift_start, t.shift_end) == (480.0, 1020.0)
    assert day.at(480.0) == at_local("08:00")
    assert t.break_ is not None and t.break_.minutes == 30


def test_day_off_weekend_and_time_off_leave_a_technician_out():
    weekend = build_day(date(2026, 11, 28), TZ, [trec("T1")], [])
    assert weekend.problem.technicians == []
    off = build_day(DAY, TZ, [trec("T1", days_off=frozenset({DAY}))], [])
    assert off.problem.technicians == []


def test_day_windows_pins_and_now():
    jobs = [
        jrec("m", window_kind="morning"),
        jrec("a", window_kind="afternoon"),
        jrec("x", window_kind="exact", window_start=at_local("14:00"), window_end=at_local("15:00")),
        jrec("p", pinned_technician_id="T1", pinned_start=at_local("09:30")),
        jrec("gone", window_kind="morning"),
    ]
    day = build_day(DAY, TZ, [trec("T1")], jobs[:4])
    w = {j.job_id: (j.window_start, j.window_end) for j in day.problem.jobs}
    assert w["m"] == (480.0, 720.0)
    assert w["a"] == (720.0, 1020.0)
    assert w["x"] == (840.0, 900.0)
    assert w["p"] == (570.0, 570.0)
    later = build_day(DAY, TZ, [trec("T1")], jobs, now=at_local("12:30"))
    assert later.problem.technicians[0].shift_start == pytest.approx(750.0)
    assert {u.job_id for u in later.pre_unassigned} == {"m", "gone", "p"}
    assert {j.job_id for j in later.problem.jobs} == {"a", "x"}


def test_day_started_job_moves_the_technicians_start():
    rec = trec("T1", busy_until=at_local("10:15"), busy_at=(30.40, -97.80))
    (t,) = build_day(DAY, TZ, [rec], []).problem.technicians
    assert t.start == (30.40, -97.80) and t.end == AUSTIN
    assert t.shift_start == pytest.approx(615.0)


def test_day_zero_duration_is_refused():
    with pytest.raises(RoutingError, match="service minutes"):
        build_day(DAY, TZ, [trec("T1")], [jrec("z", service_minutes=0)])


def test_day_pin_to_technician_off_is_reported():
    day = build_day(DAY, TZ, [trec("T1")], [jrec("p", pinned_technician_id="T9")])
    (u,) = day.pre_unassigned
    assert u.reason == ReasonCode.WINDOW and "T9" in u.detail


def test_priority_penalties_grow_with_priority_and_age():
    policy = DispatchPolicy()
    assert drop_penalty(jrec("e", priority="emergency"), DAY, policy) is None
    low = drop_penalty(jrec("l", priority="low", requested_on=DAY), DAY, policy)
    normal = drop_penalty(jrec("n", priority="normal", requested_on=DAY), DAY, policy)
    old = drop_penalty(jrec("o", priority="normal", requested_on=DAY - timedelta(days=4)), DAY, policy)
    assert low < normal < old


def test_preferences_and_continuity_become_costs():
    day = build_day(
        DAY,
        TZ,
        [trec("T1"), trec("T2"), trec("T3")],
        [jrec("a", preferred_technician_ids=frozenset({"T1"}), last_technician_id="T2")],
    )
    (j,) = day.problem.jobs
    assert j.cost_for("T1") == 10.0  # preferred, but not the last one there
    assert j.cost_for("T2") == 15.0  # the last one there, not preferred
    assert j.cost_for("T3") == 25.0


def test_emergency_without_skill_is_unassigned_with_the_skill_named():
    day = build_day(
        DAY,
        TZ,
        [trec("T1")],
        [jrec("e", priority="emergency", required_skills=frozenset({"pump_out"}))],
    )
    matrix = HaversineTravel().matrix(points_of(day.problem))
    plan = solve(day.problem, matrix, FAST)
    (u,) = plan.unassigned
    assert u.reason == ReasonCode.NO_SKILL and "pump_out" in u.detail


# ---- explanations ---------------------------------------------------------------------------


def test_explanation_names_runner_up_and_added_travel():
    # T1 at 1 (job at 2): adds 2; T2 at 10: would add 16
    jobs = [Job("a", (2.0, 0.0), 0, 1000, 5)]
    problem = RoutingProblem([tech("T1", (1.0, 0.0)), tech("T2", (10.0, 0.0))], jobs)
    plan, matrix = run(problem)
    (e,) = explain_plan(problem, plan, matrix)
    assert e.technician_id == "T1"
    assert e.added_travel_minutes == pytest.approx(2.0)
    assert e.runner_up_technician_id == "T2"
    assert e.runner_up_added_travel_minutes == pytest.approx(16.0)
    assert "T2 would add 16.0" in e.why


def test_explanation_when_nobody_else_can():
    jobs = [Job("a", (2.0, 0.0), 0, 1000, 5, required_skills=frozenset({"x"}))]
    problem = RoutingProblem([tech("T1", skills={"x"}), tech("T2")], jobs)
    plan, matrix = run(problem)
    (e,) = explain_plan(problem, plan, matrix)
    assert e.runner_up_technician_id is None and "only technician" in e.why


def test_explanation_when_others_have_no_room():
    # T2 has the skill but its shift ends before it could reach the job
    jobs = [Job("a", (5.0, 0.0), 0, 1000, 5)]
    problem = RoutingProblem([tech("T1", (5.0, 0.0)), Technician("T2", (50.0, 0.0), 0.0, 20.0)], jobs)
    plan, matrix = run(problem)
    (e,) = explain_plan(problem, plan, matrix)
    assert e.runner_up_technician_id is None and "no room" in e.why


def test_insertions_rank_feasible_positions_only():
    jobs = [Job("a", (1.0, 0.0), 0, 1000, 5), Job("b", (2.0, 0.0), 0, 1000, 5)]
    problem = RoutingProblem([tech("T1"), Technician("T2", (2.0, 0.0), 0.0, 3.0)], jobs)
    plan, matrix = run(problem)
    seqs = sequences(problem, plan)
    # removing "b" from its route and asking where it would go: T2 cannot (shift too short)
    j = 1
    seqs = [[x for x in s if x != j] for s in seqs]
    options = insertions(problem, matrix, seqs, j)
    assert [problem.technicians[o.k].technician_id for o in options] == ["T1"]


# ---- bookable windows -----------------------------------------------------------------------


def test_slots_offer_windows_with_room_and_refuse_full_ones():
    from domain.routing.slots import bookable_windows

    # one technician whose morning is full (230 minutes from exactly 08:00), afternoon free
    busy = jrec(
        "busy",
        service_minutes=230,
        window_kind="exact",
        window_start=at_local("08:00"),
        window_end=at_local("08:15"),
        assigned_technician_id="T1",
        assigned_start=at_local("08:00"),
    )
    new = jrec("new", service_minutes=60, location=(30.35, -97.75))
    slots = bookable_windows(DAY, TZ, [trec("T1")], [busy], new, HaversineTravel())
    assert [s.window for s in slots] == ["afternoon"]
    (s,) = slots
    assert s.window_start == at_local("12:00") and s.window_end == at_local("17:00")
    assert at_local("12:00") <= s.planned_start <= at_local("17:00")
    assert s.technicians == 1 and s.added_travel_minutes > 0
    # with nothing assigned both windows are open; without the skill none is
    assert [x.window for x in bookable_windows(DAY, TZ, [trec("T1")], [], new, HaversineTravel())] == [
        "morning",
        "afternoon",
    ]
    assert bookable_windows(DAY, TZ, [trec("T1", skills=("pumping",))], [], new, HaversineTravel()) == []
    # past windows are not offered
    later = bookable_windows(DAY, TZ, [trec("T1")], [], new, HaversineTravel(), now=at_local("12:30"))
    assert [x.window for x in later] == ["afternoon"] and later[0].planned_start >= at_local("12:30")
