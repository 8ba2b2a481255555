"""LLM helper requests (seed 004 Phase 2): check the caller's scope, run ``LlmHelperWorkflow``
with the request's ids and wait for its answer.

Identical requests (same helper, subject, day, channel and language) running at once join
one workflow run (``llm-{kind}-{subject}-{digest}``); the LLM service's cache answers repeats
later on. The customer's name is filled into the ``[customer]`` placeholder here, after the
workflow, so it is in neither the prompt nor the history.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session
from temporalio.client import Client, WorkflowFailureError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.service import RPCError

from api.errors import NotFound, Problem
from api.failures import http_status, innermost_application_error
from api.services.customers import get_customer
from api.services.repair_actions import get_work_order
from api.services.repair_live import release_connection
from config import Settings
from db.models import Customer
from db.repositories import customer_records
from domain.access import Scope
from domain.contracts.llm import (
    CUSTOMER_PLACEHOLDER,
    LLM_HELPER_WORKFLOW,
    HelperInput,
    HelperKind,
    HelperResult,
    helper_workflow_id,
)
from domain.ids import TASK_QUEUE
from domain.schedule import local_today

#: how long a request waits for its answer (two model answers with the SDK's retries fit)
WAIT_SECONDS = 300


def today(settings: Settings) -> date:
    """Today in the company's zone: the day answers are written for."""
    return local_today(datetime.now(UTC), settings.timezone)


def greeting_name(customer: Customer) -> str:
    """How a greeting addresses the customer: a fleet customer's company, else the first name."""
    if customer.fleet_size > 0 and customer.company_name:
        return customer.company_name
    return customer.first_name


async def for_work_order(
    session: Session,
    client: Client,
    *,
    kind: HelperKind,
    work_order_id: str,
    scope: Scope,
    settings: Settings,
    actor: str,
    **options: object,
) -> HelperResult:
    """``kind``'s answer about a work order in ``scope`` (NotFound otherwise)."""
    wo = get_work_order(session, work_order_id=work_order_id, scope=scope)
    inp = HelperInput(kind=kind, work_order_id=wo.id, as_of=today(settings), requested_by=actor, **options)  # type: ignore[arg-type]
    release_connection(session)
    return await run(client, inp, subject=f"work_order:{wo.id}")


async def for_customer(
    session: Session,
    client: Client,
    *,
    kind: HelperKind,
    customer_id: int,
    scope: Scope,
    settings: Settings,
    actor: str,
    **options: object,
) -> tuple[HelperResult, Customer]:
    """``kind``'s answer about a customer in ``scope`` (NotFound otherwise), with the customer."""
    customer = get_customer(session, customer_id=customer_id, scope=scope)
    inp = HelperInput(
        kind=kind, customer_id=customer.id, as_of=today(settings), requested_by=actor, **options
    )  # type: ignore[arg-type]
    release_connection(session)
    return await run(client, inp, subject=f"customer:{customer.id}"), customer


async def for_appliance(
    session: Session,
    client: Client,
    *,
    appliance_id: int,
    scope: Scope,
    settings: Settings,
    actor: str,
) -> HelperResult:
    """The maintenance prediction of an appliance whose customer is in ``scope`` (NotFound otherwise)."""
    appliance = customer_records.appliance(session, appliance_id, scope=scope)
    if appliance is None:
        raise NotFound(f"appliance {appliance_id} does not exist")
    inp = HelperInput(
        kind=HelperKind.MAINTENANCE,
        customer_id=appliance.customer_id,
        appliance_id=appliance.id,
        as_of=today(settings),
        requested_by=actor,
    )
    release_connection(session)
    return await run(client, inp, subject=f"appliance:{appliance.id}")


def fill_customer(result: HelperResult, customer: Customer, field: str = "message") -> HelperResult:
    """``result`` with the ``[customer]`` placeholder of ``answer[field]`` replaced by the name."""
    text = result.answer.get(field)
    if isinstance(text, str):
        result.answer[field] = text.replace(CUSTOMER_PLACEHOLDER, greeting_name(customer))
    return result


async def run(client: Client, inp: HelperInput, *, subject: str) -> HelperResult:
    """Start (or join) the helper's workflow and wait for its result. Problem 503 when Temporal
    cannot be reached or no answer comes within ``WAIT_SECONDS``; the catalogued status of the
    activity's failure otherwise (404 for a record deleted meanwhile)."""
    digest = hashlib.sha256(inp.model_dump_json(exclude={"requested_by"}).encode()).hexdigest()[:12]
    workflow_id = helper_workflow_id(inp.kind, subject, digest)
    try:
        handle = await client.start_workflow(
            LLM_HELPER_WORKFLOW,
            inp,
            id=workflow_id,
            task_queue=TASK_QUEUE,
            result_type=HelperResult,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            execution_timeout=timedelta(seconds=WAIT_SECONDS * 2),
            static_summary=f"LLM {inp.kind.value} for {subject} (requested by {inp.requested_by})",
        )
        return await asyncio.wait_for(handle.result(), timeout=WAIT_SECONDS)
    except TimeoutError as err:
        raise Problem(
            503, f"the {inp.kind.value} helper did not answer within {WAIT_SECONDS} s; retry"
        ) from err
    except WorkflowFailureError as err:
        cause = innermost_application_error(err.cause)
        detail = cause.message if cause is not None else f"the {inp.kind.value} helper failed"
        raise Problem(http_status(cause, default=503), detail) from err
    except RPCError as err:
        raise Problem(503, f"Temporal unavailable: {err.message}") from err
