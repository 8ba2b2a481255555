"""Repair service: record repair requests, start their RepairWorkflows, and check who may act
(reads and actions on a running workflow: ``api/services/repair_live.py``; the checks a staff
action makes first: ``api/services/repair_actions.py``).

The work order is created where its id is minted: the service request and the work order are
written in one transaction, committed by the router, and only then is ``repair-{id}`` started
(the workflow id makes a repeated start a no-op). A start that fails is compensated: the rows
are removed unless the workflow did start. Update refusals map to HTTP through
``api/failures.py``, the one mapping of failure types.

Every read and action takes the caller's ``Scope`` (``domain.access``): a repair or customer
outside it is a 404, as if it did not exist. Managers approve only within their
``approval_limit`` and assign only with ``can_assign_work`` (403 otherwise).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Staff
from api.errors import Conflict, NotFound, Problem
from api.schemas.repairs import RepairCreate
from config import Settings
from db.models import Customer, ServiceRequest, WorkOrder
from db.repositories import audit, catalog, customers, rows, service_requests, technicians
from db.repositories import work_orders as repo
from domain.access import Scope
from domain.contracts.repair import Durations, RepairInput
from domain.ids import REPAIR_WORKFLOW, TASK_QUEUE, repair_workflow_id
from domain.schedule import local_today
from domain.work_status import WorkStatus

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


@dataclass(frozen=True, slots=True)
class RecordedRepair:
    """A recorded request: its work order id, the workflow's start input and UI texts."""

    work_order_id: str
    workflow_input: RepairInput
    summary: str
    details: str
    #: False for an Idempotency-Key retry: its rows are never removed by a failed start
    new: bool = True


def recorded_repair(
    wo: WorkOrder,
    request: ServiceRequest,
    *,
    settings: Settings,
    job_name: str,
    requested_by: str | None,
    new: bool = True,
) -> RecordedRepair:
    """What :func:`start_workflow` needs for a written request (the workflow's start input and
    the UI texts); ``requested_by`` is the technician whose approval limit may apply."""
    return RecordedRepair(
        new=new,
        work_order_id=wo.id,
        workflow_input=RepairInput(
            work_order_id=wo.id,
            customer_id=wo.customer_id,
            job_type=wo.job_type,
            priority=wo.priority,
            has_photo=bool(request.photos),
            requested_by_technician_id=requested_by,
            from_lot_walk=wo.from_lot_walk,
            first_repair_position=wo.repair_position,
            visit_repair_count=wo.visit_repair_count,
            scheduled_date=wo.scheduled_date,
            durations=Durations(
                approval_reminder_seconds=settings.approval_reminder_seconds,
                approval_expiry_seconds=settings.approval_expiry_seconds,
                survey_delay_seconds=settings.survey_delay_seconds,
                survey_reminder_seconds=settings.survey_reminder_seconds,
                survey_expiry_seconds=settings.survey_expiry_seconds,
                survey_hold_recheck_seconds=settings.survey_hold_recheck_seconds,
            ),
            notify_status_updates=True,
        ),
        summary=f"{job_name} for customer {wo.customer_id}, {wo.priority} priority",
        details=f"Work order {wo.id}, scheduled {wo.scheduled_date}, {wo.repair_count} repair(s)",
    )


