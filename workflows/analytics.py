"""AnalyticsWorkflow: one analytics job for one metric day (domain/contracts/analytics.py).

Started by the Temporal Schedules in ``schedules.py`` (daily 02:00, coaching 06:00, cohorts
Sunday 03:00, company time zone) with no day, so it takes yesterday in that zone from the
workflow clock; and by ``fieldops analytics backfill`` with a day. Deterministic code only.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.contracts import analytics as contract
    from domain.contracts.analytics import (
        AnalyticsDayInput,
        AnalyticsJob,
        AnalyticsRunInput,
        AnalyticsRunResult,
    )
    from domain.schedule import local_today

from workflows.kit import DB_CALL, ActivityCall

aggregate_daily_metrics = ActivityCall(contract.AGGREGATE_DAILY_METRICS, DB_CALL)
score_bpi = ActivityCall(contract.SCORE_BPI, DB_CALL)
award_achievements = ActivityCall(contract.AWARD_ACHIEVEMENTS, DB_CALL)
build_coaching_queue = ActivityCall(contract.BUILD_COACHING_QUEUE, DB_CALL)
update_cohort_benchmarks = ActivityCall(contract.UPDATE_COHORT_BENCHMARKS, DB_CALL)


@workflow.defn(name=contract.ANALYTICS_WORKFLOW)
class AnalyticsWorkflow:
    """Runs ``inp.job`` for ``inp.day`` (default: yesterday in ``inp.time_zone``)."""

    @workflow.run
    async def run(self, inp: AnalyticsRunInput) -> AnalyticsRunResult:
        """The job's activities in order; returns the rows each table got."""
        day = inp.day or local_today(workflow.now(), inp.time_zone) - timedelta(days=1)
        arg = AnalyticsDayInput(day=day)
        rows: dict[str, int] = {}
        if inp.job is AnalyticsJob.DAILY:
            steps = [aggregate_daily_metrics, score_bpi, award_achievements]
        elif inp.job is AnalyticsJob.COACHING:
            steps = [build_coaching_queue]
        else:
            steps = [update_cohort_benchmarks]
        for step in steps:
            rows.update((await step(arg)).rows)
        return AnalyticsRunResult(job=inp.job, day=day, rows=rows)
