"""Builders of customer 360 test data straight in the database: a customer with jobs, job costs,
invoices (several jobs per invoice), payments and expenses, sized and randomised by the caller."""

from __future__ import annotations

import itertools
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from db.models import (
    Appliance,
    Customer,
    CustomerTechnicianRating,
    Expense,
    Invoice,
    InvoiceLine,
    InvoiceWorkOrder,
    JobCost,
    Payment,
    Review,
    ServiceFollowUp,
    WorkOrder,
)

_serial = itertools.count(1)
CENT = Decimal("0.01")
STATUSES_OTHER = ("assigned", "declined", "cancelled")


def money(rng: random.Random, low: int, high: int) -> Decimal:
    """A random amount between ``low`` and ``high`` dollars, in cents."""
    return Decimal(rng.randint(low * 100, high * 100)) / 100


@dataclass
class Built:
    """What :func:`build_customer` made."""

    customer_id: int
    completed: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)
    invoice_ids: list[int] = field(default_factory=list)


def new_customer(session: Session, *, tag: str | None = None, **values: object) -> Customer:
    """A plain customer in Austin with unique contact details."""
    tag = tag or uuid.uuid4().hex[:8]
    customer = Customer(
        first_name="C360",
        last_name=tag,
        email=f"c360-{tag}@example.com",
        phone=f"+1512{next(_serial) + 3_000_000:07d}",
        latitude=30.27,
        longitude=-97.74,
        **values,
    )
    session.add(customer)
    session.flush()
    return customer


def add_job(
    session: Session,
    customer: Customer,
    *,
    technician_id: str | None = "T-002",
    status: str = "completed",
    total: Decimal | None = Decimal("120.00"),
    day: date | None = None,
) -> WorkOrder:
    """A job of ``customer`` (no workflow)."""
    wo = WorkOrder(
        id=f"WO-C360-{uuid.uuid4().hex[:10]}",
        customer_id=customer.id,
        technician_id=technician_id,
        job_type="repair",
        status=status,
        scheduled_date=day or date.today() - timedelta(days=3),
        total_amount=total,
        estimate_amount=total,
    )
    session.add(wo)
    session.flush()
    return wo


def add_invoice(
    session: Session, customer: Customer, jobs: list[tuple[WorkOrder, list[Decimal]]], tax_rate: Decimal
) -> Invoice:
    """An invoice of ``customer`` billing each job with the given line amounts."""
    subtotal = sum((a for _, amounts in jobs for a in amounts), Decimal("0.00"))
    tax = (subtotal * tax_rate).quantize(CENT)
    n = next(_serial)
    invoice = Invoice(
        number=f"INV-2001-{n:06d}-{uuid.uuid4().hex[:4]}",
        customer_id=customer.id,
        period_key=f"c360-{n}-{uuid.uuid4().hex[:6]}",
        workflow_id=f"billing-c360-{n}",
        status="open",
        payment_terms="NET_30",
        issue_date=date.today() - timedelta(days=2),
        due_date=date.today() + timedelta(days=28),
        issued_at=datetime.now(UTC),
        subtotal=subtotal,
        tax_rate=tax_rate,
        tax_amount=tax,
        total=subtotal + tax,
        amount_paid=Decimal("0.00"),
        balance=subtotal + tax,
    )
    line_no = itertools.count(1)
    invoice.lines = [
        InvoiceLine(
            line_no=next(line_no),
            work_order_id=wo.id,
            description=f"{wo.id} work",
            quantity=Decimal("1"),
            unit_price=amount,
            amount=amount,
        )
        for wo, amounts in jobs
        for amount in amounts
    ]
    session.add(invoice)
    session.flush()
    for wo, _ in jobs:
        session.add(InvoiceWorkOrder(work_order_id=wo.id, invoice_id=invoice.id))
    session.flush()
    return invoice


def pay(session: Session, invoice: Invoice, amount: Decimal, *, method: str = "CARD") -> Payment:
    """A payment on ``invoice``; the invoice's paid amount, balance and status follow."""
    payment = Payment(
        invoice_id=invoice.id,
        method=method,
        amount=amount,
        reference=f"ref-{next(_serial)}",
        fingerprint="0" * 64,
        allow_credit=True,
        recorded_by="test",
    )
    session.add(payment)
    invoice.amount_paid += amount
    invoice.balance = invoice.total - invoice.amount_paid
    invoice.status = "paid" if invoice.balance <= 0 else "partially_paid"
    session.flush()
    return payment


