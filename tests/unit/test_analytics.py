"""Analytics rules (domain/analytics): every metric, the BPI with renormalisation, cohorts,
streaks, achievements and coaching, against values computed by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.analytics import bpi, metrics
from domain.analytics.bpi import Dimension
from domain.analytics.coaching import Ranked, coaching_need, top_performers
from domain.analytics.cohorts import Member, percentile_rank, place, quantile, region, tenure_band
from domain.analytics.metrics import DailyCounters, Metric
from domain.analytics.recognition import Period, Streak, achievements_on, period_bounds, streaks

DAY = DailyCounters(
    jobs_scheduled=5,
    jobs_completed=4,
    jobs_with_window=4,
    on_time_arrivals=3,
    late_minutes=25,
    returns=1,
    emergencies=2,
    emergency_sla_hits=1,
    booked_minutes=360,
    shift_minutes=480,
    certifications_held=4,
    certifications_current=3,
)


def test_every_metric_is_defined_once_with_a_source():
    assert set(metrics.DEFINITIONS) == set(Metric)
    for definition in metrics.DEFINITIONS.values():
        assert definition.definition and definition.source and definition.unit
    assert {m for m, d in metrics.DEFINITIONS.items() if not d.recorded} == {
        Metric.CUSTOMER_RATING,
        Metric.LOT_WALK_COVERAGE,
    }


def test_metric_values_by_hand():
    values = metrics.metric_values(DAY)
    assert values[Metric.ON_TIME_RATE] == 0.75  # 3 of 4 windowed jobs
    assert values[Metric.COMPLETION_RATE] == 0.8  # 4 of 5 scheduled
    assert values[Metric.FIRST_TIME_FIX_RATE] == 0.75  # 3 of 4 completed were not returns
    assert values[Metric.RETURNS] == 1.0
    assert values[Metric.EMERGENCY_SLA_RATE] == 0.5
    assert values[Metric.CERTIFICATIONS_CURRENT] == 0.75
    assert values[Metric.UTILISATION] == 0.75  # 360 / 480 minutes
    assert values[Metric.CUSTOMER_RATING] is None
    assert values[Metric.LOT_WALK_COVERAGE] is None


def test_zero_denominators_are_unavailable_not_zero():
    values = metrics.metric_values(DailyCounters())
    assert values[Metric.RETURNS] == 0.0
    assert all(v is None for m, v in values.items() if m is not Metric.RETURNS)


def test_rate_refuses_impossible_counts():
    with pytest.raises(ValueError):
        metrics.rate(3, 2)
    with pytest.raises(ValueError):
        metrics.rate(-1, 2)
    with pytest.raises(ValueError):
        metrics.utilisation(DailyCounters(booked_minutes=-5, shift_minutes=10))


def test_counters_add_up_but_certifications_are_the_latest_state():
    later = DailyCounters(jobs_scheduled=1, certifications_held=5, certifications_current=5)
    total = DAY + later
    assert total.jobs_scheduled == 6 and total.late_minutes == 25
    assert (total.certifications_held, total.certifications_current) == (5, 5)


def test_bpi_by_hand_with_service_renormalised_on_customer_rating_only():
    score = bpi.score(DAY)
    # reliability 75; job performance (80 + 75) / 2 = 77.5; route quality: utilisation 75 alone
    # (no lot walks); service: SLA 50 alone (no surveys); compliance 75
    assert score.dimensions == {
        Dimension.RELIABILITY: 75.0,
        Dimension.JOB_PERFORMANCE: 77.5,
        Dimension.ROUTE_QUALITY: 75.0,
        Dimension.SERVICE: 50.0,
        Dimension.COMPLIANCE: 75.0,
    }
    # 0.30*75 + 0.25*77.5 + 0.20*75 + 0.15*50 + 0.10*75 = 22.5 + 19.375 + 15 + 7.5 + 7.5
    assert score.bpi == 71.88  # 71.875 rounded
    assert score.formula_version == bpi.FORMULA_VERSION
    assert sum(score.weights.values()) == pytest.approx(1.0)


def test_bpi_renormalises_over_unavailable_dimensions():
    # no emergencies (service unavailable: no surveys either) and no windowed jobs
    counters = DailyCounters(
        jobs_scheduled=4,
        jobs_completed=4,
        returns=0,
        booked_minutes=600,
        shift_minutes=480,
        certifications_held=2,
        certifications_current=1,
    )
    score = bpi.score(counters)
    assert score.unavailable == [Dimension.RELIABILITY, Dimension.SERVICE]
    # available weights 25 + 20 + 10 = 55: job 100 x 25/55, route min(1.25, 1) = 100 x 20/55,
    # compliance 50 x 10/55 -> (2500 + 2000 + 500) / 55 = 90.909...
    assert score.bpi == 90.91
    assert score.weights == {
        Dimension.JOB_PERFORMANCE: 25 / 55,
        Dimension.ROUTE_QUALITY: 20 / 55,
        Dimension.COMPLIANCE: 10 / 55,
    }


def test_bpi_with_every_dimension_and_with_none():
    full = bpi.combine({d: 100.0 for d in Dimension})
    assert full.bpi == 100.0 and full.weights[Dimension.RELIABILITY] == 0.3
    rating = bpi.score_dimensions({Metric.CUSTOMER_RATING: 4.0, Metric.EMERGENCY_SLA_RATE: 1.0})
    assert rating[Dimension.SERVICE] == 87.5  # (75 + 100) / 2: 4 stars is 75
    assert bpi.score(DailyCounters()).bpi is None
    assert bpi.WEIGHTS == {
        Dimension.RELIABILITY: 30,
        Dimension.JOB_PERFORMANCE: 25,
        Dimension.ROUTE_QUALITY: 20,
        Dimension.SERVICE: 15,
        Dimension.COMPLIANCE: 10,
    }


def test_cohort_helpers():
    assert tenure_band(date(2026, 1, 1), date(2026, 6, 1)) == "<1y"
    assert tenure_band(date(2024, 1, 1), date(2026, 6, 1)) == "1-3y"
    assert tenure_band(date(2020, 1, 1), date(2026, 6, 1)) == "3y+"
    assert region("78701") == "787" and region(None) == "unknown"
    assert percentile_rank(90, [60, 70, 80, 90]) == 87.5
    assert percentile_rank(70, [70]) == 50.0
    assert percentile_rank(70, [70, 70, 50]) == 66.67  # (1 below + 0.5 * 2 equal) / 3
    assert quantile([60, 70, 80, 90], 0.5) == 75.0
    assert quantile([60, 70, 80, 90], 0.9) == 87.0


def test_cohorts_widen_until_three_peers():
    pump = frozenset({"pumping"})
    members = [
        Member("A", 80, pump, "787", "<1y"),
        Member("B", 70, pump, "787", "<1y"),
        Member("C", 60, pump, "786", "<1y"),
        Member("D", 90, frozenset({"repair"}), "787", "<1y"),
    ]
    placements, benchmarks = place(members)
    by_id = {p.technician_id: p for p in placements}
    # A, B, C: the region cohort has 2 (A, B) or 1 (C): widened to skills + tenure (3)
    assert by_id["A"].cohort_key == "skills=pumping|tenure=<1y" and by_id["A"].cohort_size == 3
    assert by_id["A"].percentile == pytest.approx(83.33)
    assert by_id["C"].percentile == pytest.approx(16.67)
    # D is alone in every repair cohort: ranked against everyone
    assert by_id["D"].cohort_key == "all" and by_id["D"].percentile == 87.5
    assert {b.cohort_key: b.p50 for b in benchmarks} == {"all": 75.0, "skills=pumping|tenure=<1y": 70.0}


def test_streaks_skip_days_with_nothing_to_judge():
    on_time = DailyCounters(jobs_with_window=2, on_time_arrivals=2, jobs_completed=2)
    late = DailyCounters(jobs_with_window=1, on_time_arrivals=0, jobs_completed=1, returns=1)
    off = DailyCounters()
    d0 = date(2026, 11, 1)
    series = [
        (d0 + timedelta(days=i), c) for i, c in enumerate([on_time, on_time, late, on_time, off, on_time])
    ]
    got = {s.kind: (s.current, s.best) for s in streaks(list(reversed(series)))}
    assert got[Streak.ON_TIME] == (2, 2)  # the day off neither breaks nor extends
    assert got[Streak.FIRST_TIME_FIX] == (2, 2)
    assert got[Streak.SLA_HIT] == (0, 0)


def test_period_bounds():
    assert period_bounds(Period.WEEK, date(2026, 11, 25)) == (
        date(2026, 11, 23),
        date(2026, 11, 29),
        "2026-W48",
    )
    assert period_bounds(Period.MONTH, date(2026, 2, 10))[1] == date(2026, 2, 28)
    assert period_bounds(Period.QUARTER, date(2026, 11, 25)) == (
        date(2026, 10, 1),
        date(2026, 12, 31),
        "2026-Q4",
    )
    assert period_bounds(Period.QUARTER, date(2026, 2, 1))[1] == date(2026, 3, 31)


def test_achievements_only_when_a_period_ends():
    good = DailyCounters(
        jobs_with_window=1,
        on_time_arrivals=1,
        jobs_completed=1,
        certifications_held=1,
        certifications_current=1,
    )
    sunday = date(2026, 11, 29)  # ends ISO week 48
    week = [(sunday - timedelta(days=i), good) for i in range(7)]
    earned = achievements_on(sunday, week, {}, {})
    assert [(e.code, e.period_key) for e in earned] == [("perfect_week", "2026-W48")]
    assert achievements_on(sunday - timedelta(days=1), week, {}, {}) == []
    one_late = [*week[:-1], (week[-1][0], DailyCounters(jobs_with_window=1))]
    assert achievements_on(sunday, one_late, {}, {}) == []
    month_end = date(2026, 11, 30)
    month = [(month_end - timedelta(days=i), good) for i in range(30)]
    codes = {e.code for e in achievements_on(month_end, month, {Period.MONTH: 5}, {Period.MONTH: 4})}
    assert codes == {"perfect_month", "first_time_fix_pro", "team_player"}


def test_coaching_rules_and_priority():
    assert coaching_need("T", bpi=85, bpi_before=88, counters=DailyCounters(jobs_completed=3)) is None
    need = coaching_need("T", bpi=58, bpi_before=70, counters=DailyCounters())
    assert need.priority == "high" and len(need.reasons) == 2
    assert "below 60" in need.reasons[0] and "fell 12.0 points" in need.reasons[1]
    late = DailyCounters(
        jobs_with_window=5, on_time_arrivals=3, certifications_held=2, certifications_current=2
    )
    one = coaching_need("T", bpi=75, bpi_before=None, counters=late)
    assert one.priority == "normal" and one.reasons == ("on time at 60% of 5 windowed jobs (target 80%)",)
    # four windowed jobs are too few to judge
    assert coaching_need("T", bpi=75, bpi_before=None, counters=DailyCounters(jobs_with_window=4)) is None
    returns = DailyCounters(jobs_completed=10, returns=2)
    assert "first-time fix 80%" in coaching_need("T", bpi=None, bpi_before=None, counters=returns).reasons[0]


def test_top_performers():
    ranked = [Ranked("B", 80), Ranked("A", 80), Ranked("C", 95)]
    assert [r.technician_id for r in top_performers(ranked, 2)] == ["C", "A"]
    with pytest.raises(ValueError):
        top_performers(ranked, 0)
