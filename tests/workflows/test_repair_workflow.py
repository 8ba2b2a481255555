"""RepairWorkflow on the time-skipping server with stub activities under the real names."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from contextlib import asynccontextmanager
from datetime import date, timedelta
from decimal import Decimal

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.service import RPCError
from temporalio.worker import Worker

from domain.contracts.approval import ApproveRequest, DeclineRequest, ReviseEstimateRequest
from domain.contracts.assignment import AssignRequest
from domain.contracts.repair import (
    CancelRequest,
    CompleteRequest,
    Durations,
    PartUsed,
    RepairInput,
    RepairStatus,
    StartRequest,
)
from domain.work_status import WorkStatus
from tests.workflows.stubs import ActivityName, StubActivities
from workflows.repair import RepairWorkflow

DAY = 24 * 3600


def repair_input(n: int = 1, **kw) -> RepairInput:
    return RepairInput(
        work_order_id=f"WO-20261122-{n:04d}",
        customer_id=7,
        job_type="repair",
        scheduled_date=date(2026, 11, 23),
        durations=Durations(approval_reminder_seconds=DAY, approval_expiry_seconds=3 * DAY),
        **kw,
    )


@asynccontextmanager
async def running(env, task_queue: str, stubs: StubActivities, inp: RepairInput):
    inp = inp.model_copy(update={"optimizer_task_queue": f"{task_queue}-opt"})
    async with (
        Worker(env.client, task_queue=task_queue, workflows=[RepairWorkflow], activities=stubs.all()),
        Worker(env.client, task_queue=inp.optimizer_task_queue, activities=stubs.optimizer()),
    ):
        handle = await env.client.start_workflow(
            RepairWorkflow.run,
            inp,
            id=f"repair-{inp.work_order_id}-{uuid.uuid4().hex[:6]}",
            task_queue=task_queue,
        )
        try:
            yield handle
        finally:
            # a run left open may still have a task queued (a customer notification); once its
            # worker is gone that task would hold the time-skipping clock for every later test
            with contextlib.suppress(RPCError):
                await handle.terminate("test over")


async def wait_for(handle: WorkflowHandle, status: WorkStatus, env) -> RepairStatus:
    for _ in range(200):
        state = await handle.query(RepairWorkflow.get_status)
        if state.status == status:
            return state
        await asyncio.sleep(0.05)
    raise AssertionError(f"never reached {status}, last {state.status}")


async def work_to_completion(handle, env) -> RepairStatus:
    await wait_for(handle, WorkStatus.ASSIGNED, env)
    await handle.execute_update(RepairWorkflow.start, StartRequest(actor="t", technician_id="T-001"))
    done = await handle.execute_update(
        RepairWorkflow.complete,
        CompleteRequest(
            actor="t",
            technician_id="T-001",
            labor_minutes=60,
            parts=[PartUsed(description="Float switch", quantity=Decimal("1"), unit_cost=Decimal("89"))],
        ),
    )
    return done


async def test_auto_approved_repair_runs_to_completion(env, task_queue):
    stubs = StubActivities(auto_approve=True)
    async with running(env, task_queue, stubs, repair_input(1)) as handle:
        done = await work_to_completion(handle, env)
        assert done.status == WorkStatus.COMPLETED and done.total_amount == Decimal("269.00")
        result = await handle.result()
    assert result.status == WorkStatus.COMPLETED and result.approval_mode == "auto_customer_limit"
    assert ActivityName.REQUEST_CUSTOMER_APPROVAL not in stubs.names()
    # the API wrote the work order: the run starts with the quote
    assert stubs.names()[:2] == [ActivityName.QUOTE_WORK_ORDER, ActivityName.DECIDE_APPROVAL]
    assert ActivityName.CREATE_WORK_ORDER not in stubs.names()
    # the approved repair is inserted into the day's routes (batched), not assigned by CP-SAT
    assert ActivityName.INSERT_REPAIR in stubs.names()
    assert ActivityName.ASSIGN_TECHNICIAN not in stubs.names()
    # the workflow owns the status: every status it took was persisted, in the order taken
    assert stubs.persisted == [
        WorkStatus.APPROVED,
        WorkStatus.ASSIGNED,
        WorkStatus.IN_PROGRESS,
        WorkStatus.COMPLETED,
    ]


async def test_reminder_at_24h_and_expiry_at_72h_without_waiting(env, task_queue):
    stubs = StubActivities()
    async with running(env, task_queue, stubs, repair_input(2)) as handle:
        result = await handle.result()
    assert result.status == WorkStatus.EXPIRED and result.reminders_sent == 1
    (asked,) = stubs.scheduled[ActivityName.REQUEST_CUSTOMER_APPROVAL]
    (reminded,) = stubs.scheduled[ActivityName.SEND_APPROVAL_REMINDER]
    expired_at = [a.at for n, a in stubs.calls if n == ActivityName.SET_WORK_STATUS][-1]
    # the timers start in the workflow task that schedules the request, so the request's scheduled
    # time may be a few milliseconds later than the timers' start on the server's clock
    second = timedelta(seconds=1)
    assert timedelta(hours=24) - second <= reminded - asked < timedelta(hours=24, minutes=1)
    assert timedelta(hours=72) - second <= expired_at - asked < timedelta(hours=72, minutes=1)
    names = stubs.names()
    assert names.count(ActivityName.SEND_APPROVAL_REMINDER) == 1
    assert names.index(ActivityName.REQUEST_CUSTOMER_APPROVAL) < names.index(
        ActivityName.SEND_APPROVAL_REMINDER
    )
    statuses = [a.status for n, a in stubs.calls if n == ActivityName.SET_WORK_STATUS]
    assert statuses == [WorkStatus.PENDING_APPROVAL, WorkStatus.EXPIRED]
    request = next(a for n, a in stubs.calls if n == ActivityName.REQUEST_CUSTOMER_APPROVAL)
    assert abs(request.expires_at - expired_at) < timedelta(minutes=1)


async def test_customer_approval_then_assignment(env, task_queue):
    stubs = StubActivities()
    async with running(env, task_queue, stubs, repair_input(3)) as handle:
        await wait_for(handle, WorkStatus.PENDING_APPROVAL, env)
        state = await handle.execute_update(
            RepairWorkflow.approve, ApproveRequest(actor="customer:7:link", estimate_version=1)
        )
        assert state.approved_by == "customer:7:link"
        await work_to_completion(handle, env)
        assert (await handle.result()).status == WorkStatus.COMPLETED
    assert ActivityName.SEND_APPROVAL_REMINDER not in stubs.names()


async def test_stale_estimate_version_and_double_decision_are_rejected(env, task_queue):
    stubs = StubActivities()
    async with running(env, task_queue, stubs, repair_input(4)) as handle:
        await wait_for(handle, WorkStatus.PENDING_APPROVAL, env)
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await handle.execute_update(RepairWorkflow.approve, ApproveRequest(actor="c", estimate_version=9))
        assert err.value.cause.type == "StaleEstimate"
        await handle.execute_update(RepairWorkflow.decline, DeclineRequest(actor="c", reason="too pricey"))
        with pytest.raises((WorkflowUpdateFailedError, RPCError)):  # rejected, or the run already closed
            await handle.execute_update(RepairWorkflow.approve, ApproveRequest(actor="c"))
        result = await handle.result()
    assert result.status == WorkStatus.DECLINED


async def test_invalid_transitions_are_rejected_by_validators(env, task_queue):
    stubs = StubActivities(auto_approve=True)
    async with running(env, task_queue, stubs, repair_input(5)) as handle:
        await wait_for(handle, WorkStatus.ASSIGNED, env)
        for update, arg in [
            (RepairWorkflow.complete, CompleteRequest(actor="t", technician_id="T-001", labor_minutes=5)),
            (RepairWorkflow.approve, ApproveRequest(actor="x")),
            (RepairWorkflow.start, StartRequest(actor="t", technician_id="T-999")),
        ]:
            with pytest.raises(WorkflowUpdateFailedError) as err:
                await handle.execute_update(update, arg)
            assert err.value.cause.type == "InvalidTransition"
        await handle.execute_update(RepairWorkflow.cancel, CancelRequest(actor="office", reason="dup"))
        with pytest.raises((WorkflowUpdateFailedError, RPCError)):  # rejected, or the run already closed
            await handle.execute_update(RepairWorkflow.cancel, CancelRequest(actor="office"))
        assert (await handle.result()).status == WorkStatus.CANCELLED
    assert ActivityName.RECORD_COMPLETION not in stubs.names()


async def test_cancel_while_waiting_for_approval_ends_the_wait(env, task_queue):
    stubs = StubActivities()
    async with running(env, task_queue, stubs, repair_input(6)) as handle:
        await wait_for(handle, WorkStatus.PENDING_APPROVAL, env)
        await handle.execute_update(RepairWorkflow.cancel, CancelRequest(actor="office"))
        result = await handle.result()
    assert result.status == WorkStatus.CANCELLED and ActivityName.SEND_APPROVAL_REMINDER not in stubs.names()


async def test_no_technician_waits_for_manual_assignment(env, task_queue):
    stubs = StubActivities(auto_approve=True, technician_id=None)
    async with running(env, task_queue, stubs, repair_input(7)) as handle:
        await wait_for(handle, WorkStatus.AWAITING_ASSIGNMENT, env)
        state = await handle.execute_update(
            RepairWorkflow.assign, AssignRequest(actor="office", technician_id="T-001")
        )
        assert state.status == WorkStatus.ASSIGNED and state.technician_id == "T-001"
        await work_to_completion(handle, env)
        assert (await handle.result()).status == WorkStatus.COMPLETED


async def test_revised_estimate_kills_the_old_link_and_sends_a_new_one(env, task_queue):
    stubs = StubActivities(amount=Decimal("180.00"), stored_repair_count=2)
    inp = repair_input(8, requested_by_technician_id="T-001")
    async with running(env, task_queue, stubs, inp) as handle:
        await wait_for(handle, WorkStatus.PENDING_APPROVAL, env)
        revised = await handle.execute_update(
            RepairWorkflow.revise_estimate, ReviseEstimateRequest(actor="office", repair_count=3)
        )
        assert revised.estimate_version == 2 and revised.estimate_amount == Decimal("200.00")
        await wait_for(handle, WorkStatus.PENDING_APPROVAL, env)
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await handle.execute_update(
                RepairWorkflow.approve, ApproveRequest(actor="customer:7:link", estimate_version=1)
            )
        assert err.value.cause.type == "StaleEstimate"
        for _ in range(100):  # the v2 link is out before the customer can answer it
            if len([n for n in stubs.names() if n == ActivityName.REQUEST_CUSTOMER_APPROVAL]) == 2:
                break
            await asyncio.sleep(0.05)
        state = await handle.execute_update(
            RepairWorkflow.approve, ApproveRequest(actor="customer:7:link", estimate_version=2)
        )
        assert state.approval_mode == "customer_link"
        await work_to_completion(handle, env)
    requests = [a for n, a in stubs.calls if n == ActivityName.REQUEST_CUSTOMER_APPROVAL]
    assert [r.estimate_version for r in requests] == [1, 2]
    quotes = [a for n, a in stubs.calls if n == ActivityName.QUOTE_WORK_ORDER]
    # v1 quotes the count stored with the work order; the revision passes its new count
    assert [(q.target_version, q.repair_count) for q in quotes] == [(1, None), (2, 3)]
    decisions = [a for n, a in stubs.calls if n == ActivityName.DECIDE_APPROVAL]
    # the manager's limit covered the estimate he asked for, not the revision he never saw
    assert [d.requested_by_technician_id for d in decisions] == ["T-001", None]


async def test_revision_within_the_limit_is_auto_approved(env, task_queue):
    stubs = StubActivities(amount=Decimal("110.00"))
    async with running(env, task_queue, stubs, repair_input(9)) as handle:
        await wait_for(handle, WorkStatus.PENDING_APPROVAL, env)
        await handle.execute_update(
            RepairWorkflow.revise_estimate, ReviseEstimateRequest(actor="office", repair_count=0)
        )
        state = await wait_for(handle, WorkStatus.ASSIGNED, env)
        assert state.approval_mode == "auto_customer_limit" and state.estimate_amount == Decimal("100.00")
        await handle.execute_update(RepairWorkflow.cancel, CancelRequest(actor="office"))


async def test_undeliverable_link_does_not_stop_staff_or_expiry(env, task_queue):
    stubs = StubActivities(fail_delivery=True)
    async with running(env, task_queue, stubs, repair_input(10)) as handle:
        state = await wait_for(handle, WorkStatus.PENDING_APPROVAL, env)
        for _ in range(100):
            state = await handle.query(RepairWorkflow.get_status)
            if state.delivery_failures:
                break
            await asyncio.sleep(0.05)
        assert state.delivery_failures == 1
        approved = await handle.execute_update(RepairWorkflow.approve, ApproveRequest(actor="staff:1:office"))
        assert approved.approval_mode == "staff_on_behalf"
        await handle.execute_update(RepairWorkflow.cancel, CancelRequest(actor="office"))
        assert (await handle.result()).status == WorkStatus.CANCELLED


async def test_failed_optimizer_leaves_the_job_for_manual_assignment(env, task_queue):
    stubs = StubActivities(auto_approve=True, fail_assignment=True)
    async with running(env, task_queue, stubs, repair_input(11)) as handle:
        await wait_for(handle, WorkStatus.AWAITING_ASSIGNMENT, env)
        stubs.fail_assignment = False
        state = await handle.execute_update(
            RepairWorkflow.assign, AssignRequest(actor="office", technician_id="T-002")
        )
        assert state.status == WorkStatus.ASSIGNED and state.technician_id == "T-002"
        await handle.execute_update(RepairWorkflow.cancel, CancelRequest(actor="office"))


async def test_refused_manual_reassignment_keeps_the_current_technician(env, task_queue):
    stubs = StubActivities(auto_approve=True, room_for_manual=False)
    async with running(env, task_queue, stubs, repair_input(12)) as handle:
        before = await wait_for(handle, WorkStatus.ASSIGNED, env)
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await handle.execute_update(
                RepairWorkflow.assign, AssignRequest(actor="office", technician_id="T-004")
            )
        assert err.value.cause.type == "AssignmentRejected"
        after = await handle.query(RepairWorkflow.get_status)
        assert after.status == WorkStatus.ASSIGNED and after.technician_id == before.technician_id == "T-001"
        await work_to_completion(handle, env)


async def test_start_right_after_assignment_is_accepted_and_persisted_in_order(env, task_queue):
    """The race of the foundation issue: the technician starts the moment the job shows as assigned.
    The workflow takes ``assigned`` before it is written, so the start is accepted; the slow write
    of ``assigned`` still lands before ``in_progress``."""
    stubs = StubActivities(auto_approve=True, slow_status_writes={WorkStatus.ASSIGNED: 2.0})
    async with running(env, task_queue, stubs, repair_input(13)) as handle:
        await wait_for(handle, WorkStatus.ASSIGNED, env)
        assert WorkStatus.ASSIGNED not in stubs.persisted  # taken, not yet written
        state = await handle.execute_update(
            RepairWorkflow.start, StartRequest(actor="t", technician_id="T-001")
        )
        assert state.status == WorkStatus.IN_PROGRESS
        await handle.execute_update(RepairWorkflow.cancel, CancelRequest(actor="office"))
        await handle.result()
    assert stubs.persisted == [
        WorkStatus.APPROVED,
        WorkStatus.ASSIGNED,
        WorkStatus.IN_PROGRESS,
        WorkStatus.CANCELLED,
    ]


async def test_a_run_started_by_an_older_api_creates_its_work_order(env, task_queue):
    """During a rolling deploy an older API starts runs with a service request id and no work
    order row; the new workflow creates the row first (a no-op when it exists)."""
    stubs = StubActivities(auto_approve=True)
    async with running(env, task_queue, stubs, repair_input(14, service_request_id=14)) as handle:
        await wait_for(handle, WorkStatus.ASSIGNED, env)
        await handle.execute_update(RepairWorkflow.cancel, CancelRequest(actor="office"))
    assert stubs.names()[:2] == [ActivityName.CREATE_WORK_ORDER, ActivityName.QUOTE_WORK_ORDER]


async def test_the_stored_status_never_runs_ahead_of_the_workflow(env, task_queue):
    """What the API shows (the stored status) is always a status the workflow accepts actions in:
    a technician starting the moment the job shows ``assigned`` is accepted, even when the
    assignment's reply reaches the workflow late."""
    stubs = StubActivities(auto_approve=True, assignment_reply_delay_s=1.0)
    async with running(env, task_queue, stubs, repair_input(15)) as handle:
        for _ in range(400):
            if stubs.stored_status == WorkStatus.ASSIGNED:
                break
            await asyncio.sleep(0.01)
        assert stubs.stored_status == WorkStatus.ASSIGNED
        state = await handle.execute_update(
            RepairWorkflow.start, StartRequest(actor="t", technician_id="T-001")
        )
        assert state.status == WorkStatus.IN_PROGRESS
        await handle.execute_update(RepairWorkflow.cancel, CancelRequest(actor="office"))


