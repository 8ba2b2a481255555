"""Fleet lot walks (seed 001 2.3): start one for a customer, read it, record findings, answer for
its repairs on the customer's behalf."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import (
    AppSettings,
    CurrentScope,
    CurrentStaff,
    DbSession,
    FieldStaff,
    OfficeStaff,
    TemporalClient,
)
from api.schemas.lot_walks import DecisionsBody, FindingsBody, LotWalkCreate, LotWalkOut, LotWalkStarted
from api.services import lot_walks as service
from domain.contracts.lot_walk import (
    DECISIONS_UPDATE,
    FINDINGS_UPDATE,
    DecisionsRequest,
    FindingsRequest,
    FoundUnit,
    LotWalkState,
    LotWalkStatus,
    RepairDecision,
)

router = APIRouter(tags=["lot walks"])


@router.post(
    "/api/v1/customers/{customer_id}/lot-walks",
    status_code=status.HTTP_201_CREATED,
    response_model=LotWalkStarted,
    summary="Start a lot walk",
)
async def start_lot_walk(
    customer_id: int,
    body: LotWalkCreate,
    db: DbSession,
    client: TemporalClient,
    settings: AppSettings,
    staff: OfficeStaff,
    scope: CurrentScope,
) -> LotWalkStarted:
    """Start ``lot-walk-{customer_id}-{date}`` now (the customer's schedule starts the planned
    ones): a walker is assigned (preferred technicians first), the customer is told, and the walk
    waits for the findings. 409 when that day's walk exists; 422 without lot walking enabled."""
    walk_id, day = await service.start_lot_walk(
        db,
        client=client,
        settings=settings,
        staff=staff,
        scope=scope,
        customer_id=customer_id,
        walk_date=body.walk_date,
    )
    return LotWalkStarted(
        id=walk_id, workflow_id=walk_id, customer_id=customer_id, walk_date=day, state=LotWalkState.REQUESTED
    )


@router.get("/api/v1/lot-walks/{lot_walk_id}", response_model=LotWalkOut, summary="Get a lot walk")
async def get_lot_walk(
    lot_walk_id: str, db: DbSession, client: TemporalClient, staff: CurrentStaff, scope: CurrentScope
) -> LotWalkOut:
    """The walk with its findings, its repairs and (once closed) its summary: found,
    auto-approved, approved, declined, completed and amount; live from the workflow while open."""
    walk = service.get_walk(db, lot_walk_id=lot_walk_id, scope=scope)
    out = LotWalkOut.model_validate(walk).model_copy(update={"repair_ids": service.repair_ids(db, walk=walk)})
    live, note = await service.live(client, walk=walk)
    return out.model_copy(update={"workflow": live, "workflow_note": note})


@router.post(
    "/api/v1/lot-walks/{lot_walk_id}/findings",
    response_model=LotWalkStatus,
    summary="Record a lot walk's findings",
)
async def record_findings(
    lot_walk_id: str,
    body: FindingsBody,
    db: DbSession,
    client: TemporalClient,
    staff: FieldStaff,
    scope: CurrentScope,
) -> LotWalkStatus:
    """The walker's findings: vehicles/units with the repairs they need, photos and notes, in walk
    order. Each repair becomes a work order priced by its position in the walk; repairs within
    the customer's lot-walk auto-approval are approved at once, the others go to the customer in
    ONE approval request. 409 when the walk is not waiting for findings or the caller is not its
    walker; 422 for an empty list or a unit named twice."""
    walk = service.get_walk(db, lot_walk_id=lot_walk_id, scope=scope)
    findings = FindingsRequest(
        actor=staff.actor,
        technician_id=service.walker_for(staff, body.technician_id),
        units=[FoundUnit.model_validate(unit.model_dump()) for unit in body.units],
    )
    return await service.send_update(db, client=client, walk=walk, name=FINDINGS_UPDATE, payload=findings)


@router.post(
    "/api/v1/lot-walks/{lot_walk_id}/decisions",
    response_model=LotWalkStatus,
    summary="Answer for a lot walk's repairs",
)
async def decide_repairs(
    lot_walk_id: str,
    body: DecisionsBody,
    db: DbSession,
    client: TemporalClient,
    staff: OfficeStaff,
    scope: CurrentScope,
) -> LotWalkStatus:
    """Approve or decline repairs waiting for the walk's approval on the customer's behalf (by
    phone); the same answers the customer gives through the walk's link. Office and admin keys (a
    manager approves a walk's repair through /repairs/{id}/approve, within his approval limit).
    409 when no approval is open, 422 for a repair that is not waiting."""
    walk = service.get_walk(db, lot_walk_id=lot_walk_id, scope=scope)
    service.check_decider(scope)
    decisions = DecisionsRequest(
        actor=staff.actor,
        decisions=[RepairDecision(work_order_id=d.work_order_id, approve=d.approve) for d in body.decisions],
        reason=body.reason,
    )
    return await service.send_update(db, client=client, walk=walk, name=DECISIONS_UPDATE, payload=decisions)
