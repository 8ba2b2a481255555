"""Lot-walk service (seed 001 2.3): start a walk, record findings, answer for its repairs, read it.

Starting writes nothing: the walk's first activity records it, so a Temporal outage is a 503
with nothing half-written, and a second start for the same customer and day is a 409 (the
workflow id ``lot-walk-{customer_id}-{date}`` is the key). A walk is visible to whoever sees its
customer (``domain.access``); outside that it is a 404.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy.orm import Session
from temporalio.client import Client, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Staff
from api.errors import Conflict, NotFound, Problem
from api.failures import http_status, innermost_application_error
from api.services.repair_live import QUERY_TIMEOUT_S, UPDATE_TIMEOUT_S, release_connection
from config import Settings
from db.models import LotWalk
from db.repositories import customers, lot_walks
from domain.access import Scope
from domain.contracts.lot_walk import LOT_WALK_QUERY, LotWalkInput, LotWalkStatus
from domain.ids import LOT_WALK_WORKFLOW, TASK_QUEUE, lot_walk_workflow_id
from domain.schedule import local_today

MAX_DAYS_AHEAD = 365


def walk_input(settings: Settings, *, customer_id: int, day: date | None, requested_by: str) -> LotWalkInput:
    """The walk's start input with the waits from ``settings``; ``day`` None for the customer's
    schedule (each run walks the day it fires, in ``settings.timezone``)."""
    return LotWalkInput(
        customer_id=customer_id,
        walk_date=day,
        time_zone=settings.timezone,
        requested_by=requested_by,
        findings_wait_seconds=settings.lot_walk_findings_wait_seconds,
        approval_reminder_seconds=settings.approval_reminder_seconds,
        approval_expiry_seconds=settings.approval_expiry_seconds,
    )


async def start_lot_walk(
    session: Session,
    *,
    client: Client,
    settings: Settings,
    staff: Staff,
    scope: Scope,
    customer_id: int,
    walk_date: date | None,
) -> tuple[str, date]:
    """Start ``lot-walk-{customer_id}-{date}`` for a customer in ``scope`` with lot walking
    enabled. Raises NotFound (customer), Problem 422 (not a lot-walk customer, date out of
    range), Conflict (that walk exists) or Problem 503 (Temporal unreachable; nothing written)."""
    customer = customers.visible(session, customer_id, scope=scope)
    if customer is None:
        raise NotFound(f"customer {customer_id} does not exist")
    if not customer.lot_walking_enabled:
        raise Problem(422, f"customer {customer_id} does not have lot walking enabled (lot_walking_enabled)")
    today = local_today(datetime.now(UTC), settings.timezone)
    day = walk_date or today
    if day < today or day > today + timedelta(days=MAX_DAYS_AHEAD):
        raise Problem(422, f"walk_date {day} must be between today and {MAX_DAYS_AHEAD} days ahead")
    walk_id = lot_walk_workflow_id(customer_id, day)
    release_connection(session)
    try:
        await client.start_workflow(
            LOT_WALK_WORKFLOW,
            walk_input(settings, customer_id=customer_id, day=day, requested_by=staff.actor),
            id=walk_id,
            task_queue=TASK_QUEUE,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            static_summary=f"Lot walk of customer {customer_id} on {day}",
        )
    except WorkflowAlreadyStartedError as err:
        raise Conflict(f"lot walk {walk_id} already exists", lot_walk_id=walk_id) from err
    except RPCError as err:
        raise Problem(503, f"could not start the lot walk: {err.message}; nothing was recorded") from err
    return walk_id, day


def get_walk(session: Session, *, lot_walk_id: str, scope: Scope) -> LotWalk:
    """The walk if its customer is in ``scope``; NotFound otherwise (or before its first step)."""
    walk = lot_walks.get(session, lot_walk_id)
    if walk is None or customers.visible(session, walk.customer_id, scope=scope) is None:
        raise NotFound(f"lot walk {lot_walk_id} does not exist")
    return walk


def repair_ids(session: Session, *, walk: LotWalk) -> list[str]:
    """The walk's repair work orders in walk order."""
    return [w.id for w in lot_walks.repairs(session, lot_walk_id=walk.id)]


def walker_for(staff: Staff, technician_id: str | None) -> str | None:
    """Who records findings: a technician key only for itself; staff name the walker or leave
    it to the walk (None). Raises Problem 403 for a technician naming another."""
    if staff.role in ("technician", "manager") and staff.technician_id:
        if technician_id and technician_id != staff.technician_id:
            raise Problem(403, "a technician key may record findings only as its own technician")
        return staff.technician_id
    return technician_id


async def live(client: Client, *, walk: LotWalk) -> tuple[LotWalkStatus | None, str | None]:
    """The walk's ``lot_walk`` query while open (within ``QUERY_TIMEOUT_S``), else None and why."""
    if walk.closed_at is not None:
        return None, "closed: read from the database"
    try:
        return await client.get_workflow_handle(walk.id).query(
            LOT_WALK_QUERY, result_type=LotWalkStatus, rpc_timeout=timedelta(seconds=QUERY_TIMEOUT_S)
        ), None
    except RPCError as err:
        return None, f"workflow not reachable: {err.message}"
    except Exception as err:  # the first task may not have run yet
        return None, f"status unavailable: {err}"


async def send_update(
    session: Session, *, client: Client, walk: LotWalk, name: str, payload: BaseModel
) -> LotWalkStatus:
    """Send ``name`` to the walk's workflow; refusals map through ``api/failures.py`` (409/422),
    no answer within ``UPDATE_TIMEOUT_S`` or Temporal down is a 503, a closed walk a 409."""
    handle = client.get_workflow_handle(walk.id)
    release_connection(session)
    try:
        return await handle.execute_update(
            name, payload, result_type=LotWalkStatus, rpc_timeout=timedelta(seconds=UPDATE_TIMEOUT_S)
        )
    except WorkflowUpdateRPCTimeoutOrCancelledError as err:
        raise Problem(503, f"the lot walk did not answer within {UPDATE_TIMEOUT_S:g} s; retry") from err
    except WorkflowUpdateFailedError as err:
        cause = innermost_application_error(err.cause)
        raise Problem(http_status(cause), cause.message if cause else f"{name} was refused") from err
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise Conflict(f"lot walk {walk.id} has ended ({walk.state})") from err
        raise Problem(503, f"Temporal unavailable: {err.message}") from err


def check_decider(scope: Scope) -> None:
    """Answers for a walk's repairs on the customer's behalf: office and admin keys (Problem 403
    otherwise: a manager's approvals go through each repair, where his approval_limit applies)."""
    if not scope.everything:
        raise Problem(
            403,
            "only office or admin keys answer for a walk's repairs; a manager approves each repair within his limit",
        )
