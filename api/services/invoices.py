"""Invoice service: list and read invoices in the caller's scope, render their PDF, record
payments, and start billing cycles.

A payment is recorded first (under the invoice's row lock, the same lock a dunning step takes
to re-read the balance), committed, and only then signalled to ``dunning-{invoice_id}`` as
``payment_received``; a signal that cannot be delivered is reported, never a reason to undo the
payment (the dunning step re-reads the balance anyway). Recording is idempotent on the payment's
reference: the same reference with the same body returns the first payment (and signals again),
with another body it is a 409.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy.orm import Session
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Staff
from api.errors import Conflict, NotFound, Problem
from api.schemas.invoices import (
    BatchCreate,
    BatchStarted,
    DunningOut,
    InvoiceDetail,
    InvoiceOut,
    PaymentCreate,
    PaymentOut,
    PaymentRecorded,
)
from api.services.invoice_pdf import Issuer, render_invoice_pdf
from config import Settings
from db.models import Invoice, Payment
from db.repositories import audit, customers
from db.repositories import billing as repo
from domain.access import Scope
from domain.billing import PaymentMethod, invoice_status, period_for, selection_key
from domain.contracts.billing import (
    DUNNING_STATUS_QUERY,
    PAYMENT_RECEIVED_SIGNAL,
    BatchInvoicingInput,
    DunningStatus,
    PaymentReceived,
)
from domain.ids import BATCH_INVOICING_WORKFLOW, TASK_QUEUE, billing_workflow_id, dunning_workflow_id
from domain.schedule import local_today

log = logging.getLogger(__name__)


def invoice_out(invoice: Invoice) -> InvoiceOut:
    """The list shape of an invoice."""
    out = InvoiceOut.model_validate(invoice)
    return out.model_copy(update={"dunning_workflow_id": dunning_workflow_id(invoice.id)})


def detail(session: Session, *, invoice_id: int, scope: Scope) -> InvoiceDetail:
    """One invoice in ``scope`` with lines, billed work orders and payments; 404 otherwise."""
    invoice = repo.get(session, invoice_id, scope=scope)
    if invoice is None:
        raise NotFound(f"invoice {invoice_id} does not exist")
    return InvoiceDetail(
        **invoice_out(invoice).model_dump(),
        work_order_ids=repo.billed_work_order_ids(session, invoice_id=invoice.id),
        lines=invoice.lines,
        payments=invoice.payments,
    )


def pdf(session: Session, *, invoice_id: int, scope: Scope, settings: Settings) -> tuple[str, bytes]:
    """(file name, PDF bytes) of an invoice in ``scope``, as it stands now; 404 otherwise."""
    invoice = repo.get(session, invoice_id, scope=scope)
    if invoice is None:
        raise NotFound(f"invoice {invoice_id} does not exist")
    customer = customers.get(session, invoice.customer_id)
    if customer is None:
        raise NotFound(f"customer {invoice.customer_id} of invoice {invoice_id} does not exist")
    issuer = Issuer(settings.company_name, settings.company_address)
    return f"{invoice.number}.pdf", render_invoice_pdf(invoice, customer, issuer)


def _fingerprint(body: PaymentCreate) -> str:
    canonical = f"{body.method}|{body.amount.normalize():f}|{body.allow_credit}"
    return hashlib.sha256(canonical.encode()).hexdigest()


def record_payment(
    session: Session, *, invoice_id: int, body: PaymentCreate, staff: Staff, settings: Settings
) -> PaymentRecorded:
    """Record the payment (not committed: the router commits, then signals). 404 for an unknown
    invoice, 422 for an amount of zero, 409 for a reference used with another body or an amount
    over the balance without ``allow_credit``. Lifts the customer's credit hold when nothing is
    overdue any more."""
    invoice = repo.get(session, invoice_id, lock=True)
    if invoice is None:
        raise NotFound(f"invoice {invoice_id} does not exist")
    fingerprint = _fingerprint(body)
    existing = repo.payment_by_reference(session, invoice_id=invoice.id, reference=body.reference)
    if existing is not None:
        if existing.fingerprint != fingerprint:
            raise Conflict(
                f"reference {body.reference!r} was already recorded on invoice {invoice.number} "
                f"for another payment ({existing.method} {existing.amount})"
            )
        return PaymentRecorded(
            payment=PaymentOut.model_validate(existing),
            invoice=invoice_out(invoice),
            replayed=True,
            credit_hold_lifted=False,
            dunning_signalled=False,
        )
    if body.amount <= 0:
        raise Problem(422, "a payment must be more than zero")
    if body.amount > invoice.balance and not body.allow_credit:
        raise Conflict(
            f"payment {body.amount} exceeds the balance {invoice.balance} of invoice {invoice.number}; "
            "send allow_credit: true to keep the rest as the customer's credit"
        )
    now = datetime.now(UTC)
    payment = repo.add_payment(
        session,
        Payment(
            invoice_id=invoice.id,
            method=PaymentMethod(body.method).value,
            amount=body.amount,
            reference=body.reference,
            fingerprint=fingerprint,
            allow_credit=body.allow_credit,
            recorded_by=staff.actor,
            received_at=now,
        ),
    )
    invoice.amount_paid += body.amount
    invoice.balance = invoice.total - invoice.amount_paid
    invoice.status = invoice_status(invoice.total, invoice.amount_paid).value
    if invoice.balance <= 0 and invoice.paid_at is None:
        invoice.paid_at = now
    audit.record(
        session,
        actor=staff.actor,
        action="payment_recorded",
        entity_type="invoice",
        entity_id=str(invoice.id),
        details={
            "payment_id": payment.id,
            "method": PaymentMethod(body.method).value,
            "amount": str(body.amount),
            "reference": body.reference,
            "balance": str(invoice.balance),
        },
    )
    lifted = False
    customer = repo.lock_customer(session, customer_id=invoice.customer_id)
    today = local_today(now, settings.timezone)
    if customer is not None and customer.credit_hold:
        if repo.overdue_balance(session, customer_id=customer.id, today=today) <= 0:
            customer.credit_hold = False
            lifted = True
            audit.record(
                session,
                actor=staff.actor,
                action="credit_hold_off",
                entity_type="customer",
                entity_id=str(customer.id),
                details={"after_payment_id": payment.id, "invoice_id": invoice.id},
            )
    return PaymentRecorded(
        payment=PaymentOut.model_validate(payment),
        invoice=invoice_out(invoice),
        replayed=False,
        credit_hold_lifted=lifted,
        dunning_signalled=False,
    )


async def signal_payment(client: Client, recorded: PaymentRecorded) -> PaymentRecorded:
    """Tell ``dunning-{invoice_id}`` about a committed payment; an invoice without a running
    dunning (paid at issue, or dunning over) needs no signal. Never raises."""
    invoice = recorded.invoice
    try:
        await client.get_workflow_handle(dunning_workflow_id(invoice.id)).signal(
            PAYMENT_RECEIVED_SIGNAL,
            PaymentReceived(
                payment_id=recorded.payment.id, amount=recorded.payment.amount, balance=invoice.balance
            ),
        )
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            log.warning(
                "payment %s recorded; dunning of invoice %s not told: %s",
                recorded.payment.id,
                invoice.id,
                err,
            )
            return recorded
    return recorded.model_copy(update={"dunning_signalled": True})


def check_selection(session: Session, *, work_order_ids: list[str]) -> None:
    """409 unless every selected work order exists, is completed and is not invoiced."""
    found = {wo.id: wo for wo in repo.work_orders_for_billing(session, ids=work_order_ids, lock=False)}
    refused = []
    for wid in sorted(set(work_order_ids)):
        wo = found.get(wid)
        if wo is None:
            refused.append(f"{wid} (does not exist)")
        elif wo.status != "completed":
            refused.append(f"{wid} ({wo.status})")
        elif wo.invoiced_at is not None or repo.is_billed(session, work_order_id=wid):
            refused.append(f"{wid} (already invoiced)")
    if refused:
        raise Conflict("not billable, nothing started: " + ", ".join(refused))


async def start_batch(
    session: Session, *, client: Client, body: BatchCreate, staff: Staff, settings: Settings
) -> BatchStarted:
    """Start ``billing-{period_key}`` (a second start of the same period or selection while it
    runs answers with the running one; a later one finds the invoices already issued)."""
    if body.work_order_ids:
        check_selection(session, work_order_ids=body.work_order_ids)
        key, mode = selection_key(body.work_order_ids), "selection"
    else:
        assert body.period_start is not None and body.period_end is not None  # checked by BatchCreate
        key, mode = period_for(body.period_start, body.period_end).key, "period"
    session.commit()  # hand the connection back before waiting on Temporal
    workflow_id = billing_workflow_id(key)
    await client.start_workflow(
        BATCH_INVOICING_WORKFLOW,
        BatchInvoicingInput(
            period_start=body.period_start,
            period_end=body.period_end,
            work_order_ids=sorted(set(body.work_order_ids)),
            cycle=settings.billing_cycle,
            requested_by=staff.actor,
            dunning_offsets_days=settings.dunning_offsets_days,
            dunning_channels=list(settings.dunning_channels),
            dunning_day_seconds=settings.dunning_day_seconds,
        ),
        id=workflow_id,
        task_queue=TASK_QUEUE,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        static_summary=f"Billing cycle {key} started by {staff.actor}",
    )
    return BatchStarted(workflow_id=workflow_id, period_key=key, mode=mode)


async def dunning(client: Client, *, invoice_id: int) -> DunningOut:
    """The live state of ``dunning-{invoice_id}`` (``running`` False and no status when it never
    ran); 503 when Temporal cannot answer."""
    workflow_id = dunning_workflow_id(invoice_id)
    handle = client.get_workflow_handle(workflow_id)
    try:
        described = await handle.describe()
        status = await handle.query(DUNNING_STATUS_QUERY, result_type=DunningStatus)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return DunningOut(workflow_id=workflow_id, running=False)
        raise
    return DunningOut(
        workflow_id=workflow_id, running=described.status == WorkflowExecutionStatus.RUNNING, status=status
    )


async def signal_dunning(
    session: Session, client: Client, *, invoice_id: int, staff: Staff, name: str, payload: BaseModel
) -> DunningOut:
    """Send ``name`` (dispute, resolve_dispute, payment_plan) to the invoice's running dunning,
    audited; 404 for an unknown invoice, 409 when no dunning runs (paid, or its cadence is over)."""
    invoice = repo.get(session, invoice_id)
    if invoice is None:
        raise NotFound(f"invoice {invoice_id} does not exist")
    number, balance = invoice.number, invoice.balance
    session.commit()  # hand the connection back before waiting on Temporal
    current = await dunning(client, invoice_id=invoice_id)
    if not current.running:
        raise Conflict(f"invoice {number} has no dunning running (balance {balance})")
    await client.get_workflow_handle(current.workflow_id).signal(name, payload)
    audit.record(
        session,
        actor=staff.actor,
        action=f"dunning_{name}",
        entity_type="invoice",
        entity_id=str(invoice_id),
        details=payload.model_dump(mode="json"),
    )
    return current.model_copy(update={"signalled": name})
