"""Analytics over the demo's seeded history, for ``fieldops demo`` to call once its workers run:
without it ``/api/performance`` has no scores until the 02:00 schedule has fired.

    await backfill_seeded_history(client, settings)   # 90 days up to yesterday, then cohorts and coaching
    await backfill_seeded_history(client, settings, days=1, include_today=True)   # after the demo day

The second call scores the demo day itself: its live jobs are the only ones with service
windows, so the BPI's reliability dimension (on-time arrival) has data only from them.

It runs the same AnalyticsWorkflow as the schedules and ``fieldops analytics backfill``, on the
main task queue (the demo's workers serve it); re-running replaces each day's rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from temporalio.client import Client

from cli_analytics import backfill_days, run_backfill
from config import Settings
from domain.contracts.analytics import AnalyticsRunResult
from domain.ids import TASK_QUEUE
from domain.schedule import local_today

#: Days the demo scores: the BPI sums 30 days, the streaks look back 90.
DEMO_ANALYTICS_DAYS = 90


async def backfill_seeded_history(
    client: Client,
    settings: Settings,
    *,
    days: int = DEMO_ANALYTICS_DAYS,
    today: date | None = None,
    include_today: bool = False,
    on_result: Callable[[AnalyticsRunResult], None] | None = None,
) -> list[AnalyticsRunResult]:
    """Run the daily analytics for the ``days`` days before ``today`` (default: today in the
    company zone; with ``include_today`` the days up to and including it), then cohorts and
    coaching for the last; returns every run's result."""
    today = today or local_today(datetime.now(UTC), settings.timezone)
    last = today if include_today else today - timedelta(days=1)
    return await run_backfill(
        client,
        days=backfill_days(days, last),
        task_queue=TASK_QUEUE,
        time_zone=settings.timezone,
        on_result=on_result,
    )
