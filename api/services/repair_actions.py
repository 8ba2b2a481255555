"""What a staff action on a work order checks before it reaches the RepairWorkflow: the work
order in the caller's scope, the acting technician, pump-out volumes, the estimate version an
approval answers, who may assign or override a price, and the upfront estimate shown back.

Split from ``api/services/repairs.py`` (which records requests and starts their workflows).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.auth import Staff
from api.errors import Conflict, NotFound, Problem
from api.schemas.repairs import ApprovalOut, EstimateLineOut, UpfrontEstimate
from db.models import WorkOrder
from db.repositories import technicians
from db.repositories import work_orders as repo
from domain.access import Scope
from domain.approval import Requester
from domain.catalog import PUMP_OUT_JOB_TYPES
from domain.contracts.repair import RepairStatus
from domain.pricing import may_override_price


def get_work_order(session: Session, *, work_order_id: str, scope: Scope) -> WorkOrder:
    """The work order, or NotFound (404) when it does not exist or is outside ``scope`` (the
    same answer, so a scope reveals nothing of other records)."""
    wo = repo.get(session, work_order_id, scope=scope)
    if wo is None:
        raise NotFound(f"repair {work_order_id} does not exist")
    return wo


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


def check_pump_out_volumes(
    work_order: WorkOrder, *, gallons_pumped: int | None, tank_size_gallons: int | None
) -> None:
    """Gallons pumped and tank size belong to pump outs only (seed 000 Phase 1.2: ``pumping``,
    ``grease_trap``); raises Problem 422 when either is given for another job type."""
    given = gallons_pumped is not None or tank_size_gallons is not None
    if given and work_order.job_type not in PUMP_OUT_JOB_TYPES:
        raise Problem(
            422,
            f"gallons_pumped and tank_size_gallons are for pump outs only; {work_order.id} is a "
            f"{work_order.job_type} job",
        )


def approval_version(session: Session, *, staff: Staff, work_order: WorkOrder) -> int | None:
    """The estimate version a staff approval is pinned to: None (the current one) for office and
    admin; for a manager key the version he was allowed to approve, after checking that its
    amount is within his ``approval_limit`` (``Requester.may_approve``, the rule that also
    decides the requests he files). Pinning it makes the workflow refuse (409) an estimate
    revised meanwhile instead of approving an amount that was never checked.
    Raises Problem 403 over the limit (or without one), Conflict without an estimate."""
    if staff.role != "manager":
        return None
    tech = technicians.get(session, staff.technician_id) if staff.technician_id else None
    manager = Requester(tech.id, tech.is_manager, tech.approval_limit) if tech else Requester()
    amount = work_order.estimate_amount
    if amount is None or not work_order.estimate_version:
        raise Conflict(f"repair {work_order.id} has no estimate to approve")
    if not manager.may_approve(amount):
        limit = (
            f"${manager.approval_limit}"
            if manager.is_manager and manager.approval_limit is not None
            else "none"
        )
        raise Problem(
            403,
            f"the estimate of ${amount} is over your approval limit ({limit}); "
            "the office or the customer must approve it",
        )
    return work_order.estimate_version


def check_assignment(session: Session, *, staff: Staff, scope: Scope, technician_id: str | None) -> None:
    """Whether the caller may assign: office and admin always; a manager key only when its
    technician has ``can_assign_work`` (seed 001 1.2), and a named technician must be on his team
    (re-running smart assignment, without a name, is allowed). Raises Problem 403 otherwise."""
    if staff.role != "manager":
        return
    tech = technicians.get(session, staff.technician_id) if staff.technician_id else None
    if tech is None or not tech.can_assign_work:
        raise Problem(403, "assigning work needs can_assign_work, which this manager does not have")
    if technician_id is not None and not scope.sees_technician(technician_id):
        raise Problem(
            403, f"technician {technician_id} is not on your team; you may assign only to your team"
        )


def check_price_override(session: Session, *, staff: Staff) -> None:
    """Whether the caller may override a price (seed 001 1.2-1.3, ``domain.pricing``): office and
    admin keys always; a technician or manager key only when its technician has
    ``can_override_pricing``. Raises Problem 403 otherwise."""
    tech = technicians.get(session, staff.technician_id) if staff.technician_id else None
    if not may_override_price(role=staff.role, can_override_pricing=bool(tech and tech.can_override_pricing)):
        raise Problem(
            403, "overriding a price needs can_override_pricing, which this technician does not have"
        )


def estimate_of(wo: WorkOrder, state: RepairStatus | None) -> UpfrontEstimate | None:
    """The work order's decided estimate for the answer to a new request (seed 001 2.2), or None
    while it is not quoted and decided yet. The workflow's ``state`` (when it answered) says
    whether it is approved; the stored record gives the lines and reasons."""
    if wo.estimate_amount is None or not wo.estimate_version or wo.approval_mode is None:
        return None
    approved_by = state.approved_by if state is not None else wo.approved_by
    return UpfrontEstimate(
        amount=wo.estimate_amount,
        version=wo.estimate_version,
        lines=[EstimateLineOut.model_validate(line) for line in wo.estimate_lines],
        approval=ApprovalOut(
            mode=wo.approval_mode,
            approved=approved_by is not None,
            approved_by=approved_by,
            reasons=list(wo.approval_reasons),
        ),
    )
