"""The day's aggregation (db/repositories/analytics.py through AnalyticsActivities) on the seeded
demo history, against hand-written SQL oracles; and re-running a day replaces its rows."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from activities.analytics import AnalyticsActivities
from db.models import (
    TeamDailyMetrics,
    Technician,
    TechnicianBpiScore,
    TechnicianDailyMetrics,
    TechnicianSkill,
    WorkOrder,
)
from db.repositories.analytics import days_never_aggregated
from db.session import transaction
from domain.analytics.bpi import FORMULA_VERSION, WEIGHTS
from domain.contracts.analytics import AnalyticsDayInput

pytestmark = pytest.mark.integration
TZ = ZoneInfo("America/Chicago")

#: Completed jobs and returns per technician, written independently of the repository: a
#: self-join instead of EXISTS, DISTINCT against the join's duplicates.
ORACLE_COMPLETED_RETURNS = """
SELECT wo.technician_id,
       count(DISTINCT wo.id) FILTER (WHERE wo.status = 'completed') AS completed,
       count(DISTINCT wo.id) FILTER (WHERE wo.status = 'completed' AND prev.id IS NOT NULL) AS returns
FROM work_orders wo
LEFT JOIN work_orders prev
       ON prev.technician_id = wo.technician_id AND prev.customer_id = wo.customer_id
      AND prev.status = 'completed'
      AND prev.scheduled_date BETWEEN wo.scheduled_date - 30 AND wo.scheduled_date - 1
WHERE wo.scheduled_date = :day AND wo.technician_id IS NOT NULL
GROUP BY wo.technician_id
"""
#: On-time arrivals and late minutes per technician.
ORACLE_ON_TIME = """
SELECT technician_id,
       count(*) AS windowed,
       sum(CASE WHEN actual_start_time <= service_window_end THEN 1 ELSE 0 END) AS on_time,
       sum(CASE WHEN actual_start_time > service_window_end
                THEN ceil(extract(epoch FROM actual_start_time - service_window_end) / 60) ELSE 0 END) AS late
FROM work_orders
WHERE scheduled_date = :day AND actual_start_time IS NOT NULL AND service_window_end IS NOT NULL
  AND status NOT IN ('declined', 'expired') AND technician_id IS NOT NULL
