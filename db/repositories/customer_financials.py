"""The sums behind the financials of jobs and customers (``domain.customer360`` rules 1-6).

Each function is one statement whatever the number of rows, so a customer 360 answer costs the
same few queries for a customer with 3 jobs or 3,000. The rules themselves (the allocation of
invoice payments to jobs, net, margin) are applied in ``domain.customer360``; these functions only
add up rows. Amounts are Decimal USD, zero when there is nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from db.models import Customer, Expense, Invoice, InvoiceLine, JobCost, Payment, WorkOrder
from domain.customer360 import InvoiceShare
from domain.work_status import WorkStatus

_ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class JobMoney:
    """One work order with its value (``total_amount`` when completed, else zero), its own
    expenses and its job costs."""

    work_order_id: str
    customer_id: int
    status: str
    scheduled_date: date
    technician_id: str | None
    job_type: str
    value: Decimal
    job_expenses: Decimal
    job_costs: Decimal


@dataclass(frozen=True, slots=True)
class CustomerMoney:
    """A customer's sums: payments on its invoices, direct and job expenses, job costs, the value
    of its completed work, what its invoices total and their positive balances."""

    customer_id: int
    payments: Decimal
    direct_expenses: Decimal
    job_expenses: Decimal
    job_costs: Decimal
    lifetime_value: Decimal
    invoiced: Decimal
    outstanding_balance: Decimal


def _sum(column: ColumnElement[Decimal]) -> ColumnElement[Decimal]:
    return func.coalesce(func.sum(column), _ZERO)


def jobs(
    session: Session, *, customer_id: int | None = None, work_order_ids: Sequence[str] | None = None
) -> list[JobMoney]:
    """The jobs of ``customer_id`` (or the given ``work_order_ids``), newest first, with their value,
    expenses and job costs (one statement)."""
    expenses = (
        select(Expense.work_order_id, func.sum(Expense.amount).label("amount"))
        .where(Expense.work_order_id.is_not(None))
        .group_by(Expense.work_order_id)
        .subquery()
    )
    costs = (
        select(JobCost.work_order_id, func.sum(JobCost.total_cost).label("amount"))
        .group_by(JobCost.work_order_id)
        .subquery()
    )
    value = case(
        (WorkOrder.status == WorkStatus.COMPLETED.value, func.coalesce(WorkOrder.total_amount, _ZERO)),
        else_=_ZERO,
    )
    stmt = (
        select(
            WorkOrder.id,
            WorkOrder.customer_id,
            WorkOrder.status,
            WorkOrder.scheduled_date,
            WorkOrder.technician_id,
            WorkOrder.job_type,
            value.label("value"),
            func.coalesce(expenses.c.amount, _ZERO).label("job_expenses"),
            func.coalesce(costs.c.amount, _ZERO).label("job_costs"),
        )
        .outerjoin(expenses, expenses.c.work_order_id == WorkOrder.id)
        .outerjoin(costs, costs.c.work_order_id == WorkOrder.id)
        .order_by(WorkOrder.scheduled_date.desc(), WorkOrder.id.desc())
    )
    if customer_id is not None:
        stmt = stmt.where(WorkOrder.customer_id == customer_id)
    if work_order_ids is not None:
        stmt = stmt.where(WorkOrder.id.in_(list(work_order_ids)))
    return [JobMoney(*row) for row in session.execute(stmt)]


def invoice_shares(
    session: Session, *, customer_id: int | None = None, work_order_ids: Sequence[str] | None = None
) -> dict[str, list[InvoiceShare]]:
    """Per work order (of ``customer_id``, or the given ids): what each invoice billed of it, with
    that invoice's subtotal, total, payments and balance (one statement)."""
    lines = (
        select(
            InvoiceLine.invoice_id,
            InvoiceLine.work_order_id,
            func.sum(InvoiceLine.amount).label("amount"),
        )
        .group_by(InvoiceLine.invoice_id, InvoiceLine.work_order_id)
        .subquery()
    )
    paid = (
        select(Payment.invoice_id, func.sum(Payment.amount).label("paid"))
        .group_by(Payment.invoice_id)
        .subquery()
    )
    stmt = (
        select(
            lines.c.work_order_id,
            Invoice.id,
            lines.c.amount,
            Invoice.subtotal,
            Invoice.total,
            func.coalesce(paid.c.paid, _ZERO),
            Invoice.balance,
        )
        .join(Invoice, Invoice.id == lines.c.invoice_id)
        .outerjoin(paid, paid.c.invoice_id == Invoice.id)
        .order_by(lines.c.work_order_id, Invoice.id)
    )
    if customer_id is not None:
        stmt = stmt.where(Invoice.customer_id == customer_id)
    if work_order_ids is not None:
        stmt = stmt.where(lines.c.work_order_id.in_(list(work_order_ids)))
    shares: dict[str, list[InvoiceShare]] = {}
    for work_order_id, invoice_id, amount, subtotal, total, paid_amount, balance in session.execute(stmt):
        shares.setdefault(work_order_id, []).append(
            InvoiceShare(invoice_id, amount, subtotal, total, paid_amount, balance)
        )
    return shares


