"""LlmHelperWorkflow: one LLM helper answer for the API (seed 004 Phase 2), ``llm-{kind}-…``.

The API starts it with the ids of the request (never contact details or customers' words) and
waits for the result; identical requests running at once join one run. The activity reads the
facts, asks the LLM service (cache, retries, fallback) and returns the validated answer, so the
Temporal UI shows each helper call with its source (model, cache or fallback).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.contracts.llm import LLM_HELPER_WORKFLOW, RUN_LLM_HELPER, HelperInput, HelperResult
    from domain.contracts.shared import CommonFailure

from workflows.kit import ActivityCall, CallOptions

#: Two answers (a malformed one is asked for again), each with the SDK's own retries and
#: timeouts inside; the activity itself is retried only when the database or worker failed.
LLM_CALL = CallOptions(
    start_to_close=timedelta(minutes=5),
    retry=RetryPolicy(
        initial_interval=timedelta(seconds=1),
        maximum_attempts=3,
        non_retryable_error_types=[f.value for f in CommonFailure],
    ),
)
run_llm_helper = ActivityCall(RUN_LLM_HELPER, LLM_CALL)


@workflow.defn(name=LLM_HELPER_WORKFLOW)
class LlmHelperWorkflow:
    """Runs ``run_llm_helper`` once and returns its result."""

    @workflow.run
    async def run(self, inp: HelperInput) -> HelperResult:
        """The helper's validated answer, facts and source."""
        return await run_llm_helper(inp)
