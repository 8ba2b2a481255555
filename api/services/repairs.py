"""Repair service: start RepairWorkflows and deliver staff actions as workflow updates.

The database insert (service request) and the workflow start happen in one request: the row is
flushed, the workflow started, and the request boundary commits; a failed start rolls the row
back, so nothing half-written remains. Update rejections (validators) become 409.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Staff
from api.errors import Conflict, NotFound, Problem
from api.schemas.repairs import RepairCreate
from config import Settings
from db.models import Customer, ServiceCatalogEntry, ServiceRequest, Technician, WorkOrder
from db.repositories import work_orders as repo
from domain.contracts import STATUS_QUERY, Durations, RepairInput, RepairStatus
from domain.ids import REPAIR_WORKFLOW, TASK_QUEUE, repair_workflow_id
from domain.schedule import local_today
from domain.work_status import WorkStatus

UNPROCESSABLE_TYPES = {"UnknownTechnician", "InvalidData"}
CONFLICT_TYPES = {"InvalidTransition", "StaleEstimate", "AssignmentRejected", "NotStarted"}


def _application_error(err: BaseException | None) -> ApplicationError | None:
    """The innermost ApplicationError in a failure chain (update → activity → application)."""
    found = None
    while err is not None:
        if isinstance(err, ApplicationError):
            found = err
        err = getattr(err, "cause", None)
    return found


MAX_DAYS_AHEAD = 365


def requester_for(staff: Staff, named: str | None) -> str | None:
    """Whose manager approval limit may apply to a request.

    A technician key speaks for its own technician; only that technician (or an admin) may name
    him, so nobody can claim a manager's limit on his behalf. Raises Problem 403 otherwise.
    """
    if named is None or named == staff.technician_id:
        return named or staff.technician_id
    if staff.role == "admin":
        return named
    raise Problem(403, f"only technician {named} himself (or an admin) may request repairs as {named}")


async def start_repair(
    session: Session,
    *,
    client: Client,
    settings: Settings,
    staff: Staff,
    body: RepairCreate,
    idempotency_key: str | None = None,
) -> str:
    """Record the request and start ``repair-{work_order_id}``; returns the work order id.

    With ``idempotency_key``, a repeated request returns the first one's work order id and
    starts nothing.
    """
    fingerprint = None
    if idempotency_key:
        fingerprint = hashlib.sha256(f"{staff.key_id}|{body.model_dump_json()}".encode()).hexdigest()
        earlier = session.scalars(
            select(ServiceRequest).where(ServiceRequest.idempotency_key == idempotency_key)
        ).first()
        if earlier is not None:
            if earlier.idempotency_fingerprint != fingerprint:
                raise Problem(422, "this Idempotency-Key was used for a different request; use a new key")
            return earlier.work_order_id
    customer = session.get(Customer, body.customer_id)
    if customer is None:
        raise NotFound(f"customer {body.customer_id} does not exist")
    entry = session.get(ServiceCatalogEntry, body.job_type)
    if entry is None or not entry.is_active:
        raise Problem(422, f"unknown job_type '{body.job_type}'; see GET /api/v1/catalog")
    if body.requested_by_technician_id and session.get(Technician, body.requested_by_technician_id) is None:
        raise Problem(422, f"technician {body.requested_by_technician_id} does not exist")
    today = local_today(datetime.now(UTC), settings.timezone)
    scheduled = body.scheduled_date or today + timedelta(days=1)
    if scheduled < today:
        raise Problem(422, f"scheduled_date {scheduled} is in the past")
    if scheduled > today + timedelta(days=MAX_DAYS_AHEAD):
        raise Problem(422, f"scheduled_date {scheduled} is more than {MAX_DAYS_AHEAD} days ahead")
    requested_by = requester_for(staff, body.requested_by_technician_id)

    work_order_id = repo.next_work_order_id(session, on=today)
    request = ServiceRequest(
        customer_id=customer.id,
        service_type=entry.code,
        description=body.description,
        photos=body.photos,
        priority=body.priority,
        repair_count=body.repair_count,
        scheduled_date=scheduled,
        requested_by=staff.actor,
        work_order_id=work_order_id,
        idempotency_key=idempotency_key,
        idempotency_fingerprint=fingerprint,
    )
    session.add(request)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as err:  # the same key raced in from a concurrent retry
        raise Conflict("a request with this Idempotency-Key is being created; retry to get its id") from err
    workflow_id = repair_workflow_id(work_order_id)
    repair_input = RepairInput(
        work_order_id=work_order_id,
        service_request_id=request.id,
        customer_id=customer.id,
        job_type=entry.code,
        priority=body.priority,
        repair_count=body.repair_count,
        has_photo=bool(body.photos),
        requested_by_technician_id=requested_by,
        scheduled_date=scheduled,
        durations=Durations(
            approval_reminder_seconds=settings.approval_reminder_seconds,
            approval_expiry_seconds=settings.approval_expiry_seconds,
        ),
    )
    try:
        await client.start_workflow(
            REPAIR_WORKFLOW,
            repair_input,
            id=workflow_id,
            task_queue=TASK_QUEUE,
            static_summary=f"{entry.name} for customer {customer.id}, {body.priority} priority",
            static_details=f"Work order {work_order_id}, scheduled {scheduled}, {body.repair_count} repair(s)",
        )
    except RPCError as err:
        raise Problem(503, f"could not start the repair workflow: {err.message}") from err
    return work_order_id


def list_repairs_stmt(
    *, status: str | None, customer_id: int | None, technician_id: str | None, scheduled_date: date | None
) -> Select:
    """Newest-first work orders matching the filters."""
    stmt = select(WorkOrder).order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc())
    if status:
        stmt = stmt.where(WorkOrder.status == status)
    if customer_id:
        stmt = stmt.where(WorkOrder.customer_id == customer_id)
    if technician_id:
        stmt = stmt.where(WorkOrder.technician_id == technician_id)
    if scheduled_date:
        stmt = stmt.where(WorkOrder.scheduled_date == scheduled_date)
    return stmt


def get_work_order(session: Session, *, work_order_id: str) -> WorkOrder:
    """The work order or 404 (409 while its workflow is still creating it)."""
    wo = repo.get(session, work_order_id)
    if wo is None:
        if accepted_request(session, work_order_id=work_order_id) is not None:
            raise Conflict(
                f"repair {work_order_id} is being created; retry in a moment", work_status="requested"
            )
        raise NotFound(f"repair {work_order_id} does not exist")
    return wo


def accepted_request(session: Session, *, work_order_id: str) -> ServiceRequest | None:
    """The service request whose workflow will create ``work_order_id`` (before the row exists)."""
    return session.scalars(
        select(ServiceRequest).where(ServiceRequest.work_order_id == work_order_id)
    ).first()


def work_order_or_placeholder(session: Session, *, work_order_id: str) -> WorkOrder:
    """The work order; before its workflow has created the row, an unsaved stand-in built from
    the service request (status ``requested``); NotFound when neither exists."""
    wo = repo.get(session, work_order_id)
    if wo is not None:
        return wo
    request = accepted_request(session, work_order_id=work_order_id)
    if request is None:
        raise NotFound(f"repair {work_order_id} does not exist")
    return WorkOrder(  # never added to the session
        id=work_order_id,
        customer_id=request.customer_id,
        job_type=request.service_type,
        status=WorkStatus.REQUESTED.value,
        priority=request.priority,
        scheduled_date=request.scheduled_date,
        repair_count=request.repair_count,
        estimate_version=0,
        estimate_lines=[],
        approval_reasons=[],
        workflow_id=repair_workflow_id(work_order_id),
        created_at=request.created_at,
    )


async def live_status(client: Client, *, work_order: WorkOrder) -> tuple[RepairStatus | None, str | None]:
    """The workflow's ``status`` query, or None and why not."""
    if not work_order.workflow_id:
        return None, "imported record without a workflow"
    try:
        handle = client.get_workflow_handle(work_order.workflow_id)
        return await handle.query(STATUS_QUERY, result_type=RepairStatus), None
    except RPCError as err:
        return None, f"workflow not reachable: {err.message}"
    except Exception as err:  # a query on a just-started workflow can fail before its first task
        return None, f"status unavailable: {err}"


