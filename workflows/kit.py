"""Plumbing every workflow shares: search-attribute keys, retry policies, timeouts, typed
activity calls, failures and timed waits. Deterministic code only.

A call is declared once per activity, from its contract's :class:`ActivitySpec` and a call
profile, and then called like a typed function::

    quote_work_order = ActivityCall(approval.QUOTE_WORK_ORDER, DB_CALL)
    quote: QuoteResult = await quote_work_order(QuoteInput(...))

so the name, input type, result type, UI summary, timeouts and retries cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain import ids
    from domain.contracts.messaging import MessagingFailure
    from domain.contracts.shared import ActivitySpec, FailureType

I = TypeVar("I", bound=BaseModel)  # noqa: E741 - input payload type
R = TypeVar("R")

# ---- search attributes (names and types from domain/ids.py) --------------------------------

SA_CUSTOMER = SearchAttributeKey.for_keyword(ids.CUSTOMER_ID_ATTR)
SA_TECHNICIAN = SearchAttributeKey.for_keyword(ids.TECHNICIAN_ID_ATTR)
SA_JOB_TYPE = SearchAttributeKey.for_keyword(ids.JOB_TYPE_ATTR)
SA_STATUS = SearchAttributeKey.for_keyword(ids.WORK_STATUS_ATTR)
SA_PRIORITY = SearchAttributeKey.for_keyword(ids.PRIORITY_ATTR)
SA_AMOUNT = SearchAttributeKey.for_float(ids.AMOUNT_DUE_ATTR)

# ---- call profiles -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallOptions:
    """Timeouts and retries of one kind of activity call; ``task_queue`` None is the workflow's."""

    start_to_close: timedelta
    retry: RetryPolicy
    heartbeat: timedelta | None = None


#: Database reads and writes: retried until the database answers (permanent errors are
#: non-retryable ``InvalidData``/``NotFound`` failures raised by the activity).
DB_CALL = CallOptions(
    start_to_close=timedelta(seconds=30),
    retry=RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)),
)
#: Customer messages give up after a few tries; the workflow counts the failure and goes on.
SEND_CALL = CallOptions(
    start_to_close=timedelta(seconds=60),
    retry=RetryPolicy(
        initial_interval=timedelta(seconds=2),
        maximum_interval=timedelta(minutes=1),
        maximum_attempts=5,
        non_retryable_error_types=[f.value for f in MessagingFailure if not f.retryable],
    ),
)
#: OR-Tools solves on the optimizer queue: heartbeats, a few attempts.
OPTIMIZER_CALL = CallOptions(
    start_to_close=timedelta(minutes=2),
    heartbeat=timedelta(seconds=20),
    retry=RetryPolicy(maximum_attempts=5),
)


@dataclass(frozen=True, slots=True)
class ActivityCall(Generic[I, R]):
    """A typed activity call: ``await call(arg)`` returns the spec's result type."""

    spec: ActivitySpec[I, R]
    options: CallOptions

    async def __call__(self, arg: I, *, task_queue: str | None = None) -> R:
        """Run the activity (on ``task_queue`` when given) and return its typed result; raises
        ``temporalio.exceptions.ActivityError`` when it fails for good."""
        if not isinstance(arg, self.spec.input):
            raise TypeError(f"{self.spec.name} takes {self.spec.input.__name__}, not {type(arg).__name__}")
        result: Any = await workflow.execute_activity(
            self.spec.name,
            arg,
            result_type=self.spec.result,
            task_queue=task_queue,
            start_to_close_timeout=self.options.start_to_close,
            heartbeat_timeout=self.options.heartbeat,
            retry_policy=self.options.retry,
            summary=self.spec.describe(arg),
        )
        return cast(R, result)


# ---- failures and waits --------------------------------------------------------------------


def failure(kind: FailureType, message: str) -> ApplicationError:
    """An ``ApplicationError`` of a catalogued type (``raise failure(RepairFailure.X, "…")``)."""
    return ApplicationError(message, **kind.error_kwargs())


async def wait_until(condition: Callable[[], bool], seconds: int | timedelta) -> bool:
    """Wait for ``condition`` up to ``seconds`` (whole seconds, or a timedelta such as
    ``deadline - workflow.now()``; a durable timer); True when it became true. No timer is
    started when the wait is zero or negative: the condition is checked once."""
    timeout = seconds if isinstance(seconds, timedelta) else timedelta(seconds=seconds)
    if timeout <= timedelta(0):
        return condition()
    try:
        await workflow.wait_condition(condition, timeout=timeout)
        return True
    except TimeoutError:
        return False
