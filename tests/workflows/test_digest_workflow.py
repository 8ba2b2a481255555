"""MessageDigestWorkflow on the time-skipping server: one pass at the workflow's now."""

from __future__ import annotations

import uuid

from temporalio import activity
from temporalio.worker import Worker

from domain.contracts.messaging import SEND_DUE_DIGESTS, DigestRunInput, DigestRunResult
from workflows.digest import MessageDigestWorkflow


async def test_a_run_sends_the_digests_due_at_its_now(env, task_queue):
    asked: list[DigestRunInput] = []

    @activity.defn(name=SEND_DUE_DIGESTS.name)
    async def send_due_digests(inp: DigestRunInput) -> DigestRunResult:
        asked.append(inp)
        return DigestRunResult(digests_sent=2, items=5)

    async with Worker(
        env.client, task_queue=task_queue, workflows=[MessageDigestWorkflow], activities=[send_due_digests]
    ):
        now = await env.get_current_time()
        result = await env.client.execute_workflow(
            MessageDigestWorkflow.run, id=f"message-digests-{uuid.uuid4().hex[:6]}", task_queue=task_queue
        )
    assert result == DigestRunResult(digests_sent=2, items=5)
    (inp,) = asked
    assert abs((inp.at - now).total_seconds()) < 60
