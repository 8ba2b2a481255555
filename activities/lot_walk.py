"""Lot-walk activities (seed 001 2.3): the walk's record and visit, the customer's notice, the
findings as work orders, the single approval request, the summary.

Each is idempotent on the walk id (``lot-walk-{customer_id}-{date}``); messages are keyed
``{workflow_id}:{purpose}`` through the outbox, so a retry never sends twice. The walk's
approval link is stored only as a hash, its nonce re-derives it (like ``activities/approvals``).
"""

from __future__ import annotations

from decimal import Decimal

from jinja2 import Environment, StrictUndefined
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.errors import failure, permanent_db_errors
from activities.messaging import DefiniteFailure, DeliveryUncertain, MessageSender, OutboundMessage
from config import Settings
from db.models import Customer, LotWalk, ServiceRequest, WorkOrder
from db.repositories import audit, customers, lot_walks, rows, service_requests, technicians
from db.repositories import work_orders as repo
from db.session import transaction
from domain.approval_links import derive_token, hash_token, new_nonce
from domain.contracts import lot_walk as contract
from domain.contracts.lot_walk import (
    LOT_WALK_JOB_TYPE,
    CloseLotWalkInput,
    LotWalkApprovalInput,
    LotWalkState,
    LotWalkStateInput,
    NoticeInput,
    OpenLotWalkInput,
    OpenLotWalkResult,
    RecordFindingsInput,
    RecordFindingsResult,
)
from domain.contracts.messaging import MessagingFailure
from domain.contracts.shared import CommonFailure
from domain.ids import message_key, repair_workflow_id
from domain.schedule import local_time_text
from domain.work_status import WorkStatus

_templates = Environment(autoescape=False, undefined=StrictUndefined)  # noqa: S701 - plain-text SMS/email
NOTICE = _templates.from_string(
    "{{ company }}: your fleet lot walk is planned for {{ day }}"
    "{% if walker %}; {{ walker }} will walk your lot{% endif %}. Repairs found will be priced by the walk's tiers."
)
APPROVAL = _templates.from_string(
    "{{ company }}: the lot walk of {{ day }} found {{ repairs|length }} repair(s) that need your approval "
    "(${{ total }}):\n{% for r in repairs %}#{{ r.position }} {{ r.what }}: ${{ r.amount }}\n{% endfor %}"
    "Approve or decline each: {{ link }} (works once, expires {{ expires }})"
)
COMPANY = "fieldops"


def _walk(session: Session, lot_walk_id: str, *, lock: bool = False) -> LotWalk:
    walk = lot_walks.get(session, lot_walk_id, lock=lock)
    if walk is None:
        raise failure(CommonFailure.NOT_FOUND, f"lot walk {lot_walk_id} not found")
    return walk


def _has_photo(session: Session, wo: WorkOrder) -> bool:
    request = service_requests.get(session, wo.service_request_id) if wo.service_request_id else None
    return bool(request and request.photos)


def _contact(customer: Customer) -> tuple[str, str]:
    channel = "email" if customer.preferred_contact_method == "email" and customer.email else "sms"
    to = customer.email if channel == "email" else customer.phone
    if not to:
        raise failure(MessagingFailure.NO_CONTACT, f"customer {customer.id} has no {channel} address")
    return channel, to