def record_repair(
    session: Session,
    *,
    settings: Settings,
    staff: Staff,
    scope: Scope,
    body: RepairCreate,
    idempotency_key: str | None = None,
) -> RecordedRepair:
    """Write the service request and its work order (status ``requested``); the caller commits,
    then calls :func:`start_workflow`.

    Repairs are created only for customers in the caller's ``scope``: office and admin for any
    customer; a technician only for a customer he already serves (one with a job of his, any
    status, so a return visit can be filed on site); a manager for his team's customers, those
    with a repair in the open queue and new customers without any job. Another customer is a
    404, exactly like a customer that does not exist.

    With ``idempotency_key``, the same caller repeating a request gets the first one's work order
    back (nothing new is written); the key reused by that caller for another body is a 422. Keys
    are scoped to the caller: another caller's identical key is a different request.
    Raises Problem 403 (requester), NotFound (customer), Problem 422 (job type, technician, date).
    """
    requested_by = requester_for(staff, body.requested_by_technician_id)
    fingerprint = None
    if idempotency_key:
        fingerprint = hashlib.sha256(body.fingerprint_json().encode()).hexdigest()
        earlier = service_requests.by_idempotency_key(session, requested_by=staff.actor, key=idempotency_key)
        if earlier is not None:
            # rows recorded before keys were scoped to the caller hashed the key id with the body
            before = hashlib.sha256(f"{staff.key_id}|{body.fingerprint_json()}".encode()).hexdigest()
            if earlier.idempotency_fingerprint not in (fingerprint, before):
                raise Problem(422, "this Idempotency-Key was used for a different request; use a new key")
            wo = repo.get(session, earlier.work_order_id or "")
            if wo is None:
                raise Conflict("the request with this Idempotency-Key was withdrawn; use a new key")
            entry = catalog.get(session, wo.job_type)
            return recorded_repair(
                wo,
                earlier,
                settings=settings,
                job_name=entry.name if entry else wo.job_type,
                requested_by=requested_by,
                new=False,
            )
    customer = customers.visible(session, body.customer_id, scope=scope)
    if customer is None:
        raise NotFound(f"customer {body.customer_id} does not exist")
    if body.lot_walk_terms and not scope.everything:
        raise Problem(
            403, "only office or admin keys file lot-walk findings with positions (or a lot walk does)"
        )
    last_position = body.repair_position + max(body.repair_count, 1) - 1
    if body.visit_repair_count is not None and body.visit_repair_count < last_position:
        raise Problem(
            422,
            f"visit_repair_count {body.visit_repair_count} is below the last repair's position {last_position}",
        )
    entry = catalog.get(session, body.job_type)
    if entry is None or not entry.is_active:
        raise Problem(422, f"unknown job_type '{body.job_type}'; see GET /api/v1/catalog")
    if body.requested_by_technician_id and technicians.get(session, body.requested_by_technician_id) is None:
        raise Problem(422, f"technician {body.requested_by_technician_id} does not exist")
    today = local_today(datetime.now(UTC), settings.timezone)
    scheduled = body.scheduled_date or today + timedelta(days=1)
    if scheduled < today:
        raise Problem(422, f"scheduled_date {scheduled} is in the past")
    if scheduled > today + timedelta(days=MAX_DAYS_AHEAD):
        raise Problem(422, f"scheduled_date {scheduled} is more than {MAX_DAYS_AHEAD} days ahead")

    wo, request = write_request(
        session,
        customer=customer,
        job_type=entry.code,
        today=today,
        scheduled=scheduled,
        actor=staff.actor,
        description=body.description,
        photos=body.photos,
        priority=body.priority,
        repair_count=body.repair_count,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
        from_lot_walk=body.from_lot_walk,
        repair_position=body.repair_position,
        visit_repair_count=body.visit_repair_count,
    )
    return recorded_repair(wo, request, settings=settings, job_name=entry.name, requested_by=requested_by)


