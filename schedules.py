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
from domain.ids import MANAGED_SCHEDULE_PREFIX, MESSAGE_DIGEST_WORKFLOW, TASK_QUEUE


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


def definitions(settings: Settings) -> list[ScheduledWorkflow]:
    """Every schedule fieldops runs with these settings (analytics and billing add theirs)."""
    return [
        ScheduledWorkflow(
            schedule_id=f"{MANAGED_SCHEDULE_PREFIX}message-digests",
            workflow=MESSAGE_DIGEST_WORKFLOW,
            workflow_id="message-digests",
            cron=["5 * * * *"],
            note="Send the customers' daily digests that are due (one per customer and local day)",
        )
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