def customers(session: Session, *, customer_ids: Sequence[int]) -> dict[int, CustomerMoney]:
    """The sums of each existing customer in ``customer_ids`` (one statement; a customer without
    any payment, expense or job gets zeros)."""
    ids = sorted(set(customer_ids))
    if not ids:
        return {}

    payments = (
        select(Invoice.customer_id.label("customer_id"), _sum(Payment.amount).label("amount"))
        .join(Payment, Payment.invoice_id == Invoice.id)
        .where(Invoice.customer_id.in_(ids))
        .group_by(Invoice.customer_id)
        .subquery()
    )
    invoices = (
        select(
            Invoice.customer_id.label("customer_id"),
            _sum(Invoice.total).label("invoiced"),
            _sum(func.greatest(Invoice.balance, 0)).label("outstanding"),
        )
        .where(Invoice.customer_id.in_(ids))
        .group_by(Invoice.customer_id)
        .subquery()
    )
    direct = (
        select(Expense.customer_id.label("customer_id"), _sum(Expense.amount).label("amount"))
        .where(Expense.customer_id.in_(ids), Expense.work_order_id.is_(None))
        .group_by(Expense.customer_id)
        .subquery()
    )
    job_expenses = (
        select(WorkOrder.customer_id.label("customer_id"), _sum(Expense.amount).label("amount"))
        .join(Expense, Expense.work_order_id == WorkOrder.id)
        .where(WorkOrder.customer_id.in_(ids))
        .group_by(WorkOrder.customer_id)
        .subquery()
    )
    costs = (
        select(WorkOrder.customer_id.label("customer_id"), _sum(JobCost.total_cost).label("amount"))
        .join(JobCost, JobCost.work_order_id == WorkOrder.id)
        .where(WorkOrder.customer_id.in_(ids))
        .group_by(WorkOrder.customer_id)
        .subquery()
    )
    value = (
        select(WorkOrder.customer_id.label("customer_id"), _sum(WorkOrder.total_amount).label("amount"))
        .where(WorkOrder.customer_id.in_(ids), WorkOrder.status == WorkStatus.COMPLETED.value)
        .group_by(WorkOrder.customer_id)
        .subquery()
    )
    key = select(Customer.id.label("customer_id")).where(Customer.id.in_(ids)).subquery()
    stmt = (
        select(
            key.c.customer_id,
            func.coalesce(payments.c.amount, _ZERO),
            func.coalesce(direct.c.amount, _ZERO),
            func.coalesce(job_expenses.c.amount, _ZERO),
            func.coalesce(costs.c.amount, _ZERO),
            func.coalesce(value.c.amount, _ZERO),
            func.coalesce(invoices.c.invoiced, _ZERO),
            func.coalesce(invoices.c.outstanding, _ZERO),
        )
        .select_from(key)
        .outerjoin(payments, payments.c.customer_id == key.c.customer_id)
        .outerjoin(direct, direct.c.customer_id == key.c.customer_id)
        .outerjoin(job_expenses, job_expenses.c.customer_id == key.c.customer_id)
        .outerjoin(costs, costs.c.customer_id == key.c.customer_id)
        .outerjoin(value, value.c.customer_id == key.c.customer_id)
        .outerjoin(invoices, invoices.c.customer_id == key.c.customer_id)
    )
    return {row[0]: CustomerMoney(*row) for row in session.execute(stmt)}
