"""Billing activities: find billable work, issue invoices, send them, and take dunning steps.

Each is idempotent on a business key: an invoice on (customer, period key) and on each work order
(``invoice_work_orders``); an invoice email on ``invoice-{id}:issued``; a dunning step on
``{workflow_id}:dunning-p{plan}-s{step}`` (outbox message or office task). A dunning step re-reads
the invoice's balance under its row lock inside the claim's transaction and does nothing for a
zero balance, so no reminder is ever claimed after a payment cleared the invoice (the payments API
takes the same row lock).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from jinja2 import Environment, StrictUndefined
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.errors import failure, permanent_db_errors
from activities.messaging import DefiniteFailure, DeliveryUncertain, MessageSender, OutboundMessage
from config import Settings
from db.models import Customer, Invoice, InvoiceLine, WorkOrder
from db.repositories import audit, catalog, customers
from db.repositories import billing as repo
from db.session import transaction
from domain.billing import (
    LineDraft,
    Part,
    due_date,
    invoice_number,
    invoice_status,
    invoice_totals,
    work_order_lines,
)
from domain.contracts.billing import (
    FIND_BILLABLE_WORK,
    ISSUE_INVOICES,
    LOAD_INVOICE_FACTS,
    SEND_INVOICE,
    TAKE_DUNNING_STEP,
    BillableWork,
    BillingFailure,
    CustomerWork,
    DunningStepInput,
    DunningStepResult,
    FindBillableInput,
    InvoiceFacts,
    InvoiceFactsInput,
    IssuedInvoice,
    IssueInvoicesInput,
    IssueInvoicesResult,
    SendInvoiceInput,
    SendInvoiceResult,
)
from domain.contracts.messaging import MessagingFailure
from domain.contracts.shared import CommonFailure
from domain.dunning import DunningChannel
from domain.ids import invoice_message_key, message_key
from domain.work_status import WorkStatus

_templates = Environment(autoescape=False, undefined=StrictUndefined)  # noqa: S701 - plain-text SMS/email
INVOICE_EMAIL = _templates.from_string(
    "Hello {{ name }},\n\nyour invoice {{ number }} from {{ company }} is ready.\n"
    "{% for line in lines %}  - {{ line.description }}: ${{ line.amount }}\n{% endfor %}"
    "Subtotal ${{ subtotal }}, tax ${{ tax }}, total ${{ total }}.\n"
    "Amount due: ${{ balance }} by {{ due }}.\n\n{{ company }}"
)
INVOICE_SMS = _templates.from_string(
    "{{ company }}: invoice {{ number }} for ${{ total }} is due {{ due }}. Amount due: ${{ balance }}."
)
REMINDER_EMAIL = _templates.from_string(
    "Hello {{ name }},\n\n{% if days < 0 %}a reminder that invoice {{ number }} is due on {{ due }}."
    "{% elif days == 0 %}invoice {{ number }} is due today ({{ due }})."
    "{% else %}invoice {{ number }} was due on {{ due }} and is {{ days }} days overdue.{% endif %}\n"
    "Amount due: ${{ balance }}.\nIf you have already paid, thank you, and please ignore this message.\n\n"
    "{{ company }}"
)
REMINDER_SMS = _templates.from_string(
    "{{ company }}: invoice {{ number }}, ${{ balance }} "
    "{% if days <= 0 %}due {{ due }}{% else %}{{ days }} days overdue{% endif %}. "
    "Questions? Reply or call our office."
)


def _issued(invoice: Invoice, work_order_ids: list[str], created: bool) -> IssuedInvoice:
    return IssuedInvoice(
        invoice_id=invoice.id,
        number=invoice.number,
        customer_id=invoice.customer_id,
        work_order_ids=work_order_ids,
        total=invoice.total,
        balance=invoice.balance,
        due_date=invoice.due_date,
        created=created,
    )


def _billable(wo: WorkOrder, session: Session) -> bool:
    return (
        wo.status == WorkStatus.COMPLETED.value
        and wo.invoiced_at is None
        and not repo.is_billed(session, work_order_id=wo.id)
    )


def _contact(customer: Customer, preferred: str) -> tuple[str, str]:
    """(channel, address) on ``preferred`` (email or sms), else the other one; NoContact without either."""
    options = {"email": customer.email, "sms": customer.phone}
    for channel in (preferred, "sms" if preferred == "email" else "email"):
        if options[channel]:
            return channel, str(options[channel])
    raise failure(MessagingFailure.NO_CONTACT, f"customer {customer.id} has no email address or phone number")


class BillingActivities:
    """Database and outbox side of BatchInvoicingWorkflow and DunningWorkflow; ``settings`` gives
    the tax rate, the company name and the local time zone of billing days."""

    def __init__(self, sessions: sessionmaker[Session], sender: MessageSender, settings: Settings) -> None:
        self._sessions = sessions
        self._sender = sender
        self._settings = settings

    def _send(self, message: OutboundMessage, guard=None) -> int | None:
        try:
            if guard is None:
                return self._sender.send_once(message)
            return self._sender.send_once_if(message, guard)
        except DefiniteFailure as err:
            raise failure(MessagingFailure.DEFINITE_FAILURE, str(err)) from err
        except DeliveryUncertain as err:
            raise failure(MessagingFailure.DELIVERY_UNCERTAIN, str(err)) from err
        except ConnectionError as err:  # provider down, 5xx or 429: retried by the call's policy
            raise failure(MessagingFailure.PROVIDER_UNAVAILABLE, str(err)) from err

    # ---- batch invoicing --------------------------------------------------------------------

    @activity.defn(name=FIND_BILLABLE_WORK.name)
    @permanent_db_errors
    def find_billable_work(self, inp: FindBillableInput) -> BillableWork:
        """Completed, uninvoiced work grouped by customer: ended in the period (local days), or the
        selected set, refused as a whole (``NotBillable``) when any of it is not billable."""
        groups: dict[int, list[str]] = {}
        with transaction(self._sessions) as session:
            if inp.work_order_ids:
                found = {
                    wo.id: wo
                    for wo in repo.work_orders_for_billing(session, ids=inp.work_order_ids, lock=False)
                }
                refused = [
                    f"{wid} ({'does not exist' if wid not in found else found[wid].status if found[wid].status != WorkStatus.COMPLETED.value else 'already invoiced'})"
                    for wid in sorted(set(inp.work_order_ids))
                    if wid not in found or not _billable(found[wid], session)
                ]
                if refused:
                    raise failure(
                        BillingFailure.NOT_BILLABLE, "not billable, nothing invoiced: " + ", ".join(refused)
                    )
                for wo in found.values():
                    groups.setdefault(wo.customer_id, []).append(wo.id)
            elif inp.period_start is not None and inp.period_end is not None:
                for customer_id, wid in repo.billable_in_period(
                    session, start=inp.period_start, end=inp.period_end, timezone=self._settings.timezone
                ):
                    groups.setdefault(customer_id, []).append(wid)
        return BillableWork(
            groups=[
                CustomerWork(customer_id=c, work_order_ids=sorted(ids)) for c, ids in sorted(groups.items())
            ]
        )

    @activity.defn(name=ISSUE_INVOICES.name)
    @permanent_db_errors
    def issue_invoices(self, inp: IssueInvoicesInput) -> IssueInvoicesResult:
        """One invoice per group under ``inp.period_key``, all in one transaction: an existing
        invoice of (customer, period key) is returned as it is (``created`` False); work orders
        billed meanwhile are left out, or refuse the whole call (``NotBillable``) when
        ``all_or_nothing``. Sets ``work_orders.invoiced_at``; numbers are gap-free per year."""
        out: list[IssuedInvoice] = []
        now = datetime.now(UTC)
        with transaction(self._sessions) as session:
            for group in inp.groups:
                repo.lock_period(session, customer_id=group.customer_id, period_key=inp.period_key)
                existing = repo.for_period(session, customer_id=group.customer_id, period_key=inp.period_key)
                if existing is not None:
                    out.append(
                        _issued(existing, repo.billed_work_order_ids(session, invoice_id=existing.id), False)
                    )
                    continue
                work = [
                    wo
                    for wo in repo.work_orders_for_billing(session, ids=group.work_order_ids, lock=True)
                    if wo.customer_id == group.customer_id and _billable(wo, session)
                ]
                left_out = sorted(set(group.work_order_ids) - {wo.id for wo in work})
                if left_out and inp.all_or_nothing:
                    raise failure(
                        BillingFailure.NOT_BILLABLE,
                        f"no longer billable, nothing invoiced: {', '.join(left_out)}",
                    )
                if not work:
                    continue
                customer = customers.get(session, group.customer_id)
                if customer is None:
                    raise failure(CommonFailure.NOT_FOUND, f"customer {group.customer_id} not found")
                drafts: list[LineDraft] = []
                for wo in work:
                    entry = catalog.get(session, wo.job_type)
                    drafts += work_order_lines(
                        work_order_id=wo.id,
                        job_name=entry.name if entry else wo.job_type,
                        estimate_lines=wo.estimate_lines or [],
                        parts=[
                            Part(c.description or "part", c.quantity, c.unit_cost)
                            for c in wo.job_costs
                            if c.cost_type == "materials"
                        ],
                        total_amount=wo.total_amount,
                    )
                totals = invoice_totals(drafts, self._settings.tax_rate)
                sequence = repo.next_invoice_sequence(session, year=inp.issue_date.year)
                invoice = repo.add_invoice(
                    session,
                    invoice=Invoice(
                        number=invoice_number(inp.issue_date.year, sequence),
                        customer_id=customer.id,
                        period_key=inp.period_key,
                        period_start=inp.period_start,
                        period_end=inp.period_end,
                        workflow_id=inp.workflow_id,
                        status=invoice_status(totals.total, Decimal("0")).value,
                        payment_terms=customer.payment_terms,
                        issue_date=inp.issue_date,
                        due_date=due_date(inp.issue_date, customer.payment_terms),
                        issued_at=now,
                        subtotal=totals.subtotal,
                        tax_rate=totals.tax_rate,
                        tax_amount=totals.tax,
                        total=totals.total,
                        amount_paid=Decimal("0.00"),
                        balance=totals.total,
                        paid_at=now if totals.total <= 0 else None,
                    ),
                    lines=[
                        InvoiceLine(
                            line_no=n,
                            work_order_id=d.work_order_id,
                            description=d.description[:300],
                            quantity=d.quantity,
                            unit_price=d.unit_price,
                            amount=d.amount,
                        )
                        for n, d in enumerate(drafts, start=1)
                    ],
                    work_orders=work,
                    at=now,
                )
                for wo in work:
                    audit.record(
                        session,
                        actor=f"workflow:{inp.workflow_id}",
                        action="invoiced",
                        entity_id=wo.id,
                        details={"invoice_id": invoice.id, "number": invoice.number},
                    )
                audit.record(
                    session,
                    actor=f"workflow:{inp.workflow_id}",
                    action="invoice_issued",
                    entity_type="invoice",
                    entity_id=str(invoice.id),
                    details={
                        "number": invoice.number,
                        "period_key": inp.period_key,
                        "work_order_ids": [wo.id for wo in work],
                        "total": str(invoice.total),
                    },
                )
                out.append(_issued(invoice, sorted(wo.id for wo in work), True))
        return IssueInvoicesResult(invoices=out)

    @activity.defn(name=SEND_INVOICE.name)
    @permanent_db_errors
    def send_invoice(self, inp: SendInvoiceInput) -> SendInvoiceResult:
        """Email the invoice (text without an email address) once per invoice; ``NoContact``
        when the customer has neither."""
        with transaction(self._sessions) as session:
            invoice = repo.get(session, inp.invoice_id)
            if invoice is None:
                raise failure(CommonFailure.NOT_FOUND, f"invoice {inp.invoice_id} not found")
            customer = customers.get(session, invoice.customer_id)
            if customer is None:
                raise failure(CommonFailure.NOT_FOUND, f"customer {invoice.customer_id} not found")
            channel, to = _contact(customer, "email")
            context = {
                "name": customer.first_name,
                "company": self._settings.company_name,
                "number": invoice.number,
                "lines": invoice.lines,
                "subtotal": invoice.subtotal,
                "tax": invoice.tax_amount,
                "total": invoice.total,
                "balance": invoice.balance,
                "due": invoice.due_date.isoformat(),
            }
            message = OutboundMessage(
                key=invoice_message_key(invoice.id, "issued"),
                channel=channel,
                to_address=to,
                body=(INVOICE_EMAIL if channel == "email" else INVOICE_SMS).render(**context),
                subject=f"Invoice {invoice.number} from {self._settings.company_name}"
                if channel == "email"
                else None,
                purpose="invoice-issued",
                customer_id=customer.id,
            )
        message_id = self._send(message)
        assert message_id is not None  # an unguarded send always has a row
        return SendInvoiceResult(channel=channel, message_id=message_id)

    # ---- dunning ----------------------------------------------------------------------------

    @activity.defn(name=LOAD_INVOICE_FACTS.name)
    @permanent_db_errors
    def load_invoice_facts(self, inp: InvoiceFactsInput) -> InvoiceFacts:
        """The invoice's customer, number, dates and current balance."""
        with transaction(self._sessions) as session:
            invoice = repo.get(session, inp.invoice_id)
            if invoice is None:
                raise failure(CommonFailure.NOT_FOUND, f"invoice {inp.invoice_id} not found")
            return InvoiceFacts(
                invoice_id=invoice.id,
                customer_id=invoice.customer_id,
                number=invoice.number,
                issue_date=invoice.issue_date,
                due_date=invoice.due_date,
                balance=invoice.balance,
            )

    @activity.defn(name=TAKE_DUNNING_STEP.name)
    @permanent_db_errors
    def take_dunning_step(self, inp: DunningStepInput) -> DunningStepResult:
        """Send the reminder, raise the office task or put the customer on credit hold, once per
        (workflow, plan, step); nothing at all when the balance, re-read under the invoice's row
        lock inside the claim, is zero (``done`` False)."""
        key = message_key(inp.workflow_id, f"dunning-p{inp.plan_version}-s{inp.index}")
        balance = [Decimal("0.00")]

        def still_owed(session: Session) -> bool:
            invoice = repo.get(session, inp.invoice_id, lock=True)
            if invoice is None:
                raise failure(CommonFailure.NOT_FOUND, f"invoice {inp.invoice_id} not found")
            balance[0] = invoice.balance
            return invoice.balance > 0

        channel = DunningChannel(inp.channel)
        if channel in (DunningChannel.EMAIL, DunningChannel.SMS):
            message = self._reminder(inp, key)
            sent = self._send(message, still_owed)
            return DunningStepResult(done=sent is not None, balance=balance[0], record_id=sent)
        with transaction(self._sessions) as session:
            if not still_owed(session):
                return DunningStepResult(done=False, balance=balance[0])
            invoice = repo.get(session, inp.invoice_id)
            assert invoice is not None  # still_owed found it under lock
            customer = repo.lock_customer(session, customer_id=invoice.customer_id)
            if customer is None:
                raise failure(CommonFailure.NOT_FOUND, f"customer {invoice.customer_id} not found")
            days = f"{inp.offset_days} days overdue" if inp.offset_days > 0 else f"due {invoice.due_date}"
            if channel is DunningChannel.OFFICE_TASK:
                task_id = repo.add_office_task_once(
                    session,
                    key=key,
                    kind="dunning_call",
                    title=f"Call {customer.display_name} about invoice {invoice.number}"[:200],
                    detail=f"${invoice.balance} {days}; reminders by email and SMS went unanswered.",
                    customer_id=customer.id,
                    invoice_id=invoice.id,
                )
                return DunningStepResult(done=True, balance=invoice.balance, record_id=task_id)
            if not customer.credit_hold:
                customer.credit_hold = True
                audit.record(
                    session,
                    actor=f"workflow:{inp.workflow_id}",
                    action="credit_hold_on",
                    entity_type="customer",
                    entity_id=str(customer.id),
                    details={
                        "invoice_id": invoice.id,
                        "number": invoice.number,
                        "balance": str(invoice.balance),
                    },
                )
            task_id = repo.add_office_task_once(
                session,
                key=key,
                kind="credit_hold",
                title=f"{customer.display_name} is on credit hold (invoice {invoice.number})"[:200],
                detail=(
                    f"${invoice.balance} {days}. No repair of this customer is auto-approved until the "
                    "overdue balance is paid; recording the payment lifts the hold."
                ),
                customer_id=customer.id,
                invoice_id=invoice.id,
            )
            return DunningStepResult(done=True, balance=invoice.balance, record_id=task_id)

    def _reminder(self, inp: DunningStepInput, key: str) -> OutboundMessage:
        with transaction(self._sessions) as session:
            invoice = repo.get(session, inp.invoice_id)
            if invoice is None:
                raise failure(CommonFailure.NOT_FOUND, f"invoice {inp.invoice_id} not found")
            customer = customers.get(session, invoice.customer_id)
            if customer is None:
                raise failure(CommonFailure.NOT_FOUND, f"customer {invoice.customer_id} not found")
            channel, to = _contact(customer, inp.channel)
            context = {
                "name": customer.first_name,
                "company": self._settings.company_name,
                "number": invoice.number,
                "due": invoice.due_date.isoformat(),
                "days": inp.offset_days,
                "balance": invoice.balance,
            }
            return OutboundMessage(
                key=key,
                channel=channel,
                to_address=to,
                body=(REMINDER_EMAIL if channel == "email" else REMINDER_SMS).render(**context),
                subject=f"Payment reminder: invoice {invoice.number}" if channel == "email" else None,
                purpose=f"dunning-reminder-{inp.index + 1}",
                customer_id=customer.id,
            )

    def all(self) -> list:
        """The bound activity methods, for worker registration."""
        return [
            self.find_billable_work,
            self.issue_invoices,
            self.send_invoice,
            self.load_invoice_facts,
            self.take_dunning_step,
        ]
