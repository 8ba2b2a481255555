"""Repair activities: work order records, quoting, the approval decision and completion.

Each method is idempotent on the work order id, so a retried activity changes nothing twice.
Statuses are the workflow's decisions; they are persisted only through
``db.repositories.work_orders.set_status``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.errors import failure, permanent_db_errors
from db.models import JobCost, WorkOrder
from db.repositories import approval_tokens, audit, catalog, customers, rows, service_requests, technicians
from db.repositories import work_orders as repo
from db.session import transaction
from domain.approval import CustomerApprovalPolicy, Requester, decide_approval
from domain.approval_links import CLOSED_BY_STATUS, LinkClosed
from domain.catalog import JobCategory
from domain.contracts import approval, repair
from domain.contracts.approval import (
    ApprovalDecisionInput,
    ApprovalDecisionResult,
    PriceOverrideRequest,
    QuoteInput,
    QuoteResult,
    RecordApprovalInput,
    RecordPriceOverrideInput,
)
from domain.contracts.repair import CompletionInput, CompletionResult, CreateWorkOrderInput, SetStatusInput
from domain.contracts.shared import CommonFailure
from domain.pricing import (
    CENT,
    OVERRIDE_LINE,
    CustomerPricingTerms,
    Estimate,
    EstimateLine,
    override_estimate,
    quote_estimate,
)
from domain.work_status import WorkStatus


def _lines(estimate: Estimate) -> list[dict[str, str]]:
    """Estimate lines as stored in ``work_orders.estimate_lines`` (amounts as strings; ``kind``
    only on an override's adjustment line, so plain quotes are stored as before)."""
    return [
        {"description": x.description, "amount": str(x.amount)}
        | ({"kind": x.kind} if x.kind != "charge" else {})
        for x in estimate.lines
    ]


def _record_override(
    session: Session,
    wo: WorkOrder,
    override: PriceOverrideRequest,
    *,
    quoted: Decimal,
    previous: Decimal | None,
    at: datetime,
) -> None:
    """Write the override columns and its ``audit_log`` row (old and new price, the quoted price,
    the reason)."""
    wo.cost_override = override.amount
    wo.cost_override_from = quoted
    wo.cost_override_by = override.actor
    wo.cost_override_at = at
    wo.cost_override_reason = override.reason
    audit.record(
        session,
        actor=override.actor,
        action="price_overridden",
        entity_id=wo.id,
        details={
            "old_price": str(previous) if previous is not None else None,
            "new_price": str(override.amount),
            "quoted_price": str(quoted),
            "reason": override.reason,
            "estimate_version": wo.estimate_version,
        },
    )


def _work_order(session: Session, work_order_id: str) -> WorkOrder:
    wo = repo.get(session, work_order_id, lock=True)
    if wo is None:
        raise failure(CommonFailure.NOT_FOUND, f"work order {work_order_id} not found")
    return wo


class RepairActivities:
    """Database side of RepairWorkflow; ``sessions`` is a SQLAlchemy session factory and
    ``labor_cost_per_hour`` (USD) values the technician's time in job_costs."""

    def __init__(
        self, sessions: sessionmaker[Session], *, labor_cost_per_hour: Decimal = Decimal("95.00")
    ) -> None:
        self._sessions = sessions
        self._labor_cost_per_hour = labor_cost_per_hour

    @activity.defn(name=repair.CREATE_WORK_ORDER.name)
    @permanent_db_errors
    def create_work_order(self, inp: CreateWorkOrderInput) -> None:
        """Legacy, for runs started before the API wrote work orders: create the work order from
        its service request (no-op when it exists). Raises ``NotFound`` without the request."""
        with transaction(self._sessions) as session:
            # the request row lock makes a retry racing its first attempt wait, then find the order
            request = service_requests.get(session, inp.service_request_id, lock=True)
            if request is None:
                raise failure(CommonFailure.NOT_FOUND, f"service request {inp.service_request_id} not found")
            if repo.get(session, inp.work_order_id) is not None:
                return
            rows.add(
                session,
                WorkOrder(
                    id=inp.work_order_id,
                    customer_id=inp.customer_id,
                    job_type=inp.job_type,
                    status=WorkStatus.REQUESTED.value,
                    priority=inp.priority,
                    scheduled_date=inp.scheduled_date,
                    service_location=customers.service_location(customers.get(session, inp.customer_id)),
                    workflow_id=inp.workflow_id,
                    service_request_id=request.id,
                ),
            )
            request.status = "accepted"
            audit.record(
                session,
                actor="workflow",
                action="created",
                entity_id=inp.work_order_id,
                details={"service_request_id": request.id, "workflow_id": inp.workflow_id},
            )

    @activity.defn(name=approval.QUOTE_WORK_ORDER.name)
    @permanent_db_errors
    def quote_work_order(self, inp: QuoteInput) -> QuoteResult:
        """Price the work order (seed 001 tiers, custom pricing, volume discount) for
        ``inp.repair_count`` repairs, or the stored count when None; stores the new version."""
        with transaction(self._sessions) as session:
            wo = _work_order(session, inp.work_order_id)
            if wo.estimate_version >= inp.target_version and wo.estimate_amount is not None:
                return QuoteResult(estimate_version=wo.estimate_version, amount=wo.estimate_amount)
            if wo.estimate_version > 0:  # a revision: links to the old estimate stop working
                approval_tokens.revoke_all(
                    session, work_order_id=wo.id, at=datetime.now(UTC), reason=LinkClosed.REPLACED
                )
            entry = catalog.get(session, wo.job_type)
            customer = customers.get(session, wo.customer_id)
            if entry is None or customer is None:
                raise failure(CommonFailure.NOT_FOUND, f"catalog entry or customer of {wo.id} not found")
            repair_count = wo.repair_count if inp.repair_count is None else inp.repair_count
            pricing = customer.pricing
            terms = None
            if pricing is not None:
                terms = CustomerPricingTerms(
                    use_custom_pricing=pricing.use_custom_pricing,
                    repair_tiers=(
                        pricing.repair_1_price,
                        pricing.repair_2_price,
                        pricing.repair_3_price,
                        pricing.repair_4_price,
                        pricing.repair_5_plus_price,
                    ),
                    volume_discount_threshold=pricing.volume_discount_threshold,
                    volume_discount_percentage=pricing.volume_discount_percentage,
                )
            estimate = quote_estimate(
                job_name=entry.name,
                category=JobCategory(entry.category),
                base_price=entry.base_price,
                repair_count=repair_count,
                first_repair_position=inp.first_repair_position,
                visit_repair_count=inp.visit_repair_count,
                terms=terms,
            )
            previous = wo.estimate_amount
            quoted = estimate.total
            override = inp.price_override
            if override is not None:
                estimate = override_estimate(
                    estimate, override.amount, by=override.actor, reason=override.reason
                )
            wo.estimate_amount = estimate.total
            wo.estimate_version = inp.target_version
            wo.repair_count = repair_count
            wo.estimate_lines = _lines(estimate)
            audit.record(
                session,
                actor="workflow",
                action="quoted",
                entity_id=wo.id,
                details={"amount": str(estimate.total), "version": wo.estimate_version},
            )
            if override is not None:
                _record_override(
                    session, wo, override, quoted=quoted, previous=previous, at=datetime.now(UTC)
                )
            elif wo.cost_override is not None:  # re-quoted from the tiers: the override no longer applies
                wo.cost_override = wo.cost_override_from = wo.cost_override_by = None
                wo.cost_override_at = wo.cost_override_reason = None
            return QuoteResult(estimate_version=wo.estimate_version, amount=estimate.total)

    @activity.defn(name=approval.RECORD_PRICE_OVERRIDE.name)
    @permanent_db_errors
    def record_price_override(self, inp: RecordPriceOverrideInput) -> QuoteResult:
        """Set an approved estimate's price to ``inp.override.amount`` (seed 001 1.3): the lines
        get one adjustment line, the override columns and an ``audit_log`` row (old and new price)
        are written. A retry of the same override (same ``at``) changes nothing."""
        with transaction(self._sessions) as session:
            wo = _work_order(session, inp.work_order_id)
            if wo.cost_override_at == inp.at and wo.estimate_amount is not None:
                return QuoteResult(estimate_version=wo.estimate_version, amount=wo.estimate_amount)
            current = Estimate(
                tuple(
                    EstimateLine(
                        str(x["description"]), Decimal(str(x["amount"])), str(x.get("kind", "charge"))
                    )
                    for x in wo.estimate_lines
                )
            )
            previous = wo.estimate_amount
            quoted = Estimate(tuple(x for x in current.lines if x.kind != OVERRIDE_LINE)).total
            estimate = override_estimate(
                current, inp.override.amount, by=inp.override.actor, reason=inp.override.reason
            )
            wo.estimate_amount = estimate.total
            wo.estimate_lines = _lines(estimate)
            _record_override(session, wo, inp.override, quoted=quoted, previous=previous, at=inp.at)
            return QuoteResult(estimate_version=wo.estimate_version, amount=estimate.total)

    @activity.defn(name=approval.DECIDE_APPROVAL.name)
    @permanent_db_errors
    def decide_approval(self, inp: ApprovalDecisionInput) -> ApprovalDecisionResult:
        """Apply the approval policy (domain.approval) to the customer's and requester's limits;
        the reasons are stored on the work order so staff see why a repair waits."""
        with transaction(self._sessions) as session:
            wo = _work_order(session, inp.work_order_id)
            customer = customers.get(session, wo.customer_id)
            if customer is None:
                raise failure(CommonFailure.NOT_FOUND, f"customer {wo.customer_id} not found")
            requester = Requester()
            if inp.requested_by_technician_id:
                tech = technicians.get(session, inp.requested_by_technician_id)
                if tech is not None:
                    requester = Requester(tech.id, tech.is_manager, tech.approval_limit)
            decision = decide_approval(
                amount=inp.amount,
                policy=CustomerApprovalPolicy(
                    max_auto_approve_amount=customer.max_auto_approve_amount,
                    require_photo_for_approval=customer.require_photo_for_approval,
                    auto_approve_lot_repairs=customer.auto_approve_lot_repairs,
                    credit_hold=customer.credit_hold,
                ),
                requester=requester,
                has_photo=inp.has_photo,
                from_lot_walk=inp.from_lot_walk,
            )
            wo.approval_mode = decision.mode.value
            wo.approval_reasons = list(decision.reasons)
        return ApprovalDecisionResult(
            mode=decision.mode.value,
            approved=decision.approved,
            approved_by=decision.approved_by,
            reasons=list(decision.reasons),
        )

    @activity.defn(name=approval.RECORD_APPROVAL.name)
    @permanent_db_errors
    def record_approval(self, inp: RecordApprovalInput) -> None:
        """Store who decided, how and why; approval moves the order to ``approved``."""
        with transaction(self._sessions) as session:
            wo = _work_order(session, inp.work_order_id)
            now = datetime.now(UTC)
            wo.approval_mode = inp.mode
            wo.approval_reasons = inp.reasons
            if inp.approved:
                wo.approved_by = inp.decided_by
                wo.approved_at = wo.approved_at or now
                repo.set_status(
                    session,
                    work_order=wo,
                    status=WorkStatus.APPROVED,
                    actor=inp.decided_by,
                    at=now,
                    reason="; ".join(inp.reasons),
                )
            audit.record(
                session,
                actor=inp.decided_by,
                action="approved" if inp.approved else "not_approved",
                entity_id=wo.id,
                details={"mode": inp.mode, "reasons": inp.reasons, "estimate_version": inp.estimate_version},
            )

    @activity.defn(name=repair.SET_WORK_STATUS.name)
    @permanent_db_errors
    def set_work_status(self, inp: SetStatusInput) -> None:
        """Persist the status the workflow took; ending the repair revokes its approval links."""
        with transaction(self._sessions) as session:
            wo = _work_order(session, inp.work_order_id)
            repo.set_status(
                session, work_order=wo, status=inp.status, actor=inp.actor, at=inp.at, reason=inp.reason
            )
            closed = CLOSED_BY_STATUS.get(inp.status)
            if closed is not None:
                approval_tokens.revoke_all(session, work_order_id=wo.id, at=inp.at, reason=closed)

    @activity.defn(name=repair.RECORD_COMPLETION.name)
    @permanent_db_errors
    def record_completion(self, inp: CompletionInput) -> CompletionResult:
        """Record labor and parts as job_costs, total the order (estimate + parts), store a pump
        out's gallons pumped and tank size (``1500 gal``) when given, and complete it."""
        with transaction(self._sessions) as session:
            wo = _work_order(session, inp.work_order_id)
            if wo.status == WorkStatus.COMPLETED.value:
                labor = sum((c.total_cost for c in wo.job_costs if c.cost_type == "labor"), Decimal("0"))
                parts = sum((c.total_cost for c in wo.job_costs if c.cost_type == "materials"), Decimal("0"))
                return CompletionResult(total_amount=wo.total_amount, labor_cost=labor, parts_cost=parts)
            rate = self._labor_cost_per_hour
            hours = (Decimal(inp.labor_minutes) / Decimal(60)).quantize(CENT, ROUND_HALF_UP)
            labor_cost = (hours * rate).quantize(CENT, ROUND_HALF_UP)
            wo.job_costs.append(
                JobCost(
                    cost_type="labor",
                    description="On-site labor",
                    quantity=hours,
                    unit="hour",
                    unit_cost=rate,
                    total_cost=labor_cost,
                    created_at=inp.completed_at,
                )
            )
            parts_cost = Decimal("0")
            for part in inp.parts:
                total = (part.quantity * part.unit_cost).quantize(CENT, ROUND_HALF_UP)
                parts_cost += total
                wo.job_costs.append(
                    JobCost(
                        cost_type="materials",
                        description=part.description,
                        quantity=part.quantity,
                        unit=part.unit,
                        unit_cost=part.unit_cost,
                        total_cost=total,
                        created_at=inp.completed_at,
                    )
                )
            # The customer pays the approved estimate plus parts at cost; labor is recorded as job cost.
            wo.total_amount = ((wo.estimate_amount or Decimal("0")) + parts_cost).quantize(
                CENT, ROUND_HALF_UP
            )
            wo.total_labor_minutes = inp.labor_minutes
            wo.actual_end_time = inp.completed_at
            if inp.gallons_pumped is not None:
                wo.gallons_pumped = inp.gallons_pumped
            if inp.tank_size_gallons is not None:
                wo.tank_size = f"{inp.tank_size_gallons} gal"  # as seed 000's job list shows it
            repo.set_status(
                session,
                work_order=wo,
                status=WorkStatus.COMPLETED,
                actor=f"technician:{inp.technician_id}",
                at=inp.completed_at,
            )
            return CompletionResult(
                total_amount=wo.total_amount, labor_cost=labor_cost, parts_cost=parts_cost
            )

    def all(self) -> list:
        """The bound activity methods, for worker registration."""
        return [
            self.create_work_order,
            self.quote_work_order,
            self.record_price_override,
            self.decide_approval,
            self.record_approval,
            self.set_work_status,
            self.record_completion,
        ]
