"""PortalLoginWorkflow on the time-skipping server: one send of the link (its input carries ids
only; the integration test reads a real history for the token), a refused send ends the run quietly, a provider outage is retried then fails the run."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest_asyncio
from temporalio import activity
from temporalio.client import WorkflowFailureError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.contracts.messaging import MessagingFailure
from domain.contracts.portal import (
    SEND_PORTAL_LOGIN_LINK,
    PortalLoginInput,
    SendLoginLinkInput,
    SendLoginLinkResult,
    portal_login_workflow_id,
)
from tests.conftest import wheel_binary
from tests.workflows.conftest import register_search_attributes
from workflows.portal_login import PortalLoginWorkflow


@pytest_asyncio.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of this module's own: the outage test skips through the send
    retries' backoff, and the shared server's clock stays the other tests' alone."""
    environment = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=wheel_binary("temporal-test-server"),
    )
    await register_search_attributes(environment)
    yield environment
    await environment.shutdown()


async def run(env, task_queue, send) -> tuple[str, SendLoginLinkResult | BaseException]:
    workflow_id = portal_login_workflow_id(int(uuid.uuid4().int % 1_000_000))
    async with Worker(env.client, task_queue=task_queue, workflows=[PortalLoginWorkflow], activities=[send]):
        try:
            result = await env.client.execute_workflow(
                PortalLoginWorkflow.run, PortalLoginInput(link_id=7), id=workflow_id, task_queue=task_queue
            )
        except WorkflowFailureError as err:
            return workflow_id, err
    return workflow_id, result


async def test_sends_the_link_once_with_ids_only(env, task_queue):
    asked: list[SendLoginLinkInput] = []

    @activity.defn(name=SEND_PORTAL_LOGIN_LINK.name)
    async def send(inp: SendLoginLinkInput) -> SendLoginLinkResult:
        asked.append(inp)
        return SendLoginLinkResult(sent=True, channel="email", message_id=41)

    workflow_id, result = await run(env, task_queue, send)
    assert result == SendLoginLinkResult(sent=True, channel="email", message_id=41)
    assert asked == [SendLoginLinkInput(link_id=7, workflow_id=workflow_id)]


async def test_a_refused_send_ends_quietly(env, task_queue):
    @activity.defn(name=SEND_PORTAL_LOGIN_LINK.name)
    async def send(inp: SendLoginLinkInput) -> SendLoginLinkResult:
        raise ApplicationError("the customer replied STOP", **MessagingFailure.SEND_REFUSED.error_kwargs())

    _, result = await run(env, task_queue, send)
    assert result == SendLoginLinkResult(sent=False, channel="none")


async def test_a_provider_outage_is_retried_then_fails_the_run(env, task_queue):
    attempts: list[int] = []

    @activity.defn(name=SEND_PORTAL_LOGIN_LINK.name)
    async def send(inp: SendLoginLinkInput) -> SendLoginLinkResult:
        attempts.append(activity.info().attempt)
        raise ApplicationError(
            "Twilio answered HTTP 503", **MessagingFailure.PROVIDER_UNAVAILABLE.error_kwargs()
        )

    _, result = await run(env, task_queue, send)
    assert isinstance(result, WorkflowFailureError)
    assert attempts == [1, 2, 3, 4, 5]  # SEND_CALL's maximum_attempts