async def act(
    session: Session, *, client: Client, work_order_id: str, update: str, payload: BaseModel
) -> RepairStatus:
    """Send one staff action as a workflow update; 409 when the repair's state does not allow it."""
    wo = get_work_order(session, work_order_id=work_order_id)
    if not wo.workflow_id:
        raise Conflict(f"repair {work_order_id} has no workflow (imported history)")
    handle = client.get_workflow_handle(wo.workflow_id)
    try:
        return await handle.execute_update(update, payload, result_type=RepairStatus)
    except WorkflowUpdateFailedError as err:
        cause = _application_error(err.cause)
        if cause is not None and cause.type in UNPROCESSABLE_TYPES:
            raise Problem(422, cause.message) from err
        if cause is not None and cause.type in CONFLICT_TYPES:
            raise Conflict(cause.message, work_status=wo.status) from err
        raise Conflict(f"{update} was rejected: {cause.message if cause else err.cause}") from err
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise Conflict(f"repair {work_order_id} has finished ({wo.status}); no further actions") from err
        raise Problem(503, f"Temporal unavailable: {err.message}") from err


def technician_for(staff: Staff, technician_id: str | None, *, assigned: str | None) -> str:
    """Who performs a start/complete: technicians act only as themselves; staff default to the assignee."""
    if staff.role == "technician":
        if technician_id and technician_id != staff.technician_id:
            raise Problem(403, "a technician key may only act for its own technician")
        return staff.technician_id or ""
    chosen = technician_id or assigned
    if not chosen:
        raise Conflict("the repair has no assigned technician")
    return chosen
