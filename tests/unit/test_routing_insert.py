"""domain.routing.insert: batch insertion into the current routes (feasible, never double-booked,
every request answered, booked jobs kept) on hand-made instances and random ones (hypothesis)."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.routing import (
    EuclideanTravel,
    Job,
    ReasonCode,
    RoutingError,
    RoutingProblem,
    Technician,
    check_plan,
    points_of,
    schedule_route,
)
from domain.routing.explain import best_insertion
from domain.routing.insert import cheapest_insertion, insert_batch
from tests.unit.test_routing_properties import problems

DEPOT = (0.0, 0.0)


def tech(tid, *, start=0.0, end=100.0, skills=("pump",)):
    return Technician(tid, DEPOT, start, end, skills=frozenset(skills))


def job(jid, at, ws=0.0, we=100.0, service=10.0, skills=("pump",), **kw):
    return Job(jid, at, ws, we, service, required_skills=frozenset(skills), **kw)


def solve_batch(problem, seqs, new, **kw):
    matrix = EuclideanTravel().matrix(points_of(problem))
    result = insert_batch(problem, matrix, seqs, new, **kw)
    assert check_plan(problem, result.plan(problem), matrix) == []
    return result, matrix


def test_two_requests_for_the_last_free_slot_get_it_once():
    # one technician, a 40-minute shift: each job needs 5 + 10 + 5 minutes, so only one fits
    problem = RoutingProblem([tech("T1", end=25.0)], [job("a", (5, 0)), job("b", (0, 5))])
    result, _ = solve_batch(problem, [[]], [0, 1])
    assert len(result.placed) == 1
    (left,) = result.unplaced
    assert left.reason == ReasonCode.CAPACITY
    assert {p.job for p in result.placed.values()} | {1 if left.job_id == "b" else 0} == {0, 1}


def test_every_request_is_answered_and_booked_jobs_keep_technician_and_window():
    booked = [job("b1", (10, 0), ws=20, we=25, pinned_technician_id="T1"), job("b2", (-10, 0), ws=30, we=35)]
    new = [job(f"n{i}", (i * 2.0, 1.0)) for i in range(6)]
    new.append(job("cam", (1, 1), skills=("camera",)))
    problem = RoutingProblem([tech("T1"), tech("T2")], [*booked, *new], buffer_minutes=2.0)
    seqs = [[0], [1]]
    result, _ = solve_batch(problem, seqs, list(range(2, 9)))
    answered = {problem.jobs[j].job_id for j in result.placed} | {u.job_id for u in result.unplaced}
    assert answered == {j.job_id for j in new}
    assert not {problem.jobs[j].job_id for j in result.placed} & {u.job_id for u in result.unplaced}
    by_tech = {r.technician_id: [s.job_id for s in r.stops] for r in result.routes}
    assert "b1" in by_tech["T1"] and "b2" in by_tech["T2"]
    cam = next(u for u in result.unplaced if u.job_id == "cam")
    assert cam.reason == ReasonCode.NO_SKILL and "camera" in cam.detail


def test_the_cheaper_technician_wins_and_the_other_is_runner_up():
    techs = [Technician("near", (9, 0), 0, 100, skills=frozenset({"pump"})), tech("far")]
    problem = RoutingProblem(techs, [job("n", (10, 0))])
    result, _ = solve_batch(problem, [[], []], [0])
    placement = result.placed[0]
    assert placement.technician_id == "near"
    assert placement.cost == 2.0
    assert placement.runner_up_technician_id == "far"
    assert placement.runner_up_cost == 20.0


def test_window_reason_when_no_route_could_ever_reach_it():
    problem = RoutingProblem([tech("T1")], [job("late", (80, 0), ws=0, we=50)])
    result, _ = solve_batch(problem, [[]], [0])
    assert result.unplaced[0].reason == ReasonCode.WINDOW


def test_an_over_full_route_takes_nothing_new():
    # T1's booked jobs cannot both be served in their windows: his route is frozen
    booked = [job("x", (40, 0), ws=0, we=1), job("y", (-40, 0), ws=0, we=1)]
    problem = RoutingProblem([tech("T1"), tech("T2")], [*booked, job("n", (1, 0))])
    result, _ = solve_batch(problem, [[0, 1], []], [2])
    assert result.frozen_technicians == ("T1",)
    assert result.placed[2].technician_id == "T2"


def test_regret_places_the_job_with_one_option_first():
    # "only" can be served by T1 alone; "either" by both. Inserted greedily by cost, "either" would
    # take T1's single slot; regret gives T1 to "only" and "either" goes to T2
    techs = [tech("T1", end=20.0), Technician("T2", (30, 0), 0, 100, skills=frozenset({"pump"}))]
    jobs = [
        job("either", (1, 0), skills=("pump",)),
        job("only", (3, 0), skills=("pump",), pinned_technician_id="T1"),
    ]
    result, _ = solve_batch(RoutingProblem(techs, jobs), [[], []], [0, 1])
    assert result.placed[1].technician_id == "T1"
    assert result.placed[0].technician_id == "T2"


def test_inconsistent_input_is_refused():
    problem = RoutingProblem([tech("T1")], [job("a", (1, 0))])
    matrix = EuclideanTravel().matrix(points_of(problem))
    for seqs, new in (([[0]], [0]), ([], [0]), ([[]], [0, 0]), ([[]], [5])):
        try:
            insert_batch(problem, matrix, seqs, new)
        except RoutingError:
            continue
        raise AssertionError(f"accepted seqs={seqs} new={new}")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.randoms(use_true_random=False))
def test_random_batches_are_feasible_and_answer_every_request(problem, rnd):
    """Some jobs are booked first (inserted one at a time into feasible routes), the rest come
    in one batch: the result passes the independent checker, no job is served twice, booked jobs
    stay with their technician, and each new job is placed or has a reason."""
    matrix = EuclideanTravel().matrix(points_of(problem))
    seqs: list[list[int]] = [[] for _ in problem.technicians]
    order = list(range(len(problem.jobs)))
    rnd.shuffle(order)
    split = rnd.randint(0, len(order))
    booked_at: dict[int, int] = {}
    for j in order[:split]:
        for k in range(len(seqs)):
            ins = best_insertion(problem, matrix, seqs, j, k)
            if ins is not None:
                seqs[k].insert(ins.position, j)
                booked_at[j] = k
                break
    new = [j for j in order if j not in booked_at]
    result = insert_batch(problem, matrix, seqs, new, improve_seconds=0.05)
    assert check_plan(problem, result.plan(problem), matrix) == []
    assert set(result.placed) | {
        next(i for i, x in enumerate(problem.jobs) if x.job_id == u.job_id) for u in result.unplaced
    } == set(new)
    assert not set(result.placed) & {u.job_id for u in result.unplaced}
    for j, k in booked_at.items():
        assert j in result.sequences[k]
    for j, p in result.placed.items():
        assert j in result.sequences[p.k]
        assert schedule_route(problem, p.k, result.sequences[p.k], matrix) is not None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.randoms(use_true_random=False))
def test_pruned_insertion_equals_the_plain_one(problem, rnd):
    """The time bounds only skip positions that cannot work: same position as trying them all."""
    matrix = EuclideanTravel().matrix(points_of(problem))
    seqs: list[list[int]] = [[] for _ in problem.technicians]
    for j in range(len(problem.jobs) - 1):
        k = rnd.randrange(len(seqs))
        ins = best_insertion(problem, matrix, seqs, j, k)
        if ins is not None:
            seqs[k].insert(ins.position, j)
    j = len(problem.jobs) - 1
    for k in range(len(seqs)):
        a = best_insertion(problem, matrix, seqs, j, k)
        b = cheapest_insertion(problem, matrix, seqs[k], j, k)
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            assert (a.position, a.cost) == (b.position, b.cost)