def write_request(
    session: Session,
    *,
    customer: Customer,
    job_type: str,
    today: date,
    scheduled: date,
    actor: str,
    description: str | None,
    photos: list[str],
    priority: str,
    repair_count: int,
    source: str = "api",
    idempotency_key: str | None = None,
    fingerprint: str | None = None,
    window: tuple[str, datetime, datetime] | None = None,
    from_lot_walk: bool = False,
    repair_position: int = 1,
    visit_repair_count: int | None = None,
) -> tuple[WorkOrder, ServiceRequest]:
    """Write a checked request: its service request (``source`` ``api`` or ``portal``) and its work
    order (status ``requested``, a new id), audited as created by ``actor``; ``window`` is the
    customer's (``morning``/``afternoon``, start, end); a lot-walk finding carries its position
    among the visit's repairs (seed 001 2.3). The caller commits, then starts the
    workflow. Conflict when the caller's Idempotency-Key raced in from a concurrent retry."""
    work_order_id = repo.next_work_order_id(session, on=today)
    try:
        with session.begin_nested():
            request = rows.add(
                session,
                ServiceRequest(
                    customer_id=customer.id,
                    service_type=job_type,
                    description=description,
                    photos=photos,
                    priority=priority,
                    status="accepted",
                    scheduled_date=scheduled,
                    requested_by=actor,
                    work_order_id=work_order_id,
                    idempotency_key=idempotency_key,
                    idempotency_fingerprint=fingerprint,
                    source=source,
                ),
            )
    except IntegrityError as err:  # the same caller's key raced in from a concurrent retry
        raise Conflict("a request with this Idempotency-Key is being recorded; retry to get its id") from err
    wo = rows.add(
        session,
        WorkOrder(
            id=work_order_id,
            customer_id=customer.id,
            job_type=job_type,
            status=WorkStatus.REQUESTED.value,
            priority=priority,
            scheduled_date=scheduled,
            service_location=customers.service_location(customer),
            repair_count=repair_count,
            from_lot_walk=from_lot_walk,
            repair_position=repair_position,
            visit_repair_count=visit_repair_count,
            workflow_id=repair_workflow_id(work_order_id),
            service_request_id=request.id,
            window_preference=window[0] if window else None,
            preferred_window_start=window[1] if window else None,
            preferred_window_end=window[2] if window else None,
        ),
    )
    audit.record(
        session,
        actor=actor,
        action="created",
        entity_id=work_order_id,
        details={"service_request_id": request.id, "workflow_id": wo.workflow_id, "source": source},
    )
    return wo, request


async def start_workflow(session: Session, *, client: Client, repair: RecordedRepair) -> None:
    """Start ``repair-{work_order_id}`` for a committed request; a second start is a no-op.

    When the start fails and Temporal says the workflow does not exist, a new request's rows are
    removed (committed here, so nothing half-made stays) and Problem 503 is raised. When Temporal
    cannot say (it is unreachable), the rows stay, since the start may have landed: the 503 asks
    for a retry with the same Idempotency-Key, which starts the workflow if it is still missing.
    """
    workflow_id = repair_workflow_id(repair.work_order_id)
    try:
        await client.start_workflow(
            REPAIR_WORKFLOW,
            repair.workflow_input,
            id=workflow_id,
            task_queue=TASK_QUEUE,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            static_summary=repair.summary,
            static_details=repair.details,
        )
    except WorkflowAlreadyStartedError:
        return
    except RPCError as err:
        exists = await _workflow_exists(client, workflow_id)
        if exists:
            return
        if exists is None or not repair.new:
            raise Problem(
                503,
                f"could not start the repair workflow: {err.message}; work order {repair.work_order_id} "
                "is recorded: retry with the same Idempotency-Key",
                work_order_id=repair.work_order_id,
            ) from err
        session.rollback()
        wo = repo.get(session, repair.work_order_id)
        if wo is not None:
            request_id = wo.service_request_id
            repo.remove_unstarted(session, work_order_id=wo.id)
            if request_id is not None:
                service_requests.remove(session, request_id=request_id)
            audit.record(
                session,
                actor="api",
                action="withdrawn",
                entity_id=repair.work_order_id,
                details={"reason": f"workflow start failed: {err.message}"},
            )
            session.commit()
        raise Problem(
            503, f"could not start the repair workflow: {err.message}; nothing was recorded"
        ) from err


async def _workflow_exists(client: Client, workflow_id: str) -> bool | None:
    """True or False as Temporal answers; None when it cannot be asked."""
    try:
        await client.get_workflow_handle(workflow_id).describe()
        return True
    except RPCError as err:
        return False if err.status == RPCStatusCode.NOT_FOUND else None
