"""``fieldops analytics``: run AnalyticsWorkflow over past days (seed 002 "backfill_performance_metrics").

``fieldops analytics backfill --days 90`` runs the ``daily`` job for each of the 90 days up to
yesterday (company time zone), oldest first because a day's BPI sums the 30 days before it, then
the ``cohorts`` and ``coaching`` jobs for the last day. It is the same workflow the schedules
start, run by a worker inside this command on a task queue of its own, so it needs Temporal and
the database but no running ``fieldops worker``. Each day is the workflow
``analytics-daily-{day}``; re-running a day replaces its rows.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import typer
from temporalio.client import Client

from config import get_settings
from domain.contracts.analytics import (
    AnalyticsJob,
    AnalyticsRunInput,
    AnalyticsRunResult,
    analytics_workflow_id,
)
from domain.schedule import local_today

analytics_app = typer.Typer(help="Technician analytics (seed 002): backfill.", no_args_is_help=True)


def backfill_days(days: int, end: date) -> list[date]:
    """The ``days`` days ending on ``end``, oldest first; raises ValueError for ``days`` < 1."""
    if days < 1:
        raise ValueError("--days must be at least 1")
    return [end - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


async def run_backfill(
    client: Client,
    *,
    days: list[date],
    task_queue: str,
    time_zone: str,
    on_result: Callable[[AnalyticsRunResult], None] | None = None,
) -> list[AnalyticsRunResult]:
    """Run the ``daily`` job for each of ``days`` in order, then ``cohorts`` and ``coaching`` for
    the last one, on ``task_queue`` (a worker must poll it); returns every run's result."""
    from workflows.analytics import AnalyticsWorkflow

    runs = [(AnalyticsJob.DAILY, day) for day in days]
    if days:
        runs += [(AnalyticsJob.COHORTS, days[-1]), (AnalyticsJob.COACHING, days[-1])]
    results = []
    for job, day in runs:
        result = await client.execute_workflow(
            AnalyticsWorkflow.run,
            AnalyticsRunInput(job=job, day=day, time_zone=time_zone),
            id=analytics_workflow_id(job, day),
            task_queue=task_queue,
            result_type=AnalyticsRunResult,
        )
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results


@analytics_app.command("backfill")
def backfill(
    days: Annotated[int, typer.Option("--days", min=1, max=3660, help="how many days up to --end")] = 90,
    end: Annotated[
        str | None,
        typer.Option("--end", help="last day, YYYY-MM-DD (default: yesterday in FIELDOPS_TIMEZONE)"),
    ] = None,
) -> None:
    """Compute daily metrics, BPI, team metrics and achievements for past days, then cohorts and
    the coaching queue of the last day; re-running a day replaces its rows."""
    from concurrent.futures import ThreadPoolExecutor

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from temporalio.client import WorkflowFailureError
    from temporalio.exceptions import WorkflowAlreadyStartedError
    from temporalio.service import RPCError
    from temporalio.worker import Worker

    from activities.analytics import AnalyticsActivities
    from cli import _database_url, _hard_exit, console
    from db.session import make_engine, make_session_factory
    from temporal_client import connect_temporal
    from workflows.analytics import AnalyticsWorkflow

    settings = get_settings()
    try:
        last = (
            date.fromisoformat(end)
            if end
            else local_today(datetime.now(UTC), settings.timezone) - timedelta(days=1)
        )
    except ValueError as err:
        console.print(f"[red]error:[/red] --end {end!r} is not a YYYY-MM-DD date")
        raise typer.Exit(2) from err
    wanted = backfill_days(days, last)
    sessions = make_session_factory(make_engine(_database_url(settings)))
    task_queue = f"fieldops-analytics-backfill-{uuid.uuid4().hex[:8]}"

    async def main() -> list[AnalyticsRunResult]:
        client = await connect_temporal(settings)
        worker = Worker(
            client,
            task_queue=task_queue,
            workflows=[AnalyticsWorkflow],
            activities=AnalyticsActivities(sessions, time_zone=settings.timezone).all(),
            activity_executor=ThreadPoolExecutor(max_workers=2),
        )
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            task = bar.add_task(f"analytics {wanted[0]}..{wanted[-1]}", total=len(wanted) + 2)

            def step(result: AnalyticsRunResult) -> None:
                bar.update(task, advance=1, description=f"analytics {result.job.value} {result.day}")

            async with worker:
                return await run_backfill(
                    client, days=wanted, task_queue=task_queue, time_zone=settings.timezone, on_result=step
                )

    try:
        results = asyncio.run(main())
    except WorkflowAlreadyStartedError as err:
        console.print(f"[red]error:[/red] {err.workflow_id} is already running (another backfill?)")
        _hard_exit(2)
    except WorkflowFailureError as err:
        console.print(f"[red]error:[/red] {err.cause or err}")
        _hard_exit(1)
    except (RPCError, RuntimeError) as err:
        console.print(f"[red]error:[/red] Temporal at {settings.temporal_address}: {err}")
        _hard_exit(2)
    totals: dict[str, int] = {}
    for result in results:
        for table, n in result.rows.items():
            totals[table] = totals.get(table, 0) + n
    console.print(
        f"{len(wanted)} days {wanted[0]}..{wanted[-1]}: " + ", ".join(f"{n} {t}" for t, n in totals.items())
    )
    _hard_exit(0)
