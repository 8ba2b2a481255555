"""Reads and staff actions on a running RepairWorkflow, bounded so Temporal never holds a request.

A closed repair is read from the database (a query on a closed workflow would make a worker
replay its whole history); an open one by the workflow's ``status`` query, which answers within
``QUERY_TIMEOUT_S`` or falls back to the stored record. A staff action is a workflow update that
answers within ``UPDATE_TIMEOUT_S`` or 503; refusals map to HTTP through ``api/failures.py``.
Before any wait on Temporal the request's database connection goes back to the pool.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel
from sqlalchemy.orm import Session
from temporalio.client import Client, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from api.errors import Conflict, Problem
from api.failures import http_status, innermost_application_error
from api.services.repair_actions import get_work_order
from db.models import WorkOrder
from db.repositories import messages
from db.repositories import work_orders as work_order_repo
from domain.access import Scope
from domain.contracts.repair import ESTIMATE_UPDATE, STATUS_QUERY, RepairStatus
from domain.work_status import TERMINAL_STATUSES, WorkStatus


def stored_status(session: Session, *, work_order: WorkOrder) -> RepairStatus:
    """A closed repair's status from the database (no workflow query, so no history replay)."""
    reminders, failures = messages.approval_counts(session, work_order_id=work_order.id)
    return RepairStatus(
        work_order_id=work_order.id,
        status=WorkStatus(work_order.status),
        estimate_amount=work_order.estimate_amount,
        estimate_version=work_order.estimate_version or None,
        approval_mode=work_order.approval_mode,
        approved_by=work_order.approved_by,
        technician_id=work_order.technician_id,
        window_start=work_order.service_window_start,
        window_end=work_order.service_window_end,
        total_amount=work_order.total_amount,
        reminders_sent=reminders,
        delivery_failures=failures,
    )


async def current_status(
    session: Session, client: Client, *, work_order: WorkOrder
) -> tuple[RepairStatus | None, str | None]:
    """The repair's status and a note: from the database once it has ended (a query on a closed
    workflow would make a worker replay its whole history), else the workflow's ``status`` query."""
    if work_order.status in TERMINAL_STATUSES:
        return stored_status(session, work_order=work_order), "ended: read from the database"
    release_connection(session)
    return await live_status(client, work_order=work_order)


def release_connection(session: Session) -> None:
    """End the request's (read-only) transaction before waiting on Temporal, so its pooled
    PostgreSQL connection serves other requests meanwhile: during a Temporal outage every call
    waits seconds, and holding connections through those waits exhausted the pool and stalled
    routes that never touch Temporal. Objects stay usable (``expire_on_commit=False``)."""
    session.commit()


#: How long a staff action waits for the workflow to accept or reject it (s); then 503.
UPDATE_TIMEOUT_S = 10.0

#: How long a read waits for the workflow's answer (s). A query needs a worker: while every worker
#: is down (a crash, a deploy) it would wait indefinitely, so the read answers from the database.
QUERY_TIMEOUT_S = 3.0


async def live_status(
    client: Client, *, work_order: WorkOrder, timeout_s: float = QUERY_TIMEOUT_S
) -> tuple[RepairStatus | None, str | None]:
    """The workflow's ``status`` query, or None and why not (within ``timeout_s`` seconds)."""
    if not work_order.workflow_id:
        return None, "imported record without a workflow"
    try:
        handle = client.get_workflow_handle(work_order.workflow_id)
        return await handle.query(
            STATUS_QUERY, result_type=RepairStatus, rpc_timeout=timedelta(seconds=timeout_s)
        ), None
    except RPCError as err:
        if err.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):  # our rpc_timeout
            return (
                None,
                f"workflow did not answer within {timeout_s:g} s (no worker?): read from the database",
            )
        return None, f"workflow not reachable: {err.message}"
    except Exception as err:  # a query on a just-started workflow can fail before its first task
        return None, f"status unavailable: {err}"


async def act(
    session: Session, *, client: Client, work_order_id: str, scope: Scope, update: str, payload: BaseModel
) -> RepairStatus:
    """Send one staff action as a workflow update on a repair in ``scope`` (404 outside it);
    409 when the repair's state does not allow it."""
    wo = get_work_order(session, work_order_id=work_order_id, scope=scope)
    if not wo.workflow_id:
        raise Conflict(f"repair {work_order_id} has no workflow (imported history)")
    handle = client.get_workflow_handle(wo.workflow_id)
    release_connection(session)
    try:
        return await handle.execute_update(
            update, payload, result_type=RepairStatus, rpc_timeout=timedelta(seconds=UPDATE_TIMEOUT_S)
        )
    except WorkflowUpdateRPCTimeoutOrCancelledError as err:
        raise Problem(
            503,
            f"the repair's workflow did not answer within {UPDATE_TIMEOUT_S:g} s (no worker running?); "
            "retry — if the action went through meanwhile, the retry answers 409",
        ) from err
    except WorkflowUpdateFailedError as err:
        cause = innermost_application_error(err.cause)
        detail = cause.message if cause is not None else f"{update} was rejected: {err.cause}"
        raise Problem(http_status(cause), detail, work_status=wo.status) from err
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise Conflict(f"repair {work_order_id} has finished ({wo.status}); no further actions") from err
        raise Problem(503, f"Temporal unavailable: {err.message}") from err


#: How long a new request waits for its estimate and approval decision (s); then it answers
#: without the estimate (the workflow goes on: the request is recorded either way).
ESTIMATE_TIMEOUT_S = 5.0


async def upfront_estimate(
    session: Session, client: Client, *, work_order_id: str, timeout_s: float = ESTIMATE_TIMEOUT_S
) -> tuple[WorkOrder, RepairStatus | None, str | None]:
    """The just-started repair's first estimate and approval decision (seed 001 2.2): the
    ``estimate`` update of ``repair-{work_order_id}`` answers once both are taken (for a retried
    request at once), then the record is read back with its lines and reasons. Returns the work
    order, the workflow's status (None when it did not answer within ``timeout_s``) and a note."""
    wo = work_order_repo.get(session, work_order_id)
    assert wo is not None and wo.workflow_id  # the request was just recorded and committed
    handle = client.get_workflow_handle(wo.workflow_id)
    release_connection(session)
    state: RepairStatus | None = None
    note: str | None = None
    try:
        state = await handle.execute_update(
            ESTIMATE_UPDATE, result_type=RepairStatus, rpc_timeout=timedelta(seconds=timeout_s)
        )
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        note = f"the estimate was not decided within {timeout_s:g} s (no worker running?); see GET /api/v1/repairs/{work_order_id}"
    except (WorkflowUpdateFailedError, RPCError) as err:  # e.g. the repair has already ended
        note = f"estimate not available from the workflow ({err}); read from the database"
    return work_order_repo.fresh(session, work_order_id) or wo, state, note
