"""Every Temporal Schedule fieldops runs, applied idempotently by ``fieldops schedules apply``
(and by ``fieldops dev``/``demo`` at start).

A capability adds its schedule by appending a :class:`ScheduledWorkflow` to :func:`definitions`
(for example the nightly aggregation at 02:00, or batch invoicing per billing cycle). Applying
creates what is missing, updates what exists to the definition, and deletes schedules with the
managed prefix (``domain.ids.MANAGED_SCHEDULE_PREFIX``) that are no longer defined. Schedules that
belong to records (a customer's lot-walk schedule) carry other ids and are left alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from config import Settings
from domain.contracts.analytics import (
    ANALYTICS_WORKFLOW,
    AnalyticsJob,
    AnalyticsRunInput,
    analytics_workflow_id,
)
from domain.contracts.billing import BatchInvoicingInput
from domain.contracts.dispatch import DISPATCH_WORKFLOW, DispatchInput
from domain.contracts.webhooks import WEBHOOK_DISPATCH_WORKFLOW, PendingDeliveriesInput
from domain.ids import BATCH_INVOICING_WORKFLOW, MANAGED_SCHEDULE_PREFIX, MESSAGE_DIGEST_WORKFLOW, TASK_QUEUE


@dataclass(frozen=True)
class ScheduledWorkflow:
    """One schedule: ``schedule_id`` (must start with the managed prefix), the workflow type
    name and its arguments, when it runs (cron expressions in ``time_zone``), and a UI note."""

    schedule_id: str
    workflow: str
    workflow_id: str
    cron: Sequence[str]
    note: str
    args: Sequence[Any] = ()
    time_zone: str = "UTC"
    task_queue: str = TASK_QUEUE
    catchup_window: timedelta = timedelta(hours=6)
    overlap: ScheduleOverlapPolicy = ScheduleOverlapPolicy.SKIP
    memo: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.schedule_id.startswith(MANAGED_SCHEDULE_PREFIX):
            raise ValueError(f"schedule id {self.schedule_id!r} must start with {MANAGED_SCHEDULE_PREFIX!r}")
        if not self.cron:
            raise ValueError(f"schedule {self.schedule_id!r} needs at least one cron expression")

    def schedule(self) -> Schedule:
        """The Temporal ``Schedule`` this definition stands for."""
        return Schedule(
            action=ScheduleActionStartWorkflow(
                self.workflow,
                args=list(self.args),
                id=self.workflow_id,
                task_queue=self.task_queue,
                static_summary=self.note,
            ),
            spec=ScheduleSpec(cron_expressions=list(self.cron), time_zone_name=self.time_zone),
            policy=SchedulePolicy(overlap=self.overlap, catchup_window=self.catchup_window),
        )


#: Technician analytics (seed 002's beat schedule), local times in the company zone:
#: (job, cron, what the Temporal UI shows).
ANALYTICS_SCHEDULES = (
    (AnalyticsJob.DAILY, "0 2 * * *", "Daily metrics, BPI, team metrics and achievements of yesterday"),
    (AnalyticsJob.COACHING, "0 6 * * *", "Coaching queue from yesterday's BPI"),
    (AnalyticsJob.COHORTS, "0 3 * * 0", "Weekly cohort benchmarks (skill set, region, tenure)"),
)


def analytics_schedules(settings: Settings) -> list[ScheduledWorkflow]:
    """The analytics jobs at 02:00, 06:00 and Sunday 03:00 in ``settings.timezone``."""
    return [
        ScheduledWorkflow(
            schedule_id=f"{MANAGED_SCHEDULE_PREFIX}{analytics_workflow_id(job)}",
            workflow=ANALYTICS_WORKFLOW,
            workflow_id=analytics_workflow_id(job),
            cron=[cron],
            note=note,
            args=[AnalyticsRunInput(job=job, time_zone=settings.timezone)],
            time_zone=settings.timezone,
        )
        for job, cron, note in ANALYTICS_SCHEDULES
    ]


#: When the billing cycle runs (local time): after midnight, once the day, week or month has closed.
BILLING_CYCLE_CRON: dict[str, str] = {
    "daily": "30 0 * * *",
    "weekly": "30 0 * * 1",
    "monthly": "30 0 1 * *",
}


def billing_cycle(settings: Settings) -> ScheduledWorkflow:
    """BatchInvoicingWorkflow for the last closed period of ``settings.billing_cycle``; each run
    is idempotent on (customer, period), so a catch-up or a manual trigger cannot bill twice."""
    return ScheduledWorkflow(
        schedule_id=f"{MANAGED_SCHEDULE_PREFIX}billing-cycle",
        workflow=BATCH_INVOICING_WORKFLOW,
        workflow_id="billing-cycle",
        cron=[BILLING_CYCLE_CRON[settings.billing_cycle]],
        time_zone=settings.timezone,
        note=f"Batch invoicing, {settings.billing_cycle} cycle: one invoice per customer per period",
        args=[
            BatchInvoicingInput(
                cycle=settings.billing_cycle,
                dunning_offsets_days=settings.dunning_offsets_days,
                dunning_channels=list(settings.dunning_channels),
                dunning_day_seconds=settings.dunning_day_seconds,
            )
        ],
        catchup_window=timedelta(days=2),
    )


def dispatch_morning(settings: Settings) -> ScheduledWorkflow:
    """The morning dispatch (issue 7) at ``dispatch_schedule_time`` in the company zone,
    re-optimising that day's jobs."""
    hour, minute = (int(x) for x in settings.dispatch_schedule_time.split(":"))
    return ScheduledWorkflow(
        schedule_id=f"{MANAGED_SCHEDULE_PREFIX}dispatch-morning",
        workflow=DISPATCH_WORKFLOW,
        workflow_id=f"{MANAGED_SCHEDULE_PREFIX}dispatch-morning",
        cron=[f"{minute} {hour} * * *"],
        note="Morning dispatch: re-optimize today's routes (OR-Tools)",
        args=[DispatchInput(timezone=settings.timezone, requested_by="schedule")],
        time_zone=settings.timezone,
    )


