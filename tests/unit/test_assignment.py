from datetime import UTC, datetime, timedelta

import pytest

from domain.assignment import (
    AssignmentError,
    AssignmentParams,
    JobToAssign,
    TechnicianAvailability,
    assign_jobs,
    score_candidates,
)
from domain.geo import drive_minutes, haversine_km

DAY = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # 08:00 in Austin
PARAMS = AssignmentParams(time_limit_seconds=2)
# Austin downtown, Round Rock, Buda
DOWNTOWN, ROUND_ROCK, BUDA = (30.2672, -97.7431), (30.5083, -97.6789), (30.0852, -97.8403)


def tech(tid, skills, home, *, booked=0, free_from=DAY, shift_hours=9, name=None):
    return TechnicianAvailability(
        technician_id=tid,
        name=name or tid,
        skills=frozenset(skills),
        shift_start=DAY,
        shift_end=DAY + timedelta(hours=shift_hours),
        free_from=free_from,
        position_lat=home[0],
        position_lon=home[1],
        booked_minutes=booked,
    )


def job(jid, where, skill="repair", minutes=90, priority="normal", preferred=()):
    return JobToAssign(jid, where[0], where[1], skill, minutes, priority, frozenset(preferred))


def test_haversine_known_distance():
    assert haversine_km(*DOWNTOWN, *ROUND_ROCK) == pytest.approx(27.4, abs=0.5)
    assert drive_minutes(*DOWNTOWN, *DOWNTOWN, road_factor=1.3, average_speed_kmh=45) == 0


def test_skill_is_a_hard_constraint_even_when_closer():
    techs = [tech("near", {"pumping"}, DOWNTOWN), tech("far", {"repair"}, ROUND_ROCK)]
    (a,) = assign_jobs([job("j", DOWNTOWN)], techs, not_before=DAY, params=PARAMS)
    assert a.technician_id == "far"
    assert a.runner_up is None and "only eligible" in a.explanation


def test_closest_technician_wins_and_runner_up_is_named():
    techs = [tech("buda", {"repair"}, BUDA, name="Bea"), tech("dt", {"repair"}, DOWNTOWN, name="Dan")]
    (a,) = assign_jobs([job("j", DOWNTOWN)], techs, not_before=DAY, params=PARAMS)
    assert a.technician_id == "dt" and a.runner_up.technician_id == "buda"
    assert "runner-up Bea" in a.explanation
    assert a.arrival == DAY  # no drive from his own base at the site


def test_workload_and_wait_push_work_to_the_free_technician():
    busy = tech("busy", {"repair"}, DOWNTOWN, booked=420, free_from=DAY + timedelta(hours=7))
    free = tech("free", {"repair"}, ROUND_ROCK)
    (a,) = assign_jobs([job("j", DOWNTOWN, priority="high")], [busy, free], not_before=DAY, params=PARAMS)
    assert a.technician_id == "free"


def test_job_that_does_not_fit_the_shift_is_left_unassigned():
    t = tech("t", {"repair"}, DOWNTOWN, free_from=DAY + timedelta(hours=8))
    (a,) = assign_jobs([job("j", DOWNTOWN, minutes=90)], [t], not_before=DAY, params=PARAMS)
    assert a.technician_id is None and "no technician" in a.explanation


def test_capacity_is_shared_across_jobs_in_one_solve():
    t1 = tech("a", {"repair"}, DOWNTOWN, shift_hours=3)
    t2 = tech("b", {"repair"}, ROUND_ROCK, shift_hours=3)
    jobs = [job("j1", DOWNTOWN, minutes=120), job("j2", DOWNTOWN, minutes=120)]
    out = assign_jobs(jobs, [t1, t2], not_before=DAY, params=PARAMS)
    assert {a.technician_id for a in out} == {"a", "b"}


def test_emergency_beats_low_priority_when_capacity_is_short():
    t = tech("a", {"repair"}, DOWNTOWN, shift_hours=2)
    jobs = [
        job("low", DOWNTOWN, minutes=100, priority="low"),
        job("sos", DOWNTOWN, minutes=100, priority="emergency"),
    ]
    out = {a.job_id: a.technician_id for a in assign_jobs(jobs, [t], not_before=DAY, params=PARAMS)}
    assert out == {"low": None, "sos": "a"}


def test_preferred_technician_bonus_breaks_near_ties():
    a, b = tech("a", {"repair"}, DOWNTOWN), tech("b", {"repair"}, (30.2750, -97.7431))
    (x,) = assign_jobs([job("j", DOWNTOWN, preferred={"b"})], [a, b], not_before=DAY, params=PARAMS)
    assert x.technician_id == "b" and "preferred" in x.explanation


def test_scores_are_sorted_cheapest_first():
    techs = [tech("far", {"repair"}, BUDA), tech("near", {"repair"}, DOWNTOWN)]
    scores = score_candidates(job("j", DOWNTOWN), techs, DAY, PARAMS)
    assert [s.technician_id for s in scores] == ["near", "far"]


def test_bad_input_is_refused():
    with pytest.raises(AssignmentError, match="priority"):
        assign_jobs([job("j", DOWNTOWN, priority="asap")], [tech("a", {"repair"}, DOWNTOWN)], not_before=DAY)
    with pytest.raises(AssignmentError, match="timezone"):
        assign_jobs(
            [job("j", DOWNTOWN)], [tech("a", {"repair"}, DOWNTOWN)], not_before=DAY.replace(tzinfo=None)
        )
    with pytest.raises(AssignmentError, match="duplicate"):
        assign_jobs([job("j", DOWNTOWN), job("j", BUDA)], [], not_before=DAY)


def test_chained_drives_never_end_past_the_shift():
    # capacity counts drives from the base (48 + 38 min); chained, Round Rock -> Buda is ~80 min
    t = tech("a", {"repair"}, DOWNTOWN, shift_hours=3.7)
    jobs = [job("rr", ROUND_ROCK, minutes=60, priority="high"), job("buda", BUDA, minutes=60)]
    out = {a.job_id: a for a in assign_jobs(jobs, [t], not_before=DAY, params=PARAMS)}
    assert out["rr"].technician_id == "a"
    assert out["buda"].technician_id is None and "chained" in out["buda"].explanation
    for a in out.values():
        if a.arrival:
            assert a.arrival + timedelta(minutes=60) <= t.shift_end


def test_window_starts_on_the_next_quarter_unless_that_overruns_the_shift():
    from activities.assignment import _window_start

    t = tech("a", {"repair"}, DOWNTOWN, shift_hours=9)  # 14:00-23:00 UTC
    early = DAY + timedelta(minutes=47)
    assert _window_start(early, 60, [t], "a") == DAY + timedelta(minutes=60)
    late = t.shift_end - timedelta(minutes=133)  # 20:47; +13 min to 21:00 would end at 23:10
    start = _window_start(late, 130, [t], "a")
    assert start == late.replace(minute=45) and start + timedelta(minutes=130) <= t.shift_end
