"""``/api/v1/repairs``: start repairs, list and read them, and act on them (one update each)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, status

from api.deps import AppSettings, CurrentScope, DbSession, FieldStaff, OfficeStaff, TemporalClient
from api.pagination import Page, Pagination, paginate
from api.schemas.common import IsoDate
from api.schemas.repairs import (
    AssignBody,
    CompleteBody,
    PriceOverrideBody,
    ReasonBody,
    RepairCreate,
    RepairCreated,
    RepairDetail,
    RepairOut,
    ReviseBody,
    StartBody,
)
from api.services import repair_actions as actions
from api.services import repair_live
from api.services import repairs as service
from db.repositories import work_orders
from domain.contracts.approval import (
    ApproveRequest,
    DeclineRequest,
    PriceOverrideRequest,
    ReviseEstimateRequest,
)
from domain.contracts.assignment import AssignRequest
from domain.contracts.repair import CancelRequest, CompleteRequest, RepairStatus, StartRequest
from domain.ids import repair_workflow_id
from domain.work_status import StaffAction, WorkStatus

router = APIRouter(prefix="/api/v1/repairs", tags=["repairs"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=RepairCreated)
async def create_repair(
    body: RepairCreate,
    db: DbSession,
    client: TemporalClient,
    settings: AppSettings,
    staff: FieldStaff,
    scope: CurrentScope,
    idempotency_key: Annotated[
        str | None,
        Header(min_length=8, max_length=100, description="repeat-safe: a retry returns the first repair"),
    ] = None,
) -> RepairCreated:
    """Take a repair request: stores it with its work order, then starts its RepairWorkflow
    (quote, approval, assignment) and answers with the estimate (amount, lines, approval
    decision and reasons) once the workflow has decided it, so the office can tell the customer
    the price on the phone (seed 001 2.2). Technicians file repairs only for customers they serve.
    Lot-walk findings (``from_lot_walk``) are priced from their ``repair_position`` in the walk."""
    repair = service.record_repair(
        db, settings=settings, staff=staff, scope=scope, body=body, idempotency_key=idempotency_key
    )
    db.commit()  # the work order exists before its workflow starts
    await service.start_workflow(db, client=client, repair=repair)
    wo, state, note = await repair_live.upfront_estimate(db, client, work_order_id=repair.work_order_id)
    return RepairCreated(
        id=repair.work_order_id,
        workflow_id=repair_workflow_id(repair.work_order_id),
        status=state.status if state is not None else wo.status,
        estimate=actions.estimate_of(wo, state),
        estimate_note=note,
    )


@router.get("", response_model=Page[RepairOut])
def list_repairs(
    db: DbSession,
    staff: FieldStaff,
    scope: CurrentScope,
    paging: Pagination,
    status_: Annotated[WorkStatus | None, Query(alias="status")] = None,
    customer_id: Annotated[int | None, Query(ge=1)] = None,
    technician_id: str | None = None,
    scheduled_date: Annotated[IsoDate | None, Query(alias="date")] = None,
) -> Page[RepairOut]:
    """Work orders in the caller's scope, newest first; filter by status, customer, technician
    and scheduled date."""
    stmt = work_orders.list_stmt(
        status=status_.value if status_ else None,
        customer_id=customer_id,
        technician_id=technician_id,
        scheduled_date=scheduled_date,
        scope=scope,
    )
    rows, total = paginate(db, stmt, paging)
    return Page[RepairOut](
        items=[RepairOut.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get("/{work_order_id}", response_model=RepairDetail)
async def get_repair(
    work_order_id: str, db: DbSession, client: TemporalClient, staff: FieldStaff, scope: CurrentScope
) -> RepairDetail:
    """The stored work order and its status: live from the workflow while it runs, from the
    database once the repair has ended."""
    wo = actions.get_work_order(db, work_order_id=work_order_id, scope=scope)
    live, note = await repair_live.current_status(db, client, work_order=wo)
    return RepairDetail.model_validate(wo).model_copy(update={"workflow": live, "workflow_note": note})


@router.post("/{work_order_id}/approve", response_model=RepairStatus)
async def approve(
    work_order_id: str,
    body: ReasonBody,
    db: DbSession,
    client: TemporalClient,
    staff: OfficeStaff,
    scope: CurrentScope,
) -> RepairStatus:
    """Approve the pending estimate on the customer's behalf (e.g. by phone); a manager only
    within his ``approval_limit`` (403 above it)."""
    wo = actions.get_work_order(db, work_order_id=work_order_id, scope=scope)
    version = actions.approval_version(db, staff=staff, work_order=wo)
    return await repair_live.act(
        db,
        client=client,
        work_order_id=work_order_id,
        scope=scope,
        update=StaffAction.APPROVE,
        payload=ApproveRequest(actor=staff.actor, reason=body.reason, estimate_version=version),
    )


@router.post("/{work_order_id}/decline", response_model=RepairStatus)
async def decline(
    work_order_id: str,
    body: ReasonBody,
    db: DbSession,
    client: TemporalClient,
    staff: OfficeStaff,
    scope: CurrentScope,
) -> RepairStatus:
    """Decline the pending estimate on the customer's behalf."""
    return await repair_live.act(
        db,
        client=client,
        work_order_id=work_order_id,
        scope=scope,
        update=StaffAction.DECLINE,
        payload=DeclineRequest(actor=staff.actor, reason=body.reason),
    )


