"""SurveyWorkflow on the time-skipping server (stub activities): delay, holds, quiet hours, the
answer, the one reminder and the expiry; and RepairWorkflow starting it at completion (with its
status updates). Each test ends every workflow it starts, so the shared clock keeps running."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio
from temporalio.client import WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.contracts import survey as contract
from domain.contracts.messaging import NotifyCustomerInput
from domain.contracts.repair import Durations
from domain.contracts.survey import SurveyAnswer, SurveyInput, SurveyStatus, SurveyTimings, survey_workflow_id
from tests.conftest import wheel_binary
from tests.workflows.conftest import register_search_attributes
from tests.workflows.stubs import ActivityName, StubActivities
from tests.workflows.survey_stubs import SurveyStubs
from tests.workflows.test_repair_workflow import repair_input, work_to_completion
from workflows.repair import RepairWorkflow
from workflows.survey import SurveyWorkflow

DAY = 86400
TIMINGS = SurveyTimings(
    delay_seconds=2 * DAY, reminder_seconds=2 * DAY, expiry_seconds=7 * DAY, hold_recheck_seconds=DAY // 2
)
SEND = contract.SEND_SURVEY.name


def survey_input(n: int, **timings) -> SurveyInput:
    return SurveyInput(
        work_order_id=f"WO-20261125-{n:04d}", customer_id=7, timings=TIMINGS.model_copy(update=timings)
    )


async def start(env, task_queue: str, inp: SurveyInput):
    return await env.client.start_workflow(
        SurveyWorkflow.run,
        inp,
        id=f"survey-{inp.work_order_id}-{uuid.uuid4().hex[:6]}",
        task_queue=task_queue,
    )


async def wait_state(handle, state: str) -> SurveyStatus:
    for _ in range(400):
        status = await handle.query(SurveyWorkflow.get_status)
        if status.state == state:
            return status
        await asyncio.sleep(0.05)
    raise AssertionError(f"survey never reached {state}; last {status.state}")


async def test_unanswered_survey_waits_the_delay_reminds_once_and_expires(env, task_queue):
    t0 = await env.get_current_time()
    stubs = SurveyStubs()
    async with Worker(env.client, task_queue=task_queue, workflows=[SurveyWorkflow], activities=stubs.all()):
        result = await (await start(env, task_queue, survey_input(1))).result()
    assert result.state == "expired" and result.reminders_sent == 1
    first, reminder = stubs.args(SEND)
    assert not first.reminder and reminder.reminder and first.expires_at == reminder.expires_at
    sent_at, reminded_at = stubs.at(SEND)
    assert sent_at - t0 >= timedelta(days=2) and reminded_at - sent_at >= timedelta(days=2, seconds=-1)
    assert first.expires_at - sent_at <= timedelta(days=7, seconds=1)
    (closed,) = stubs.args(contract.CLOSE_SURVEY.name)
    assert closed.outcome == "expired" and not stubs.args(contract.RECORD_SURVEY_ANSWER.name)


async def test_an_answer_is_recorded_and_a_second_one_refused(env, task_queue):
    stubs = SurveyStubs(rating=2)
    async with Worker(env.client, task_queue=task_queue, workflows=[SurveyWorkflow], activities=stubs.all()):
        handle = await start(env, task_queue, survey_input(2))
        with pytest.raises(WorkflowUpdateFailedError):  # nothing sent yet: nothing to answer
            await handle.execute_update(SurveyWorkflow.answer, SurveyAnswer(rating=2, via="sms"))
        await env.sleep(timedelta(days=2, minutes=1))
        await wait_state(handle, "sent")
        answered = await handle.execute_update(SurveyWorkflow.answer, SurveyAnswer(rating=2, via="sms"))
        assert answered.rating == 2
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(SurveyWorkflow.answer, SurveyAnswer(rating=5, via="page"))
        assert refused.value.cause.type == "SurveyClosed"
        result = await handle.result()
    assert result.state == "answered" and result.rating == 2 and result.answered_via == "sms"
    assert result.follow_up_opened and result.sentiment < 0
    assert result.reminders_sent == 0 and len(stubs.args(SEND)) == 1
    assert not stubs.args(contract.CLOSE_SURVEY.name)


async def test_a_held_survey_waits_for_the_return_visit_and_the_quiet_hours(env, task_queue):
    t0 = await env.get_current_time()
    opens = t0 + timedelta(days=3, hours=9)
    stubs = SurveyStubs(holds=["return visit open: WO-2", "invoice dispute open: INV-1"], quiet_until=[opens])
    async with Worker(env.client, task_queue=task_queue, workflows=[SurveyWorkflow], activities=stubs.all()):
        handle = await start(env, task_queue, survey_input(3))
        await env.sleep(timedelta(days=2, minutes=1))
        held = await wait_state(handle, "held")
        assert held.hold_reason.startswith("return visit open")
        await env.sleep(timedelta(days=1, hours=10))
        sent = await wait_state(handle, "sent")
        assert sent.hold_reason is None
        await handle.execute_update(SurveyWorkflow.answer, SurveyAnswer(rating=5, via="page"))
        await handle.result()
    (sent_at,) = stubs.at(SEND)
    # 2 days delay, then two half-day re-checks, then the window at day 3 + 9 h
    assert sent_at >= opens and len(stubs.args(contract.CHECK_SURVEY_HOLD.name)) == 3


async def test_an_opted_out_customer_gets_no_survey(env, task_queue):
    stubs = SurveyStubs(send_outcome="suppressed")
    async with Worker(env.client, task_queue=task_queue, workflows=[SurveyWorkflow], activities=stubs.all()):
        result = await (await start(env, task_queue, survey_input(4))).result()
    assert result.state == "opted_out" and len(stubs.args(SEND)) == 1


@pytest_asyncio.fixture
async def own_env() -> AsyncIterator[WorkflowEnvironment]:
    """A server of its own: the repair's child survey and its status-update tasks must not hold
    the shared server's clock if anything goes wrong."""
    environment = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=wheel_binary("temporal-test-server"),
    )
    await register_search_attributes(environment)
    yield environment
    await environment.shutdown()


