"""Invoices, their lines and billed work orders, payments, the invoice number counter and office
tasks. Keyword-only, never commit (the activity or request boundary does).

Locking order, the same everywhere, so two writers never deadlock: the (customer, period) advisory
lock, work orders (by id), the invoice number counter, then the invoice row, then the customer row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, func, select, text, true
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, selectinload

from db.models import (
    Customer,
    Invoice,
    InvoiceLine,
    InvoiceNumberCounter,
    InvoiceWorkOrder,
    OfficeTask,
    Payment,
    WorkOrder,
)
from db.repositories import customers
from domain.access import Scope
from domain.work_status import WorkStatus


def next_invoice_sequence(session: Session, *, year: int) -> int:
    """The next invoice number of ``year`` (1, 2, …): increments the year's counter row, which
    stays locked until the transaction ends, so numbers are gap-free and never reused."""
    return int(
        session.execute(
            insert(InvoiceNumberCounter)
            .values(year=year, last_number=1)
            .on_conflict_do_update(
                index_elements=["year"], set_={"last_number": InvoiceNumberCounter.last_number + 1}
            )
            .returning(InvoiceNumberCounter.last_number)
        ).scalar_one()
    )


def lock_period(session: Session, *, customer_id: int, period_key: str) -> None:
    """Wait for the transaction-scoped advisory lock of (customer, period): two runs issuing the
    same customer's invoice for the same period take turns, and the second finds the first's."""
    session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"invoice:{customer_id}:{period_key}"}
    )


def for_period(session: Session, *, customer_id: int, period_key: str) -> Invoice | None:
    """The customer's invoice for ``period_key``, or None."""
    return session.scalars(
        select(Invoice).where(Invoice.customer_id == customer_id, Invoice.period_key == period_key)
    ).first()


def billed_work_order_ids(session: Session, *, invoice_id: int) -> list[str]:
    """Ids of the work orders an invoice billed, sorted."""
    return sorted(
        session.scalars(
            select(InvoiceWorkOrder.work_order_id).where(InvoiceWorkOrder.invoice_id == invoice_id)
        )
    )


def billable_in_period(session: Session, *, start: date, end: date, timezone: str) -> list[tuple[int, str]]:
    """(customer id, work order id) of completed, uninvoiced work orders that ended on a local day
    (in ``timezone``) within ``[start, end]``, by customer then work order."""
    ended_on = func.date(func.timezone(timezone, WorkOrder.actual_end_time))
    stmt = (
        select(WorkOrder.customer_id, WorkOrder.id)
        .where(
            WorkOrder.status == WorkStatus.COMPLETED.value,
            WorkOrder.invoiced_at.is_(None),
            ended_on >= start,
            ended_on <= end,
            ~select(InvoiceWorkOrder.work_order_id)
            .where(InvoiceWorkOrder.work_order_id == WorkOrder.id)
            .exists(),
        )
        .order_by(WorkOrder.customer_id, WorkOrder.id)
    )
    return [(c, w) for c, w in session.execute(stmt)]


def work_orders_for_billing(session: Session, *, ids: Sequence[str], lock: bool) -> list[WorkOrder]:
    """The work orders with their job costs, by id; ``lock`` takes their row locks in id order."""
    stmt = select(WorkOrder).options(selectinload(WorkOrder.job_costs)).where(WorkOrder.id.in_(sorted(ids)))
    stmt = stmt.order_by(WorkOrder.id)
    if lock:
        stmt = stmt.with_for_update(of=WorkOrder)
    return list(session.scalars(stmt))


def is_billed(session: Session, *, work_order_id: str) -> bool:
    """Whether an invoice already billed the work order."""
    return session.get(InvoiceWorkOrder, work_order_id) is not None


def add_invoice(
    session: Session,
    *,
    invoice: Invoice,
    lines: Sequence[InvoiceLine],
    work_orders: Sequence[WorkOrder],
    at: datetime,
) -> Invoice:
    """Insert ``invoice`` with its lines, record each work order as billed by it (a work order
    already billed raises IntegrityError) and set their ``invoiced_at``; flushes."""
    session.add(invoice)
    session.flush()
    for line in lines:
        line.invoice_id = invoice.id
        session.add(line)
    for wo in work_orders:
        session.add(InvoiceWorkOrder(work_order_id=wo.id, invoice_id=invoice.id))
        wo.invoiced_at = at
    session.flush()
    return invoice


