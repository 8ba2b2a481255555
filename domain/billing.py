"""Invoicing and payment rules: invoice lines, totals, numbers, due dates, periods and balances.

Rules (seed 003 Priority 3 "invoicing, payment workflows"; seed 004 Phase 1 "payments with method";
seed 001 2.2 "completed → invoiced"), applied in this order:
1. Lines per work order: each approved estimate line once (quantity 1), then each part used
   (``job_costs`` of type ``materials``: quantity * unit cost). Labor is a job cost, not billed
   (the estimate prices the visit; see ``activities/repair.py``). A work order without estimate
   lines (history imported from the seed) is billed as one line of its total less its parts.
2. Each line amount is rounded half-up to cents; the subtotal is the sum of the lines.
3. Tax: ``subtotal * tax_rate``, rounded half-up to cents once on the subtotal (not per line).
4. Total = subtotal + tax. Balance = total - payments. Status: ``open`` (nothing paid),
   ``partially_paid``, ``paid`` (balance ≤ 0).
5. Due date from the customer's payment terms: ``NET_30`` issue + 30 days, ``NET_60`` issue + 60
   days, ``PREPAID`` due on the issue date.
6. Numbers are gap-free per calendar year of issue: ``INV-2026-000123`` (the counter row is
   locked in the transaction that writes the invoice, so a rolled-back invoice frees its number).
7. A payment is positive and never exceeds the balance unless the caller allows a credit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class BillingError(ValueError):
    """Raised for impossible billing input (unknown terms, negative amounts, bad periods)."""


class PaymentTerms(StrEnum):
    """``customers.payment_terms`` values."""

    NET_30 = "NET_30"
    NET_60 = "NET_60"
    PREPAID = "PREPAID"


class BillingCycle(StrEnum):
    """How often the scheduled batch invoicing runs (``Settings.billing_cycle``)."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class InvoiceStatus(StrEnum):
    """``invoices.status`` values."""

    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"


class PaymentMethod(StrEnum):
    """How a payment arrived (seed 004 Phase 1)."""

    CASH = "CASH"
    CARD = "CARD"
    TRANSFER = "TRANSFER"
    CHECK = "CHECK"


#: Days from issue to due date per payment terms (rule 5).
TERMS_DAYS: dict[PaymentTerms, int] = {
    PaymentTerms.NET_30: 30,
    PaymentTerms.NET_60: 60,
    PaymentTerms.PREPAID: 0,
}


def cents(amount: Decimal) -> Decimal:
    """``amount`` rounded half-up to cents."""
    return amount.quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Part:
    """A part used on a work order: ``quantity`` of ``unit`` at ``unit_cost`` USD each."""

    description: str
    quantity: Decimal
    unit_cost: Decimal


@dataclass(frozen=True, slots=True)
class LineDraft:
    """One invoice line of a work order; ``amount`` = quantity * unit_price in USD (rule 2)."""

    work_order_id: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Totals:
    """Subtotal, tax and total of an invoice in USD; ``tax_rate`` as a fraction (0.0825)."""

    subtotal: Decimal
    tax_rate: Decimal
    tax: Decimal
    total: Decimal


def work_order_lines(
    *,
    work_order_id: str,
    job_name: str,
    estimate_lines: Sequence[dict[str, str]],
    parts: Sequence[Part],
    total_amount: Decimal | None,
) -> list[LineDraft]:
    """The invoice lines of one completed work order (rule 1).

    ``estimate_lines`` are ``work_orders.estimate_lines`` (``{"description", "amount"}``, amounts
    as decimal strings); ``total_amount`` is used only without estimate lines. Raises
    BillingError for a negative quantity.
    """
    lines: list[LineDraft] = []
    for item in estimate_lines:
        amount = cents(Decimal(str(item["amount"])))
        lines.append(
            LineDraft(work_order_id, f"{work_order_id} {item['description']}", Decimal("1"), amount, amount)
        )
    parts_total = ZERO
    part_lines: list[LineDraft] = []
    for part in parts:
        if part.quantity < 0:
            raise BillingError(f"part quantity must not be negative, got {part.quantity}")
        amount = cents(part.quantity * part.unit_cost)
        parts_total += amount
        part_lines.append(
            LineDraft(
                work_order_id,
                f"{work_order_id} part: {part.description}",
                part.quantity,
                part.unit_cost,
                amount,
            )
        )
    if not lines:
        service = cents((total_amount or ZERO) - parts_total)
        lines.append(LineDraft(work_order_id, f"{work_order_id} {job_name}", Decimal("1"), service, service))
    return lines + part_lines