@router.post("/{work_order_id}/estimate", response_model=RepairStatus)
async def revise_estimate(
    work_order_id: str,
    body: ReviseBody,
    db: DbSession,
    client: TemporalClient,
    staff: OfficeStaff,
    scope: CurrentScope,
) -> RepairStatus:
    """Change the repair count of a pending estimate: re-quoted, the old link stops working and a
    new one is sent (or it is approved at once if now within the customer's limits)."""
    return await repair_live.act(
        db,
        client=client,
        work_order_id=work_order_id,
        scope=scope,
        update=StaffAction.REVISE_ESTIMATE,
        payload=ReviseEstimateRequest(actor=staff.actor, repair_count=body.repair_count),
    )


@router.post("/{work_order_id}/price-override", response_model=RepairStatus)
async def override_price(
    work_order_id: str,
    body: PriceOverrideBody,
    db: DbSession,
    client: TemporalClient,
    staff: FieldStaff,
    scope: CurrentScope,
) -> RepairStatus:
    """Set another price with a reason (office, admin, or a technician with
    ``can_override_pricing``; 403 otherwise). While the customer has not answered, the estimate
    is re-quoted at that price (new version, new link, approval decided again); after approval
    the price can only be lowered (409 above the approved amount). The override is recorded in
    the audit log with the old and new price and on the work order (``cost_override``)."""
    actions.get_work_order(db, work_order_id=work_order_id, scope=scope)
    actions.check_price_override(db, staff=staff)
    return await repair_live.act(
        db,
        client=client,
        work_order_id=work_order_id,
        scope=scope,
        update=StaffAction.OVERRIDE_PRICE,
        payload=PriceOverrideRequest(actor=staff.actor, amount=body.amount, reason=body.reason),
    )


@router.post("/{work_order_id}/assign", response_model=RepairStatus)
async def assign(
    work_order_id: str,
    body: AssignBody,
    db: DbSession,
    client: TemporalClient,
    staff: OfficeStaff,
    scope: CurrentScope,
) -> RepairStatus:
    """Assign a technician by hand, or re-run smart assignment without ``technician_id``; a
    manager needs ``can_assign_work`` and assigns only to his team (403 otherwise)."""
    actions.get_work_order(db, work_order_id=work_order_id, scope=scope)
    actions.check_assignment(db, staff=staff, scope=scope, technician_id=body.technician_id)
    return await repair_live.act(
        db,
        client=client,
        work_order_id=work_order_id,
        scope=scope,
        update=StaffAction.ASSIGN,
        payload=AssignRequest(actor=staff.actor, technician_id=body.technician_id),
    )


@router.post("/{work_order_id}/start", response_model=RepairStatus)
async def start(
    work_order_id: str,
    body: StartBody,
    db: DbSession,
    client: TemporalClient,
    staff: FieldStaff,
    scope: CurrentScope,
) -> RepairStatus:
    """The assigned technician starts work on site."""
    wo = actions.get_work_order(db, work_order_id=work_order_id, scope=scope)
    tech = actions.technician_for(staff, body.technician_id, assigned=wo.technician_id)
    return await repair_live.act(
        db,
        client=client,
        work_order_id=work_order_id,
        scope=scope,
        update=StaffAction.START,
        payload=StartRequest(actor=staff.actor, technician_id=tech),
    )


@router.post("/{work_order_id}/complete", response_model=RepairStatus)
async def complete(
    work_order_id: str,
    body: CompleteBody,
    db: DbSession,
    client: TemporalClient,
    staff: FieldStaff,
    scope: CurrentScope,
) -> RepairStatus:
    """Complete the job: labor minutes and parts become job costs; the total is computed. A pump
    out records its gallons pumped and tank size (422 for another job type)."""
    wo = actions.get_work_order(db, work_order_id=work_order_id, scope=scope)
    tech = actions.technician_for(staff, body.technician_id, assigned=wo.technician_id)
    actions.check_pump_out_volumes(
        wo, gallons_pumped=body.gallons_pumped, tank_size_gallons=body.tank_size_gallons
    )
    return await repair_live.act(
        db,
        client=client,
        work_order_id=work_order_id,
        scope=scope,
        update=StaffAction.COMPLETE,
        payload=CompleteRequest(
            actor=staff.actor,
            technician_id=tech,
            labor_minutes=body.labor_minutes,
            parts=body.parts,
            gallons_pumped=body.gallons_pumped,
            tank_size_gallons=body.tank_size_gallons,
        ),
    )


@router.post("/{work_order_id}/cancel", response_model=RepairStatus)
async def cancel(
    work_order_id: str,
    body: ReasonBody,
    db: DbSession,
    client: TemporalClient,
    staff: OfficeStaff,
    scope: CurrentScope,
) -> RepairStatus:
    """Cancel the repair before completion; any open approval link stops working."""
    return await repair_live.act(
        db,
        client=client,
        work_order_id=work_order_id,
        scope=scope,
        update=StaffAction.CANCEL,
        payload=CancelRequest(actor=staff.actor, reason=body.reason),
    )
