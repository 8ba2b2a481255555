"""``schedules.apply_schedules`` against the real dev server: create, update, prune, idempotent."""

from __future__ import annotations

import asyncio

import pytest
from temporalio.client import Schedule, ScheduleActionStartWorkflow, ScheduleSpec

from config import Settings
from schedules import ScheduledWorkflow, apply_schedules, definitions

pytestmark = pytest.mark.integration


def nightly(cron: str) -> ScheduledWorkflow:
    return ScheduledWorkflow(
        schedule_id="fieldops-test-nightly",
        workflow="NoSuchWorkflowYet",
        workflow_id="test-nightly",
        cron=[cron],
        time_zone="America/Chicago",
        note="test schedule",
    )


async def managed_ids(client) -> set[str]:
    return {s.id async for s in await client.list_schedules() if s.id.startswith("fieldops-")}


async def wait_listed(client, expected: set[str]) -> None:
    for _ in range(50):  # schedule listing is eventually consistent
        if await managed_ids(client) == expected:
            return
        await asyncio.sleep(0.2)
    assert await managed_ids(client) == expected


async def test_apply_creates_updates_and_prunes(stack):
    client = stack.client
    foreign = await client.create_schedule(
        "lot-walk-schedule-test",
        Schedule(
            action=ScheduleActionStartWorkflow("X", id="x", task_queue="q"),
            spec=ScheduleSpec(cron_expressions=["0 7 * * 1"]),
        ),
    )
    first = await apply_schedules(client, [nightly("0 2 * * *")])
    assert first.created == ["fieldops-test-nightly"] and not first.updated
    await wait_listed(client, {"fieldops-test-nightly"})

    again = await apply_schedules(client, [nightly("30 2 * * *")])
    assert again.updated == ["fieldops-test-nightly"] and not again.created
    described = await client.get_schedule_handle("fieldops-test-nightly").describe()
    assert described.schedule.spec.time_zone_name == "America/Chicago"
    spec = described.schedule.spec  # the server keeps a cron expression as a calendar
    assert [(c.hour[0].start, c.minute[0].start) for c in spec.calendars] == [(2, 30)]

    wanted = definitions(Settings(profile="test"))
    gone = await apply_schedules(client, wanted)
    assert gone.deleted == ["fieldops-test-nightly"]
    assert "fieldops-dispatch-morning" in gone.created  # the morning dispatch (issue 7)
    await wait_listed(client, {w.schedule_id for w in wanted})
    dispatch = await client.get_schedule_handle("fieldops-dispatch-morning").describe()
    assert dispatch.schedule.spec.time_zone_name == "America/Chicago"
    assert [(c.hour[0].start, c.minute[0].start) for c in dispatch.schedule.spec.calendars] == [(5, 30)]
    billing = await client.get_schedule_handle("fieldops-billing-cycle").describe()
    assert billing.schedule.action.workflow == "BatchInvoicingWorkflow"
    assert [(c.day_of_month[0].start, c.hour[0].start) for c in billing.schedule.spec.calendars] == [(1, 0)]
    await apply_schedules(client, [])  # the analytics schedules are tested in test_performance_api.py
    await wait_listed(client, set())
    assert (await foreign.describe()).id == "lot-walk-schedule-test"  # not ours to prune
    await foreign.delete()


def test_definitions_are_checked():
    with pytest.raises(ValueError, match="must start with"):
        ScheduledWorkflow(schedule_id="nightly", workflow="W", workflow_id="w", cron=["0 2 * * *"], note="")