def invoice_totals(lines: Iterable[LineDraft], tax_rate: Decimal) -> Totals:
    """Subtotal, tax and total of ``lines`` (rules 2 to 4). Raises BillingError for a negative rate."""
    if tax_rate < 0:
        raise BillingError(f"tax rate must not be negative, got {tax_rate}")
    subtotal = cents(sum((line.amount for line in lines), ZERO))
    tax = cents(subtotal * tax_rate)
    return Totals(subtotal=subtotal, tax_rate=tax_rate, tax=tax, total=subtotal + tax)


def due_date(issue_date: date, terms: str) -> date:
    """The due date for ``terms`` (rule 5); raises BillingError for unknown terms."""
    try:
        return issue_date + timedelta(days=TERMS_DAYS[PaymentTerms(terms)])
    except ValueError:
        raise BillingError(
            f"unknown payment terms {terms!r}; expected one of {[t.value for t in PaymentTerms]}"
        ) from None


def invoice_number(year: int, sequence: int) -> str:
    """``INV-{year}-{sequence:06d}`` (rule 6); raises BillingError for a sequence below 1."""
    if sequence < 1:
        raise BillingError(f"invoice sequence must be 1 or more, got {sequence}")
    return f"INV-{year}-{sequence:06d}"


def invoice_status(total: Decimal, paid: Decimal) -> InvoiceStatus:
    """Status of an invoice of ``total`` with ``paid`` received so far (rule 4)."""
    if paid <= 0 and total > 0:
        return InvoiceStatus.OPEN
    if total - paid > 0:
        return InvoiceStatus.PARTIALLY_PAID
    return InvoiceStatus.PAID


def check_payment(*, balance: Decimal, amount: Decimal, allow_credit: bool) -> None:
    """Rule 7: raise BillingError unless ``amount`` > 0 and (≤ ``balance`` or ``allow_credit``)."""
    if amount <= 0:
        raise BillingError(f"a payment must be positive, got {amount}")
    if cents(amount) != amount:
        raise BillingError(f"a payment is in whole cents, got {amount}")
    if amount > balance and not allow_credit:
        raise BillingError(
            f"payment {amount} exceeds the balance {balance}; send allow_credit: true to keep the rest as credit"
        )


@dataclass(frozen=True, slots=True)
class Period:
    """A billing period ``[start, end]`` (both days included) and its key (``2026-11``,
    ``2026-W47``, ``2026-11-24``, or ``2026-11-01..2026-11-15`` for an arbitrary range)."""

    start: date
    end: date
    key: str


def period_for(start: date, end: date) -> Period:
    """The period ``[start, end]`` with its canonical key; raises BillingError when end < start."""
    if end < start:
        raise BillingError(f"period end {end} is before its start {start}")
    if start == end:
        return Period(start, end, start.isoformat())
    next_month = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    if start.day == 1 and end == next_month - timedelta(days=1):
        return Period(start, end, f"{start:%Y-%m}")
    iso = start.isocalendar()
    if start.weekday() == 0 and end == start + timedelta(days=6):
        return Period(start, end, f"{iso.year}-W{iso.week:02d}")
    return Period(start, end, f"{start.isoformat()}..{end.isoformat()}")


def last_closed_period(cycle: BillingCycle | str, today: date) -> Period:
    """The most recent complete period of ``cycle`` before ``today`` (a run on 1 December bills
    November; a weekly run on a Monday bills the week before; a daily run bills yesterday)."""
    cycle = BillingCycle(cycle)
    if cycle is BillingCycle.DAILY:
        day = today - timedelta(days=1)
        return period_for(day, day)
    if cycle is BillingCycle.WEEKLY:
        monday = today - timedelta(days=today.weekday() + 7)
        return period_for(monday, monday + timedelta(days=6))
    end = today.replace(day=1) - timedelta(days=1)
    return period_for(end.replace(day=1), end)


def selection_key(work_order_ids: Iterable[str]) -> str:
    """Period key of an on-demand run over a selected set: ``sel-`` + 16 hex of the sorted ids'
    SHA-256, so the same set always maps to the same key (and the same invoices)."""
    ids = sorted(set(work_order_ids))
    if not ids:
        raise BillingError("a selection needs at least one work order")
    return "sel-" + hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]