def _expired_at(stubs: StubActivities):
    return next(
        a.at for n, a in stubs.calls if n == ActivityName.SET_WORK_STATUS and a.status == WorkStatus.EXPIRED
    )


async def test_a_slow_delivery_delays_neither_the_reminder_nor_the_expiry(env, task_queue):
    """The link's ``expires_at`` and the workflow's timers come from one deadline, fixed before
    the delivery: a link (and reminder) retried for 30 s each still expires exactly when the link
    says, not 30 or 60 s later with the repair pending (and approvable by staff) meanwhile."""
    slow = {ActivityName.REQUEST_CUSTOMER_APPROVAL: 4, ActivityName.SEND_APPROVAL_REMINDER: 4}
    stubs = StubActivities(failing_attempts=slow)
    async with running(env, task_queue, stubs, repair_input(16)) as handle:
        result = await handle.result()
    assert result.status == WorkStatus.EXPIRED and result.reminders_sent == 1
    assert result.delivery_failures == 0
    (request,) = [a for n, a in stubs.calls if n == ActivityName.REQUEST_CUSTOMER_APPROVAL]
    (asked,) = stubs.first_scheduled[ActivityName.REQUEST_CUSTOMER_APPROVAL]
    # both sends went out on their fifth attempt, after 2 + 4 + 8 + 16 = 30 s of retries
    assert stubs.attempts[ActivityName.REQUEST_CUSTOMER_APPROVAL] == [5]
    assert stubs.attempts[ActivityName.SEND_APPROVAL_REMINDER] == [5]
    assert abs(request.expires_at - asked - timedelta(hours=72)) < timedelta(seconds=1)
    (reminded,) = stubs.first_scheduled[ActivityName.SEND_APPROVAL_REMINDER]
    assert timedelta(0) <= reminded - (request.expires_at - timedelta(hours=48)) < timedelta(seconds=1)
    assert timedelta(0) <= _expired_at(stubs) - request.expires_at < timedelta(seconds=1)


async def test_a_delivery_outlasting_the_deadline_does_not_hold_the_expiry(env, task_queue):
    """With the demo's 6 s / 20 s, a link whose sends keep failing for 30 s: the repair expires at
    the link's ``expires_at`` (the send is abandoned), and no reminder follows a dead link."""
    stubs = StubActivities(failing_attempts={ActivityName.REQUEST_CUSTOMER_APPROVAL: 5})
    inp = repair_input(17).model_copy(
        update={"durations": Durations(approval_reminder_seconds=6, approval_expiry_seconds=20)}
    )
    async with running(env, task_queue, stubs, inp) as handle:
        result = await handle.result()
    assert result.status == WorkStatus.EXPIRED and result.reminders_sent == 0
    assert result.delivery_failures == 1
    assert ActivityName.SEND_APPROVAL_REMINDER not in stubs.names()
    (status_pending,) = [
        a.at
        for n, a in stubs.calls
        if n == ActivityName.SET_WORK_STATUS and a.status == WorkStatus.PENDING_APPROVAL
    ]
    # the deadline is fixed just after the pending status is written, before the first attempt
    assert timedelta(seconds=20) <= _expired_at(stubs) - status_pending < timedelta(seconds=21)
