"""Seed 002 end to end: the schedules, ``fieldops analytics backfill`` and AnalyticsWorkflow on the
real workers over the seeded history, then the ``/api/performance`` routes and their role checks."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from api.auth import create_api_key
from cli_analytics import backfill_days, run_backfill
from config import Settings
from db.models import TechnicianBpiScore, TechnicianDailyMetrics
from db.session import transaction
from devstack.analytics_history import backfill_seeded_history
from domain.analytics.bpi import FORMULA_VERSION, WEIGHTS
from domain.contracts.analytics import AnalyticsJob
from domain.ids import TASK_QUEUE
from domain.schedule import local_today
from schedules import apply_schedules, definitions

pytestmark = pytest.mark.integration
DAYS = 35


def yesterday():
    return local_today(datetime.now(UTC), "America/Chicago") - timedelta(days=1)


@pytest_asyncio.fixture(scope="module")
async def backfilled(stack):
    """35 days up to yesterday through the real workers, as ``fieldops analytics backfill`` does."""
    days = backfill_days(DAYS, yesterday())
    results = await backfill_seeded_history(stack.client, stack.settings, days=DAYS)
    assert [r.job for r in results[-2:]] == [AnalyticsJob.COHORTS, AnalyticsJob.COACHING]
    assert [r.day for r in results[:-2]] == days
    return days


@pytest.fixture(scope="module")
def keys(stack):
    with transaction(stack.sessions) as session:
        return {
            "T-001": {
                "X-API-Key": create_api_key(session, name="perf T-001", role="manager", technician_id="T-001")
            },
            "T-005": {
                "X-API-Key": create_api_key(session, name="perf T-005", role="manager", technician_id="T-005")
            },
            "tech T-002": {"X-API-Key": stack.tech_keys["T-002"]},
            "office": stack.office,
        }


async def test_backfill_replaces_days_and_scores_every_technician(stack, backfilled):
    with transaction(stack.sessions) as session:
        rows = session.scalar(
            select(func.count())
            .select_from(TechnicianDailyMetrics)
            .where(TechnicianDailyMetrics.metric_date.between(backfilled[0], backfilled[-1]))
        )
        scores = list(
            session.scalars(select(TechnicianBpiScore).where(TechnicianBpiScore.score_date == backfilled[-1]))
        )
    assert rows >= 8 * DAYS
    assert {s.formula_version for s in scores} == {FORMULA_VERSION}
    demo = [s for s in scores if s.technician_id in {f"T-00{i}" for i in range(1, 9)}]
    assert len(demo) == 8 and all(s.bpi is not None and s.cohort_key for s in demo)
    # the same days again: replaced, not added
    await run_backfill(stack.client, days=backfilled[-3:], task_queue=TASK_QUEUE, time_zone="America/Chicago")
    with transaction(stack.sessions) as session:
        again = session.scalar(
            select(func.count())
            .select_from(TechnicianDailyMetrics)
            .where(TechnicianDailyMetrics.metric_date.between(backfilled[0], backfilled[-1]))
        )
    assert again == rows


async def test_dashboard_shows_the_bpi_with_renormalised_weights(stack, backfilled, keys):
    r = await stack.http.get("/api/performance/me/", headers=keys["tech T-002"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["technician_id"] == "T-002" and body["formula_version"] == FORMULA_VERSION
    assert body["score_date"] == str(backfilled[-1]) and 0 <= body["bpi"] <= 100
    available = {d for d, score in body["dimensions"].items() if score is not None}
    assert (
        set(body["weights"]) == available and set(body["unavailable_dimensions"]) == set(WEIGHTS) - available
    )
    assert abs(sum(body["weights"].values()) - 1) < 1e-5
    expected = sum(body["weights"][d] * body["dimensions"][d] for d in available)
    assert abs(body["bpi"] - expected) <= 0.02
    assert body["metrics"]["customer_rating"] is None and body["metrics"]["lot_walk_coverage"] is None
    assert body["cohort"]["cohort_size"] >= 3 and 0 < body["cohort"]["percentile"] <= 100
    assert {s["streak_type"] for s in body["streaks"]} == {"on_time", "sla_hit", "first_time_fix"}


async def test_trends_and_achievements(stack, backfilled, keys):
    r = await stack.http.get("/api/performance/me/trends/", params={"days": 10}, headers=keys["tech T-002"])
    assert r.status_code == 200, r.text
    points = r.json()["points"]
    assert 1 <= len(points) <= 10 and [p["date"] for p in points] == sorted(p["date"] for p in points)
    assert points[-1]["bpi"] is not None
    bad = await stack.http.get("/api/performance/me/trends/", params={"days": 0}, headers=keys["tech T-002"])
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    r = await stack.http.get("/api/performance/me/achievements/", headers=keys["tech T-002"])
    assert r.status_code == 200 and "perfect_week" in r.json()["available"]


async def test_who_sees_whom(stack, backfilled, keys):
    async def status(path: str, who: str, **params) -> int:
        return (await stack.http.get(path, params=params, headers=keys[who])).status_code

    me = "/api/performance/me/"
    assert await status(me, "tech T-002", technician_id="T-003") == 404  # only himself
    assert await status(me, "T-001", technician_id="T-003") == 200  # his team
    assert await status(me, "T-001", technician_id="T-006") == 404
    assert await status(me, "office", technician_id="T-006") == 200
    assert await status(me, "office") == 404  # an office key belongs to no technician
    assert await status("/api/performance/team/T-001/", "T-001") == 200
    assert await status("/api/performance/team/T-001/", "T-005") == 404
    assert await status("/api/performance/team/T-002/", "office") == 404  # not a manager: no team
    assert await status("/api/performance/team/T-001/", "tech T-002") == 403
    team = (await stack.http.get("/api/performance/team/T-005/", headers=keys["T-005"])).json()
    assert {"T-005", "T-006", "T-007", "T-008"} <= {m["technician_id"] for m in team["members"]}
    assert team["bpi_average"] is not None and team["metrics"]["jobs_completed"] > 0
    top = (
        await stack.http.get(
            "/api/performance/top-performers/T-005/", params={"limit": 2}, headers=keys["office"]
        )
    ).json()
    bpis = [m["bpi"] for m in top["items"]]
    assert len(bpis) == 2 and bpis == sorted(bpis, reverse=True)
    queue = await stack.http.get("/api/performance/coaching-queue/T-001/", headers=keys["T-001"])
    assert queue.status_code == 200
    for item in queue.json()["items"]:
        assert item["technician_id"] in {"T-001", "T-002", "T-003", "T-004"} or item[
            "technician_id"
        ].startswith("T-9")
        assert item["reasons"] and item["priority"] in ("high", "normal")


async def test_kudos(stack, keys):
    before = (await stack.http.get("/api/performance/me/", headers=keys["tech T-002"])).json()[
        "kudos_received_30d"
    ]
    given = await stack.http.post(
        "/api/performance/kudos/",
        json={"technician_id": "T-002", "category": "teamwork", "message": "covered my emergency"},
        headers=keys["T-005"],
    )
    assert given.status_code == 201, given.text
    assert given.json()["giver_technician_id"] == "T-005" and given.json()["category"] == "teamwork"
    after = (await stack.http.get("/api/performance/me/", headers=keys["tech T-002"])).json()[
        "kudos_received_30d"
    ]
    assert after == before + 1
    for body, expected in (
        ({"technician_id": "T-002", "category": "teamwork", "message": "me"}, 422),  # to himself
        ({"technician_id": "T-404", "category": "teamwork", "message": "who"}, 404),
        ({"technician_id": "T-003", "category": "bravery", "message": "x"}, 422),
        ({"technician_id": "T-003", "category": "quality", "message": ""}, 422),
    ):
        r = await stack.http.post("/api/performance/kudos/", json=body, headers=keys["tech T-002"])
        assert r.status_code == expected, (body, r.text)


async def test_schedules_in_the_company_zone_and_a_triggered_run(stack):
    report = await apply_schedules(
        stack.client, definitions(Settings(profile="test", timezone="America/Chicago"))
    )
    ids = {"fieldops-analytics-daily", "fieldops-analytics-coaching", "fieldops-analytics-cohorts"}
    assert ids <= set(report.created) | set(report.updated)
    expected = {
        "fieldops-analytics-daily": (2, None),
        "fieldops-analytics-coaching": (6, None),
        "fieldops-analytics-cohorts": (3, 0),
    }
    for schedule_id, (hour, weekday) in expected.items():
        described = await stack.client.get_schedule_handle(schedule_id).describe()
        spec = described.schedule.spec
        assert spec.time_zone_name == "America/Chicago"
        calendar = spec.calendars[0]
        assert calendar.hour[0].start == hour and calendar.minute[0].start == 0
        if weekday is not None:
            assert calendar.day_of_week[0].start == weekday
    await stack.client.get_schedule_handle("fieldops-analytics-cohorts").trigger()
    for _ in range(100):
        runs = [w async for w in stack.client.list_workflows("WorkflowType = 'AnalyticsWorkflow'")]
        done = [
            w
            for w in runs
            if w.id.startswith("analytics-cohorts-20") and w.status and w.status.name == "COMPLETED"
        ]
        if done:
            break
        await asyncio.sleep(0.3)
    assert done, [(w.id, w.status) for w in runs]
    await apply_schedules(stack.client, [])  # leave no schedule behind for other tests


async def test_the_backfill_command(stack, backfilled):
    env = {
        **os.environ,
        "FIELDOPS_DATABASE_URL": stack.settings.database_url,
        "FIELDOPS_TEMPORAL_ADDRESS": stack.client.service_client.config.target_host,
        "FIELDOPS_STATE_DIR": str(stack.settings.state_dir),
        "FIELDOPS_PROFILE": "test",
    }
    end = str(backfilled[-1])
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "cli", "analytics", "backfill", "--days", "2", "--end", end],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"2 days {backfilled[-2]}..{end}" in done.stdout and "technician_daily_metrics" in done.stdout


async def test_csv_export_follows_the_scope(stack, backfilled, keys):
    day = str(backfilled[-1])
    params = {"start": day, "end": day}
    office = await stack.http.get(
        "/api/performance/export/technician_daily_metrics.csv", params=params, headers=keys["office"]
    )
    assert office.status_code == 200 and office.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(office.text)))
    with transaction(stack.sessions) as session:
        stored = {
            r.technician_id: r.jobs_completed
            for r in session.scalars(
                select(TechnicianDailyMetrics).where(TechnicianDailyMetrics.metric_date == backfilled[-1])
            )
        }
    assert {r["technician_id"]: int(r["jobs_completed"]) for r in rows} == stored
    assert {r["metric_date"] for r in rows} == {day}
    manager = await stack.http.get(
        "/api/performance/export/technician_daily_metrics.csv", params=params, headers=keys["T-005"]
    )
    techs = {r["technician_id"] for r in csv.DictReader(io.StringIO(manager.text))}
    assert {"T-005", "T-006", "T-007", "T-008"} <= techs and not techs & {"T-001", "T-002", "T-003", "T-004"}
    scores = await stack.http.get(
        "/api/performance/export/technician_bpi_scores.csv", params=params, headers=keys["office"]
    )
    first = next(csv.DictReader(io.StringIO(scores.text)))
    assert first["formula_version"] == FORMULA_VERSION and json.loads(first["weights"])
    formula = '=HYPERLINK("http://x")'
    posted = await stack.http.post(
        "/api/performance/kudos/",
        json={"technician_id": "T-007", "category": "safety", "message": formula},
        headers=keys["office"],
    )
    assert posted.status_code == 201
    exported = await stack.http.get("/api/performance/export/kudos.csv", headers=keys["office"])
    messages = {r["message"] for r in csv.DictReader(io.StringIO(exported.text))}
    assert "'" + formula in messages and formula not in messages  # shown as text, never run
    for table in (
        "team_daily_metrics",
        "cohort_benchmarks",
        "technician_achievements",
        "coaching_queue",
        "kudos",
    ):
        r = await stack.http.get(
            f"/api/performance/export/{table}.csv", params=params, headers=keys["office"]
        )
        assert r.status_code == 200 and r.text.splitlines()[0].count(",") >= 3, table
    bad = await stack.http.get(
        "/api/performance/export/technician_daily_metrics.csv",
        params={"start": day, "end": "2000-01-01"},
        headers=keys["office"],
    )
    assert bad.status_code == 422
    assert (
        await stack.http.get("/api/performance/export/work_orders.csv", headers=keys["office"])
    ).status_code == 422
    assert (
        await stack.http.get("/api/performance/export/kudos.csv", headers=keys["tech T-002"])
    ).status_code == 403


async def test_chart_is_a_png(stack, backfilled, keys):
    r = await stack.http.get("/api/performance/me/chart.png", params={"days": 60}, headers=keys["tech T-002"])
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert r.content[:8] == b"\x89PNG\r\n\x1a\n" and len(r.content) > 10_000
    out = os.environ.get("FIELDOPS_CHART_OUT")
    if out:  # to look at it: FIELDOPS_CHART_OUT=/tmp/chart.png pytest ... -k chart
        await asyncio.to_thread(Path(out).write_bytes, r.content)
    other = await stack.http.get(
        "/api/performance/me/chart.png", params={"technician_id": "T-006"}, headers=keys["tech T-002"]
    )
    assert other.status_code == 404


async def test_the_demo_can_score_its_own_day(stack, backfilled):
    today = local_today(datetime.now(UTC), "America/Chicago")
    results = await backfill_seeded_history(stack.client, stack.settings, days=1, include_today=True)
    assert [(r.job, r.day) for r in results] == [
        (AnalyticsJob.DAILY, today),
        (AnalyticsJob.COHORTS, today),
        (AnalyticsJob.COACHING, today),
    ]
    with transaction(stack.sessions) as session:
        rows = session.scalar(
            select(func.count())
            .select_from(TechnicianDailyMetrics)
            .where(TechnicianDailyMetrics.metric_date == today)
        )
    assert rows >= 8
