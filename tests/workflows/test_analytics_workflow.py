"""AnalyticsWorkflow on the time-skipping server with stub activities registered under the real
names: which activities each job runs, in order, for which day."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from temporalio import activity
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer, Worker

from domain.contracts import analytics as contract
from domain.contracts.analytics import (
    AnalyticsDayInput,
    AnalyticsJob,
    AnalyticsRunInput,
    AnalyticsRunResult,
    RowsWritten,
    analytics_workflow_id,
)
from workflows.analytics import AnalyticsWorkflow

SPECS = (
    contract.AGGREGATE_DAILY_METRICS,
    contract.SCORE_BPI,
    contract.AWARD_ACHIEVEMENTS,
    contract.BUILD_COACHING_QUEUE,
    contract.UPDATE_COHORT_BENCHMARKS,
)


class Stubs:
    """Records (activity name, day) and answers one row per table named after the activity."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, date]] = []

    def all(self) -> list:
        def make(name: str):
            @activity.defn(name=name)
            async def stub(inp: AnalyticsDayInput) -> RowsWritten:
                self.calls.append((name, inp.day))
                return RowsWritten(rows={name: 1})

            return stub

        return [make(spec.name) for spec in SPECS]


async def run(env, task_queue: str, inp: AnalyticsRunInput) -> tuple[AnalyticsRunResult, Stubs]:
    stubs = Stubs()
    async with Worker(
        env.client, task_queue=task_queue, workflows=[AnalyticsWorkflow], activities=stubs.all()
    ):
        result = await env.client.execute_workflow(
            AnalyticsWorkflow.run,
            inp,
            id=f"{analytics_workflow_id(inp.job, inp.day)}-{uuid.uuid4().hex[:6]}",
            task_queue=task_queue,
            result_type=AnalyticsRunResult,
        )
    return result, stubs


async def test_daily_job_counts_scores_and_awards_the_given_day_in_order(env, task_queue):
    day = date(2026, 8, 31)
    result, stubs = await run(env, task_queue, AnalyticsRunInput(job=AnalyticsJob.DAILY, day=day))
    assert stubs.calls == [
        ("aggregate_daily_metrics", day),
        ("score_bpi", day),
        ("award_achievements", day),
    ]
    assert result.day == day and set(result.rows) == {
        "aggregate_daily_metrics",
        "score_bpi",
        "award_achievements",
    }


async def test_a_scheduled_run_takes_yesterday_in_the_company_zone(env, task_queue):
    before = await env.get_current_time()
    result, stubs = await run(
        env, task_queue, AnalyticsRunInput(job=AnalyticsJob.COACHING, time_zone="America/Chicago")
    )
    after = await env.get_current_time()
    zone = ZoneInfo("America/Chicago")
    yesterdays = {(moment.astimezone(zone) - timedelta(days=1)).date() for moment in (before, after)}
    assert result.day in yesterdays
    assert stubs.calls == [("build_coaching_queue", result.day)]


async def test_cohort_job(env, task_queue):
    result, stubs = await run(
        env, task_queue, AnalyticsRunInput(job=AnalyticsJob.COHORTS, day=date(2026, 11, 22))
    )
    assert stubs.calls == [("update_cohort_benchmarks", date(2026, 11, 22))]
    assert result.rows == {"update_cohort_benchmarks": 1}


def test_workflow_ids():
    assert analytics_workflow_id(AnalyticsJob.DAILY) == "analytics-daily"
    assert analytics_workflow_id(AnalyticsJob.DAILY, date(2026, 11, 3)) == "analytics-daily-2026-11-03"


ANALYTICS_HISTORIES = sorted((Path(__file__).parent / "histories").glob("analytics-*.json"))


def test_analytics_histories_are_committed():
    assert {p.stem for p in ANALYTICS_HISTORIES} >= {"analytics-daily", "analytics-coaching"}


@pytest.mark.parametrize("path", ANALYTICS_HISTORIES, ids=lambda p: p.stem)
async def test_replay(path: Path):
    """Histories recorded on the time-skipping server (a scheduled daily run that took yesterday
    from the clock, a coaching run for a given day) replay against today's AnalyticsWorkflow."""
    history = WorkflowHistory.from_json(path.stem, await asyncio.to_thread(path.read_text))
    await Replayer(workflows=[AnalyticsWorkflow], data_converter=pydantic_data_converter).replay_workflow(
        history
    )