class LotWalkActivities:
    """Database and messaging side of LotWalkWorkflow; ``sender`` delivers through the outbox."""

    def __init__(self, sessions: sessionmaker[Session], sender: MessageSender, settings: Settings) -> None:
        self._sessions = sessions
        self._sender = sender
        self._settings = settings

    def _send(self, message: OutboundMessage) -> None:
        try:
            self._sender.send_once(message)
        except DefiniteFailure as err:
            raise failure(MessagingFailure.DEFINITE_FAILURE, str(err)) from err
        except DeliveryUncertain as err:
            raise failure(MessagingFailure.DELIVERY_UNCERTAIN, str(err)) from err
        except ConnectionError as err:
            raise failure(MessagingFailure.PROVIDER_UNAVAILABLE, str(err)) from err

    @activity.defn(name=contract.OPEN_LOT_WALK.name)
    @permanent_db_errors
    def open_lot_walk(self, inp: OpenLotWalkInput) -> OpenLotWalkResult:
        """Write the ``lot_walks`` row and the walk's visit work order (job type ``lot_walk``, no
        price: the walker's booking) unless they exist; returns the visit and the customer's
        preferred technicians (by id). Raises ``NotFound`` for a missing customer."""
        with transaction(self._sessions) as session:
            customer = customers.get(session, inp.customer_id)
            if customer is None:
                raise failure(CommonFailure.NOT_FOUND, f"customer {inp.customer_id} not found")
            walk = lot_walks.get(session, inp.lot_walk_id, lock=True)
            if walk is None:
                walk = rows.add(
                    session,
                    LotWalk(
                        id=inp.lot_walk_id,
                        customer_id=customer.id,
                        walk_date=inp.walk_date,
                        state=LotWalkState.REQUESTED.value,
                        requested_by=inp.requested_by,
                    ),
                )
            if walk.visit_work_order_id is None:
                visit_id = repo.next_work_order_id(session, on=inp.walk_date)
                rows.add(
                    session,
                    WorkOrder(
                        id=visit_id,
                        customer_id=customer.id,
                        job_type=LOT_WALK_JOB_TYPE,
                        status=WorkStatus.REQUESTED.value,
                        scheduled_date=inp.walk_date,
                        service_location=customers.service_location(customer),
                        repair_count=0,
                        lot_walk_id=walk.id,
                    ),
                )
                walk.visit_work_order_id = visit_id
                audit.record(
                    session,
                    actor=inp.requested_by,
                    action="lot_walk_opened",
                    entity_type="lot_walk",
                    entity_id=walk.id,
                    details={"visit_work_order_id": visit_id, "workflow_id": inp.workflow_id},
                )
            preferred = sorted(t.id for t in customer.preferred_technicians if t.is_active)
            return OpenLotWalkResult(
                visit_work_order_id=walk.visit_work_order_id, preferred_technician_ids=preferred
            )

    @activity.defn(name=contract.SET_LOT_WALK_STATE.name)
    @permanent_db_errors
    def set_lot_walk_state(self, inp: LotWalkStateInput) -> None:
        """Persist the state (and walker) the workflow took."""
        with transaction(self._sessions) as session:
            walk = _walk(session, inp.lot_walk_id, lock=True)
            if walk.state != inp.state.value:
                audit.record(
                    session,
                    actor="workflow",
                    action=f"lot_walk:{inp.state.value}",
                    entity_type="lot_walk",
                    entity_id=walk.id,
                    details={"from": walk.state, "at": inp.at.isoformat()},
                )
            walk.state = inp.state.value
            if inp.technician_id is not None:
                walk.technician_id = inp.technician_id

    @activity.defn(name=contract.SEND_LOT_WALK_NOTICE.name)
    def send_lot_walk_notice(self, inp: NoticeInput) -> None:
        """Tell the customer the walk is planned (once, keyed ``{workflow_id}:lot-walk-notice``)."""
        with transaction(self._sessions) as session:
            walk = _walk(session, inp.lot_walk_id)
            customer = customers.get(session, walk.customer_id)
            assert customer is not None  # the walk's foreign key
            channel, to = _contact(customer)
            tech = technicians.get(session, walk.technician_id) if walk.technician_id else None
            name = tech.first_name if tech else None
            message = OutboundMessage(
                key=message_key(inp.workflow_id, "lot-walk-notice"),
                channel=channel,
                to_address=to,
                body=NOTICE.render(company=COMPANY, day=walk.walk_date.isoformat(), walker=name),
                subject=f"Lot walk on {walk.walk_date.isoformat()}" if channel == "email" else None,
                purpose="lot-walk-notice",
                work_order_id=walk.visit_work_order_id,
                customer_id=customer.id,
            )
        self._send(message)

    @activity.defn(name=contract.RECORD_FINDINGS.name)
    @permanent_db_errors
    def record_lot_walk_findings(self, inp: RecordFindingsInput) -> RecordFindingsResult:
        """One service request and work order per repair found, in walk order (``repair_position``
        1..N of ``visit_repair_count`` N, ``from_lot_walk``); the visit is done ($0.00). A retry
        returns the work orders already written."""
        with transaction(self._sessions) as session:
            walk = _walk(session, inp.lot_walk_id, lock=True)
            existing = lot_walks.repairs(session, lot_walk_id=walk.id)
            day = max(walk.walk_date, inp.at.date())
            if existing:
                return RecordFindingsResult(
                    work_order_ids=[w.id for w in existing],
                    has_photo=[_has_photo(session, w) for w in existing],
                    scheduled_date=existing[0].scheduled_date,
                )
            customer = customers.get(session, walk.customer_id)
            assert customer is not None
            total = sum(len(u.repairs) for u in inp.findings.units)
            ids: list[str] = []
            photos: list[bool] = []
            position = 0
            for unit in inp.findings.units:
                for what in unit.repairs:
                    position += 1
                    wo_id = repo.next_work_order_id(session, on=day)
                    request = rows.add(
                        session,
                        ServiceRequest(
                            customer_id=customer.id,
                            service_type="repair",
                            description=f"{unit.unit}: {what}",
                            photos=list(unit.photos),
                            priority="normal",
                            status="accepted",
                            scheduled_date=day,
                            requested_by=inp.findings.actor,
                            work_order_id=wo_id,
                        ),
                    )
                    rows.add(
                        session,
                        WorkOrder(
                            id=wo_id,
                            customer_id=customer.id,
                            job_type="repair",
                            status=WorkStatus.REQUESTED.value,
                            scheduled_date=day,
                            service_location=customers.service_location(customer),
                            repair_count=1,
                            from_lot_walk=True,
                            repair_position=position,
                            visit_repair_count=total,
                            lot_walk_id=walk.id,
                            workflow_id=repair_workflow_id(wo_id),
                            service_request_id=request.id,
                            notes=f"{unit.unit} ({len(unit.photos)} photo(s))",
                        ),
                    )
                    ids.append(wo_id)
                    photos.append(bool(unit.photos))
            walk.findings = [unit.model_dump() for unit in inp.findings.units]
            walk.found = total
            visit = repo.get(session, walk.visit_work_order_id or "", lock=True)
            if visit is not None:
                visit.total_amount = Decimal("0.00")
                visit.actual_end_time = inp.at
            audit.record(
                session,
                actor=inp.findings.actor,
                action="lot_walk_findings",
                entity_type="lot_walk",
                entity_id=walk.id,
                details={"repairs": total, "work_order_ids": ids},
            )
            return RecordFindingsResult(work_order_ids=ids, has_photo=photos, scheduled_date=day)

    @activity.defn(name=contract.REQUEST_LOT_WALK_APPROVAL.name)
    def request_lot_walk_approval(self, inp: LotWalkApprovalInput) -> None:
        """Issue the walk's one approval link (once) and send ONE message listing every repair
        that waits for the customer, keyed ``{workflow_id}:lot-walk-approval``."""
        with transaction(self._sessions) as session:
            walk = _walk(session, inp.lot_walk_id, lock=True)
            if walk.approval_nonce is None:
                walk.approval_nonce = new_nonce()
                walk.approval_token_hash = hash_token(
                    derive_token(self._settings.secret_key, walk.approval_nonce)
                )
                walk.approval_expires_at = inp.expires_at
            token = derive_token(self._settings.secret_key, walk.approval_nonce)
            customer = customers.get(session, walk.customer_id)
            assert customer is not None
            channel, to = _contact(customer)
            listed = []
            for wo in lot_walks.repairs(session, lot_walk_id=walk.id):
                if wo.id in inp.work_order_ids:
                    what = (
                        service_requests.get(session, wo.service_request_id)
                        if wo.service_request_id
                        else None
                    )
                    listed.append(
                        {
                            "position": wo.repair_position,
                            "what": what.description if what else wo.id,
                            "amount": wo.estimate_amount,
                        }
                    )
            total = sum((r["amount"] or Decimal("0") for r in listed), Decimal("0.00"))
            body = APPROVAL.render(
                company=COMPANY,
                day=walk.walk_date.isoformat(),
                repairs=listed,
                total=total,
                link=f"{self._settings.public_base_url}/lot-walk-approval/{token}",
                expires=local_time_text(walk.approval_expires_at or inp.expires_at, self._settings.timezone),
            )
            message = OutboundMessage(
                secrets=(token,),
                key=message_key(inp.workflow_id, "lot-walk-approval"),
                channel=channel,
                to_address=to,
                body=body,
                subject=f"Lot walk {walk.walk_date.isoformat()}: {len(listed)} repair(s) to approve"
                if channel == "email"
                else None,
                purpose="lot-walk-approval",
                work_order_id=walk.visit_work_order_id,
                customer_id=customer.id,
            )
        self._send(message)

    @activity.defn(name=contract.CLOSE_LOT_WALK.name)
    @permanent_db_errors
    def close_lot_walk(self, inp: CloseLotWalkInput) -> None:
        """Store the summary (found, auto-approved, approved, declined, completed, amount) and
        close the walk; its approval link stops working."""
        with transaction(self._sessions) as session:
            walk = _walk(session, inp.lot_walk_id, lock=True)
            s = inp.summary
            walk.found, walk.auto_approved, walk.approved = s.found, s.auto_approved, s.approved
            walk.declined, walk.completed, walk.amount = s.declined, s.completed, s.amount
            if walk.state != LotWalkState.NOT_WALKED.value:
                walk.state = LotWalkState.CLOSED.value
            walk.closed_at = walk.closed_at or inp.at
            if walk.approval_nonce is not None and walk.approval_used_at is None:
                walk.approval_expires_at = min(walk.approval_expires_at or inp.at, inp.at)
            audit.record(
                session,
                actor="workflow",
                action="lot_walk_closed",
                entity_type="lot_walk",
                entity_id=walk.id,
                details=s.model_dump(mode="json"),
            )

    def all(self) -> list:
        """The bound activity methods, for worker registration."""
        return [
            self.open_lot_walk,
            self.set_lot_walk_state,
            self.send_lot_walk_notice,
            self.record_lot_walk_findings,
            self.request_lot_walk_approval,
            self.close_lot_walk,
        ]
