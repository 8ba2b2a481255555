"""RepairWorkflow keeps the approval link and reminder inside the customer's contact windows (quiet
hours) on the time-skipping server."""

from __future__ import annotations

from datetime import timedelta

from domain.contracts.approval import ApproveRequest
from domain.work_status import WorkStatus
from tests.workflows.stubs import ActivityName, StubActivities
from tests.workflows.test_repair_workflow import DAY, repair_input, running, wait_for
from workflows.repair import RepairWorkflow


def calls(stubs: StubActivities, name: str) -> list:
    return [arg for n, arg in stubs.calls if n == name]


async def test_the_link_waits_for_the_contact_window_and_its_deadline_counts_from_the_send(env, task_queue):
    start = await env.get_current_time()
    opens = start + timedelta(hours=9)  # e.g. asked at 23:00, window opens at 08:00
    stubs = StubActivities(quiet_until=[opens])
    async with running(env, task_queue, stubs, repair_input(101)) as handle:
        result = await handle.result()  # nobody answers: reminder, then expiry
    assert result.status == WorkStatus.EXPIRED
    (request,) = calls(stubs, ActivityName.REQUEST_CUSTOMER_APPROVAL)
    sent_at = stubs.scheduled[ActivityName.REQUEST_CUSTOMER_APPROVAL][0]
    assert sent_at >= opens, "the link went out in quiet hours"
    assert request.expires_at >= opens + timedelta(seconds=3 * DAY)  # the customer gets his 72 h
    reminder_at = stubs.scheduled[ActivityName.SEND_APPROVAL_REMINDER][0]
    assert reminder_at >= opens + timedelta(seconds=DAY)


async def test_a_reminder_whose_window_opens_after_the_deadline_is_not_sent(env, task_queue):
    start = await env.get_current_time()
    # open now; at the reminder (24 h) the next window is only after the 72 h deadline
    stubs = StubActivities(quiet_until=[start + timedelta(days=4)])
    stubs.quiet_until = []  # the first answer: open at once
    async with running(env, task_queue, stubs, repair_input(102)) as handle:
        await wait_for(handle, WorkStatus.PENDING_APPROVAL, env)
        stubs.quiet_until = [start + timedelta(days=4)]
        result = await handle.result()
    assert result.status == WorkStatus.EXPIRED
    assert ActivityName.SEND_APPROVAL_REMINDER not in stubs.names()
    assert len(calls(stubs, ActivityName.REQUEST_CUSTOMER_APPROVAL)) == 1


async def test_an_answer_during_the_quiet_wait_sends_no_link(env, task_queue):
    start = await env.get_current_time()
    stubs = StubActivities(quiet_until=[start + timedelta(hours=10)])
    async with running(env, task_queue, stubs, repair_input(103)) as handle:
        await wait_for(handle, WorkStatus.PENDING_APPROVAL, env)
        await handle.execute_update(RepairWorkflow.approve, ApproveRequest(actor="staff:1"))
        await wait_for(handle, WorkStatus.ASSIGNED, env)
    assert ActivityName.REQUEST_CUSTOMER_APPROVAL not in stubs.names()