async def test_completion_starts_the_survey_and_tells_the_customer(own_env, task_queue):
    env = own_env
    stubs = StubActivities(auto_approve=True)
    survey = SurveyStubs(rating=5)
    inp = repair_input(501, notify_status_updates=True).model_copy(
        update={
            "optimizer_task_queue": f"{task_queue}-opt",
            "durations": Durations(
                approval_reminder_seconds=DAY, approval_expiry_seconds=3 * DAY, survey_delay_seconds=DAY
            ),
        }
    )
    async with (
        Worker(
            env.client,
            task_queue=task_queue,
            workflows=[RepairWorkflow, SurveyWorkflow],
            activities=stubs.all() + survey.all()[:4],  # the repair stubs answer next_contact_time
        ),
        Worker(env.client, task_queue=inp.optimizer_task_queue, activities=stubs.optimizer()),
    ):
        handle = await env.client.start_workflow(
            RepairWorkflow.run, inp, id=f"repair-{inp.work_order_id}", task_queue=task_queue
        )
        await work_to_completion(handle, env)
        repaired = await handle.result()  # the repair completes; the survey goes on (ABANDON)
        child = env.client.get_workflow_handle(
            survey_workflow_id(inp.work_order_id), result_type=SurveyStatus
        )
        await env.sleep(timedelta(days=1, minutes=1))
        await wait_state(child, "sent")
        await child.execute_update(SurveyWorkflow.answer, SurveyAnswer(rating=5, via="page"))
        surveyed = await child.result()
    assert repaired.status == "completed" and surveyed.state == "answered" and surveyed.rating == 5
    told = [a.event for n, a in stubs.calls if n == ActivityName.NOTIFY_CUSTOMER]
    assert told == ["approved", "assigned", "completed"]
    assert all(
        isinstance(a, NotifyCustomerInput) and a.workflow_id == f"repair-{inp.work_order_id}"
        for n, a in stubs.calls
        if n == ActivityName.NOTIFY_CUSTOMER
    )


async def test_without_survey_timings_or_status_updates_nothing_new_happens(env, task_queue):
    """Runs started before surveys (and the other workflow tests) keep their command sequence."""
    stubs = StubActivities(auto_approve=True)
    inp = repair_input(502).model_copy(update={"optimizer_task_queue": f"{task_queue}-opt"})
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
        await work_to_completion(handle, env)
        await handle.result()
    assert ActivityName.NOTIFY_CUSTOMER not in stubs.names()
    with pytest.raises(Exception):  # noqa: B017 - any "not found" from the server
        await env.client.get_workflow_handle(survey_workflow_id(inp.work_order_id)).describe()