def build_customer(session: Session, rng: random.Random, *, jobs: int) -> Built:
    """A customer with ``jobs`` completed jobs (random totals and job costs) plus a few jobs in
    other states, invoices over random groups of completed jobs (random tax, several lines per
    job), random payments (partial, full, over: a credit) and random direct and job expenses."""
    customer = new_customer(session)
    built = Built(customer.id)
    completed = []
    for _ in range(jobs):
        wo = add_job(
            session,
            customer,
            total=money(rng, 50, 900),
            technician_id=rng.choice(["T-001", "T-002", "T-006"]),
        )
        completed.append(wo)
        for cost_type in rng.sample(["labor", "materials", "materials"], rng.randint(0, 3)):
            amount = money(rng, 5, 200)
            session.add(
                JobCost(
                    work_order_id=wo.id,
                    cost_type=cost_type,
                    quantity=Decimal("1"),
                    unit="each",
                    unit_cost=amount,
                    total_cost=amount,
                    created_at=datetime.now(UTC),
                )
            )
    built.completed = [wo.id for wo in completed]
    for status in rng.sample(STATUSES_OTHER, rng.randint(0, 2)):
        built.others.append(add_job(session, customer, status=status, total=money(rng, 10, 100)).id)
    unbilled = completed[:]
    rng.shuffle(unbilled)
    while unbilled and (not built.invoice_ids or len(unbilled) > rng.randint(0, 2)):
        size = rng.randint(1, 3)
        group, unbilled = unbilled[:size], unbilled[size:]
        lines = [(wo, [money(rng, 0, 300) for _ in range(rng.randint(1, 3))]) for wo in group]
        invoice = add_invoice(session, customer, lines, rng.choice([Decimal("0"), Decimal("0.0825")]))
        built.invoice_ids.append(invoice.id)
        for _ in range(rng.randint(0, 3)):
            pay(session, invoice, max(money(rng, 1, 400), CENT))
    for _ in range(rng.randint(0, 4)):
        job = rng.choice([None, *completed]) if completed else None
        session.add(
            Expense(
                customer_id=customer.id,
                work_order_id=job.id if job else None,
                category=rng.choice(["disposal", "permit", "other"]),
                amount=money(rng, 1, 250),
                incurred_on=date.today(),
                created_by="test",
            )
        )
    session.flush()
    return built


def add_records(session: Session, customer: Customer, job: WorkOrder, n: int) -> None:
    """``n`` of each 360 record for ``customer`` (appliances, expenses, reviews, ratings,
    follow-ups), the reviews and ratings on ``n`` extra completed jobs."""
    for i in range(n):
        extra = add_job(session, customer)
        session.add(
            Appliance(
                customer_id=customer.id,
                type="grease trap",
                serial_number=f"SN-{uuid.uuid4().hex[:8]}",
                work_order_id=job.id,
            )
        )
        session.add(
            Expense(
                customer_id=customer.id,
                work_order_id=job.id if i % 2 else None,
                category="permit",
                amount=Decimal("10.00") + i,
                incurred_on=date.today(),
                created_by="test",
            )
        )
        session.add(
            Review(
                work_order_id=extra.id,
                customer_id=customer.id,
                technician_id="T-002",
                rating=1 + i % 5,
                source="manual",
            )
        )
        session.add(
            CustomerTechnicianRating(
                customer_id=customer.id, technician_id="T-002", work_order_id=extra.id, rating=1 + i % 5
            )
        )
        session.add(
            ServiceFollowUp(
                customer_id=customer.id, work_order_id=extra.id, reason=f"call back {i}", created_by="test"
            )
        )
        referred = new_customer(session)
        referred.referred_by_id = customer.id
        invoice = add_invoice(session, customer, [(extra, [Decimal("50.00")])], Decimal("0"))
        pay(session, invoice, Decimal("20.00"))
    session.flush()