def message_digests(settings: Settings) -> ScheduledWorkflow:
    """Hourly pass sending the customers' daily digests that are due (issue 9; one per customer
    and local day, so an overlapping or caught-up run sends nothing twice)."""
    return ScheduledWorkflow(
        schedule_id=f"{MANAGED_SCHEDULE_PREFIX}message-digests",
        workflow=MESSAGE_DIGEST_WORKFLOW,
        workflow_id=f"{MANAGED_SCHEDULE_PREFIX}message-digests",
        cron=["5 * * * *"],
        note="Send the customers' daily digests that are due (one per customer and local day)",
        time_zone=settings.timezone,
    )


def webhook_deliveries(settings: Settings) -> ScheduledWorkflow:
    """Each minute, start the delivery workflow of every pending outgoing webhook delivery
    (seed 001 3.2; a delivery already being retried is skipped, so overlaps send nothing twice)."""
    return ScheduledWorkflow(
        schedule_id=f"{MANAGED_SCHEDULE_PREFIX}webhooks",
        workflow=WEBHOOK_DISPATCH_WORKFLOW,
        workflow_id=f"{MANAGED_SCHEDULE_PREFIX}webhooks",
        cron=["* * * * *"],
        note="Start the delivery of every pending outgoing webhook",
        args=[PendingDeliveriesInput()],
        time_zone=settings.timezone,
        catchup_window=timedelta(minutes=5),
    )


def definitions(settings: Settings) -> list[ScheduledWorkflow]:
    """Every schedule fieldops runs with these settings."""
    return [
        *analytics_schedules(settings),
        billing_cycle(settings),
        dispatch_morning(settings),
        message_digests(settings),
        webhook_deliveries(settings),
    ]


@dataclass
class ApplyReport:
    """Schedule ids by what applying did to them."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"schedules: {len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.deleted)} deleted"
        )


async def apply_schedules(client: Client, wanted: Sequence[ScheduledWorkflow]) -> ApplyReport:
    """Create or update every schedule in ``wanted`` and delete managed ones no longer wanted.
    Safe to run any number of times; raises ValueError on a duplicate schedule id."""
    ids = [w.schedule_id for w in wanted]
    if len(ids) != len(set(ids)):
        raise ValueError(f"duplicate schedule ids in {ids}")
    report = ApplyReport()
    for item in wanted:
        try:
            await client.create_schedule(item.schedule_id, item.schedule(), memo=item.memo or None)
            report.created.append(item.schedule_id)
        except ScheduleAlreadyRunningError:

            def replace(current: ScheduleUpdateInput, item: ScheduledWorkflow = item) -> ScheduleUpdate:
                # keep the operator's pause state; replace action, spec and policy
                schedule = item.schedule()
                schedule.state = current.description.schedule.state
                return ScheduleUpdate(schedule=schedule)

            await client.get_schedule_handle(item.schedule_id).update(replace)
            report.updated.append(item.schedule_id)
    async for listed in await client.list_schedules():
        if listed.id.startswith(MANAGED_SCHEDULE_PREFIX) and listed.id not in ids:
            await client.get_schedule_handle(listed.id).delete()
            report.deleted.append(listed.id)
    return report


def apply_configured(settings: Settings) -> str:
    """Connect to ``settings.temporal_address`` and apply :func:`definitions`; returns the report
    line. Raises ``temporalio.service.RPCError`` or RuntimeError when Temporal cannot be reached."""
    import asyncio

    from temporal_client import connect_temporal

    async def apply() -> str:
        client = await connect_temporal(settings)
        return str(await apply_schedules(client, definitions(settings)))

    return asyncio.run(apply())