GROUP BY technician_id
"""


@pytest.fixture(scope="module")
def activities(database) -> AnalyticsActivities:
    return AnalyticsActivities(database.sessions, time_zone="America/Chicago")


def busiest_days(database, n: int) -> list[date]:
    with transaction(database.sessions) as session:
        return list(
            session.scalars(
                select(WorkOrder.scheduled_date)
                .where(WorkOrder.status == "completed")
                .group_by(WorkOrder.scheduled_date)
                .order_by(func.count().desc(), WorkOrder.scheduled_date)
                .limit(n)
            )
        )


def stored(database, day: date) -> dict[str, TechnicianDailyMetrics]:
    with transaction(database.sessions) as session:
        rows = session.scalars(
            select(TechnicianDailyMetrics).where(TechnicianDailyMetrics.metric_date == day)
        )
        out = {r.technician_id: r for r in rows}
        session.expunge_all()
        return out


def test_completed_and_returns_equal_the_oracle_on_seeded_days(database, activities):
    checked_returns = checked_jobs = 0
    for day in busiest_days(database, 25):
        activities.aggregate_daily_metrics(AnalyticsDayInput(day=day))
        rows = stored(database, day)
        with transaction(database.sessions) as session:
            oracle = {
                r.technician_id: r for r in session.execute(text(ORACLE_COMPLETED_RETURNS), {"day": day})
            }
        for tech, expected in oracle.items():
            assert rows[tech].jobs_completed == expected.completed, (day, tech)
            assert rows[tech].returns == expected.returns, (day, tech)
            checked_jobs += expected.completed
            checked_returns += expected.returns
        for tech, row in rows.items():  # technicians without jobs have zero rows, not missing ones
            if tech not in oracle:
                assert (row.jobs_scheduled, row.jobs_completed, row.returns) == (0, 0, 0)
    assert checked_jobs >= 25 and checked_returns > 0  # the comparison covered returns


def windowed_technician(database, day: date) -> str:
    """A fresh inactive technician (08:00-17:00 weekdays, one current and one expired skill) with
    four jobs on ``day``: on time, 30.5 minutes late, an emergency met within its SLA, cancelled."""
    tech_id = f"T-AN{uuid.uuid4().hex[:6]}"
    opens = datetime.combine(day, time(9), tzinfo=TZ).astimezone(UTC)
    with transaction(database.sessions) as session:
        customer_id = session.scalar(text("SELECT min(id) FROM customers"))
        session.add(
            Technician(
                id=tech_id,
                first_name="Ana",
                is_active=False,  # never assigned live work by the other tests sharing this database
                last_name="Lytics",
                home_latitude=30.3,
                home_longitude=-97.7,
                home_zip="78701",
                working_hours={d: ["08:00", "17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
                skills=[
                    TechnicianSkill(skill_type="repair", verified=True),
                    TechnicianSkill(skill_type="pumping", verified=True, expires_at=day - timedelta(days=1)),
                ],
            )
        )
        session.flush()
        for n, (start_after, job_type, priority, status) in enumerate(
            [
                (timedelta(minutes=60), "repair", "normal", "completed"),
                (timedelta(minutes=150, seconds=30), "pumping", "normal", "completed"),
                (timedelta(minutes=30), "emergency", "emergency", "completed"),
                (None, "maintenance", "normal", "cancelled"),
            ]
        ):
            start = None if start_after is None else opens + start_after
            session.add(
                WorkOrder(
                    id=f"WO-AN-{tech_id}-{n}",
                    customer_id=customer_id,
                    technician_id=tech_id,
                    job_type=job_type,
                    status=status,
                    priority=priority,
                    scheduled_date=day,
                    service_window_start=None if priority == "emergency" else opens,
                    service_window_end=None if priority == "emergency" else opens + timedelta(hours=2),
                    actual_start_time=start,
                    actual_end_time=None if start is None else start + timedelta(minutes=45),
                    total_labor_minutes=None if start is None else 45,
                    total_amount=Decimal("200.00"),
                    created_at=opens - timedelta(minutes=60),
                )
            )
    return tech_id


def test_on_time_sla_shift_and_certifications_by_hand_and_by_oracle(database, activities):
    day = date.today() - timedelta(days=2)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    tech = windowed_technician(database, day)
    activities.aggregate_daily_metrics(AnalyticsDayInput(day=day))
    row = stored(database, day)[tech]
    assert (row.jobs_scheduled, row.jobs_completed) == (4, 3)  # the cancelled job is scheduled work
    assert (row.jobs_with_window, row.on_time_arrivals, row.late_minutes) == (
        2,
        1,
        31,
    )  # 30.5 min, rounded up
    assert (row.emergencies, row.emergency_sla_hits) == (1, 1)  # arrived 90 min after the request
    assert row.booked_minutes == 3 * 45 + 60  # labor minutes + the cancelled job's catalog duration
    assert row.shift_minutes == 9 * 60
    assert (row.certifications_held, row.certifications_current) == (2, 1)
    with transaction(database.sessions) as session:
        oracle = {r.technician_id: r for r in session.execute(text(ORACLE_ON_TIME), {"day": day})}
    for tech_id, stored_row in stored(database, day).items():
        expected = oracle.get(tech_id)
        got = (stored_row.jobs_with_window, stored_row.on_time_arrivals, stored_row.late_minutes)
        assert got == ((expected.windowed, expected.on_time, expected.late) if expected else (0, 0, 0))
    saturday = day - timedelta(days=day.weekday() + 2)  # the Saturday before (never a future day)
    activities.aggregate_daily_metrics(AnalyticsDayInput(day=saturday))
    on_saturday = stored(database, saturday)
    assert tech not in on_saturday  # inactive and without work that day: no row
    assert on_saturday["T-001"].shift_minutes == 0 and on_saturday["T-002"].shift_minutes == 5 * 60


def test_rerunning_a_day_replaces_its_rows(database, activities):
    day = busiest_days(database, 1)[0]
    activities.aggregate_daily_metrics(AnalyticsDayInput(day=day))
    first = {t: r.jobs_completed for t, r in stored(database, day).items()}
    with transaction(database.sessions) as session:
        job = session.scalars(
            select(WorkOrder).where(WorkOrder.scheduled_date == day, WorkOrder.status == "completed").limit(1)
        ).one()
        tech, job_id = job.technician_id, job.id
        job.status = "cancelled"
    try:
        for _ in range(2):
            activities.aggregate_daily_metrics(AnalyticsDayInput(day=day))
        again = stored(database, day)
        assert again[tech].jobs_completed == first[tech] - 1
        assert {t: r.jobs_completed for t, r in again.items() if t != tech} == {
            t: n for t, n in first.items() if t != tech
        }
        with transaction(database.sessions) as session:
            count = session.scalar(
                select(func.count())
                .select_from(TechnicianDailyMetrics)
                .where(TechnicianDailyMetrics.metric_date == day)
            )
        assert count == len(first)
    finally:
        with transaction(database.sessions) as session:
            session.get(WorkOrder, job_id).status = "completed"
        activities.aggregate_daily_metrics(AnalyticsDayInput(day=day))


def test_bpi_and_team_rows_of_a_backfilled_month(database, activities):
    end = busiest_days(database, 1)[0]
    for offset in range(29, -1, -1):
        activities.aggregate_daily_metrics(AnalyticsDayInput(day=end - timedelta(days=offset)))
    written = activities.score_bpi(AnalyticsDayInput(day=end)).rows
    again = activities.score_bpi(AnalyticsDayInput(day=end)).rows
    assert written == again and written["technician_bpi_scores"] >= 8
    with transaction(database.sessions) as session:
        scores = {
            s.technician_id: s
            for s in session.scalars(select(TechnicianBpiScore).where(TechnicianBpiScore.score_date == end))
        }
        teams = {
            t.team_id: t
            for t in session.scalars(select(TeamDailyMetrics).where(TeamDailyMetrics.metric_date == end))
        }
        members = {
            "T-001": ["T-001", "T-002", "T-003", "T-004"],
            "T-005": ["T-005", "T-006", "T-007", "T-008"],
        }
        for team, ids in members.items():
            rows = [session.get(TechnicianDailyMetrics, (t, end)) for t in ids]
            assert teams[team].technicians == 4
            assert teams[team].jobs_completed == sum(r.jobs_completed for r in rows)
            bpis = [scores[t].bpi for t in ids if scores[t].bpi is not None]
            # PostgreSQL's round() on numeric rounds half away from zero (80.945 → 80.95)
            assert teams[team].bpi_average == (sum(bpis) / len(bpis)).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP
            )
    demo = scores["T-002"]
    assert demo.formula_version == FORMULA_VERSION
    # seeded history has service windows and arrivals, so reliability has data; it has no surveys
    # or lot walks, and service has data only when an emergency (request time and arrival) fell in
    # the period: the weights are spread over the dimensions with data
    assert demo.reliability is not None and demo.bpi is not None
    values = {d: getattr(demo, d.value) for d in WEIGHTS}
    available = {d: v for d, v in values.items() if v is not None}
    assert set(demo.weights) == {d.value for d in available}
    expected = sum(WEIGHTS[d] * v for d, v in available.items()) / sum(WEIGHTS[d] for d in available)
    assert abs(demo.bpi - expected) <= Decimal("0.01")
    with transaction(database.sessions) as session:  # on time: arrived by the window's end
        windowed, on_time = session.execute(
            select(
                func.count(),
                func.count().filter(WorkOrder.actual_start_time <= WorkOrder.service_window_end),
            ).where(
                WorkOrder.technician_id == "T-002",
                WorkOrder.service_window_end.is_not(None),
                WorkOrder.scheduled_date.between(end - timedelta(days=29), end),
            )
        ).one()
    assert windowed > 0 and demo.reliability == (Decimal(100 * on_time) / windowed).quantize(Decimal("0.01"))


def test_a_day_fills_the_never_aggregated_days_of_its_bpi_period_only(database, activities):
    day = date.today() - timedelta(days=600)  # before the seeded history: no other test counts it
    kept = day - timedelta(days=5)
    activities.aggregate_daily_metrics(AnalyticsDayInput(day=kept))
    with transaction(database.sessions) as session:
        session.execute(
            text("UPDATE technician_daily_metrics SET late_minutes = 999 WHERE metric_date = :d"), {"d": kept}
        )
    with transaction(database.sessions) as session:
        missing = days_never_aggregated(session, start=day - timedelta(days=29), end=day - timedelta(days=1))
    assert missing and kept not in missing
    result = activities.aggregate_daily_metrics(AnalyticsDayInput(day=day)).rows
    with transaction(database.sessions) as session:
        days = session.scalar(
            select(func.count(func.distinct(TechnicianDailyMetrics.metric_date))).where(
                TechnicianDailyMetrics.metric_date.between(day - timedelta(days=29), day)
            )
        )
        untouched = set(
            session.scalars(
                select(TechnicianDailyMetrics.late_minutes).where(TechnicianDailyMetrics.metric_date == kept)
            )
        )
    assert days == 30 and untouched == {999}  # a day that had rows is not recounted
    with transaction(database.sessions) as session:
        filled = session.scalar(select(func.count()).where(TechnicianDailyMetrics.metric_date.in_(missing)))
    assert result["technician_daily_metrics_filled"] == filled >= 8 * len(missing)
    activities.aggregate_daily_metrics(AnalyticsDayInput(day=kept))  # and re-running it replaces them
    with transaction(database.sessions) as session:
        assert 999 not in set(
            session.scalars(
                select(TechnicianDailyMetrics.late_minutes).where(TechnicianDailyMetrics.metric_date == kept)
            )
        )