def get(
    session: Session, invoice_id: int, *, lock: bool = False, scope: Scope | None = None
) -> Invoice | None:
    """The invoice with lines and payments, or None (also when outside ``scope``); ``lock`` takes
    its row lock."""
    stmt = select(Invoice).options(selectinload(Invoice.lines), selectinload(Invoice.payments))
    stmt = stmt.where(Invoice.id == invoice_id)
    if scope is not None:
        stmt = stmt.where(in_scope(scope))
    if lock:
        stmt = stmt.with_for_update(of=Invoice)
    return session.scalars(stmt).first()


def in_scope(scope: Scope) -> ColumnElement[bool]:
    """Invoices in ``scope``: those of customers in scope (``customers.in_scope``)."""
    if scope.technician_ids is None:
        return true()
    return Invoice.customer_id.in_(select(Customer.id).where(customers.in_scope(scope)))


def list_stmt(
    *,
    scope: Scope,
    status: str | None = None,
    customer_id: int | None = None,
    period_key: str | None = None,
    overdue_on: date | None = None,
    issued_from: date | None = None,
    issued_to: date | None = None,
) -> Select[Invoice]:
    """Invoices in ``scope``, newest first, filtered by status, customer, period, overdue (a
    balance past its due date on ``overdue_on``) and issue-date range."""
    stmt = select(Invoice).where(in_scope(scope)).order_by(Invoice.issue_date.desc(), Invoice.id.desc())
    if status:
        stmt = stmt.where(Invoice.status == status)
    if customer_id:
        stmt = stmt.where(Invoice.customer_id == customer_id)
    if period_key:
        stmt = stmt.where(Invoice.period_key == period_key)
    if overdue_on:
        stmt = stmt.where(Invoice.balance > 0, Invoice.due_date < overdue_on)
    if issued_from:
        stmt = stmt.where(Invoice.issue_date >= issued_from)
    if issued_to:
        stmt = stmt.where(Invoice.issue_date <= issued_to)
    return stmt


def lines_with_work_orders(session: Session, *, invoice_id: int) -> list[InvoiceLine]:
    """The invoice's lines in order."""
    return list(
        session.scalars(
            select(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id).order_by(InvoiceLine.line_no)
        )
    )


def payment_by_reference(session: Session, *, invoice_id: int, reference: str) -> Payment | None:
    """The invoice's payment with ``reference``, or None."""
    return session.scalars(
        select(Payment).where(Payment.invoice_id == invoice_id, Payment.reference == reference)
    ).first()


def add_payment(session: Session, payment: Payment) -> Payment:
    """Insert the payment and flush (a duplicate reference raises IntegrityError)."""
    session.add(payment)
    session.flush()
    return payment


def overdue_balance(session: Session, *, customer_id: int, today: date) -> Decimal:
    """What the customer owes on invoices past their due date on ``today`` (USD)."""
    return Decimal(
        session.execute(
            select(func.coalesce(func.sum(Invoice.balance), 0)).where(
                Invoice.customer_id == customer_id, Invoice.balance > 0, Invoice.due_date < today
            )
        ).scalar_one()
    )


def lock_customer(session: Session, *, customer_id: int) -> Customer | None:
    """The customer with its row lock, or None."""
    return session.scalars(select(Customer).where(Customer.id == customer_id).with_for_update()).first()


def add_office_task_once(
    session: Session,
    *,
    key: str,
    kind: str,
    title: str,
    detail: str | None,
    customer_id: int | None,
    invoice_id: int | None,
) -> int:
    """Insert the office task ``key`` unless it exists; returns its id either way."""
    session.execute(
        insert(OfficeTask)
        .values(
            key=key, kind=kind, title=title, detail=detail, customer_id=customer_id, invoice_id=invoice_id
        )
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return int(session.execute(select(OfficeTask.id).where(OfficeTask.key == key)).scalar_one())


def office_tasks(session: Session, *, invoice_id: int) -> list[OfficeTask]:
    """The office tasks raised for an invoice, oldest first."""
    return list(
        session.scalars(select(OfficeTask).where(OfficeTask.invoice_id == invoice_id).order_by(OfficeTask.id))
    )
