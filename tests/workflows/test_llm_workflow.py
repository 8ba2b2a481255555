"""LlmHelperWorkflow on the time-skipping server: one helper activity call, its result returned;
a NotFound from the activity fails the workflow at once (not retried)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from temporalio import activity
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from domain.contracts.llm import RUN_LLM_HELPER, HelperInput, HelperKind, HelperResult
from domain.contracts.shared import CommonFailure
from workflows.llm import LlmHelperWorkflow


async def test_the_workflow_returns_the_helpers_answer(env, task_queue):
    asked: list[HelperInput] = []

    @activity.defn(name=RUN_LLM_HELPER.name)
    async def run_llm_helper(inp: HelperInput) -> HelperResult:
        asked.append(inp)
        return HelperResult(
            kind=inp.kind,
            subject=f"customer:{inp.customer_id}",
            answer={"message": "Hi [customer]!"},
            facts={"occasion": "welcome"},
            source="fallback",
        )

    inp = HelperInput(kind=HelperKind.GREETING, customer_id=7, as_of=date(2026, 11, 25), channel="sms")
    async with Worker(
        env.client, task_queue=task_queue, workflows=[LlmHelperWorkflow], activities=[run_llm_helper]
    ):
        result = await env.client.execute_workflow(
            LlmHelperWorkflow.run, inp, id=f"llm-test-{uuid.uuid4().hex[:8]}", task_queue=task_queue
        )
    assert asked == [inp]
    assert result.answer == {"message": "Hi [customer]!"} and result.source == "fallback"


async def test_not_found_is_not_retried(env, task_queue):
    attempts: list[int] = []

    @activity.defn(name=RUN_LLM_HELPER.name)
    async def run_llm_helper(inp: HelperInput) -> HelperResult:
        attempts.append(activity.info().attempt)
        raise ApplicationError("customer 7 not found", **CommonFailure.NOT_FOUND.error_kwargs())

    inp = HelperInput(kind=HelperKind.SENTIMENT, customer_id=7, as_of=date(2026, 11, 25))
    async with Worker(
        env.client, task_queue=task_queue, workflows=[LlmHelperWorkflow], activities=[run_llm_helper]
    ):
        with pytest.raises(WorkflowFailureError) as failed:
            await env.client.execute_workflow(
                LlmHelperWorkflow.run, inp, id=f"llm-test-{uuid.uuid4().hex[:8]}", task_queue=task_queue
            )
    assert attempts == [1]
    assert failed.value.cause.cause.type == "NotFound"
