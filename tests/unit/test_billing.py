"""Invoice lines, totals, due dates, numbers, periods and payments (domain/billing.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.billing import (
    BillingError,
    InvoiceStatus,
    Part,
    check_payment,
    due_date,
    invoice_number,
    invoice_status,
    invoice_totals,
    last_closed_period,
    period_for,
    selection_key,
    work_order_lines,
)

D = Decimal


def test_lines_are_the_estimate_lines_then_the_parts():
    lines = work_order_lines(
        work_order_id="WO-20261122-0001",
        job_name="Repair",
        estimate_lines=[
            {"description": "Repair (catalog)", "amount": "95.00"},
            {"description": "Repair #1 (tier 1)", "amount": "50.00"},
        ],
        parts=[Part("Float switch", D("2"), D("44.995"))],
        total_amount=D("235.00"),
    )
    assert [(x.description, x.quantity, x.amount) for x in lines] == [
        ("WO-20261122-0001 Repair (catalog)", D("1"), D("95.00")),
        ("WO-20261122-0001 Repair #1 (tier 1)", D("1"), D("50.00")),
        ("WO-20261122-0001 part: Float switch", D("2"), D("89.99")),
    ]


def test_a_discount_line_stays_negative():
    lines = work_order_lines(
        work_order_id="WO-1",
        job_name="Repair",
        estimate_lines=[
            {"description": "Repair (catalog)", "amount": "95.00"},
            {"description": "Volume discount", "amount": "-4.75"},
        ],
        parts=[],
        total_amount=None,
    )
    assert invoice_totals(lines, D("0")).total == D("90.25")


def test_work_without_estimate_lines_is_billed_as_its_total_less_parts():
    lines = work_order_lines(
        work_order_id="WO-2",
        job_name="Septic tank pump out",
        estimate_lines=[],
        parts=[Part("Filter", D("1"), D("40.00"))],
        total_amount=D("415.00"),
    )
    assert [(x.description, x.amount) for x in lines] == [
        ("WO-2 Septic tank pump out", D("375.00")),
        ("WO-2 part: Filter", D("40.00")),
    ]


def test_tax_is_rounded_once_on_the_subtotal():
    lines = work_order_lines(
        work_order_id="WO-3",
        job_name="x",
        estimate_lines=[{"description": "a", "amount": "0.10"}] * 3,
        parts=[],
        total_amount=None,
    )
    # per line 0.10 * 0.0825 = 0.00825 → 0.01 each (0.03); on the subtotal 0.30 * 0.0825 = 0.02475 → 0.02
    totals = invoice_totals(lines, D("0.0825"))
    assert (totals.subtotal, totals.tax, totals.total) == (D("0.30"), D("0.02"), D("0.32"))
    with pytest.raises(BillingError):
        invoice_totals(lines, D("-0.01"))


@pytest.mark.parametrize(
    ("terms", "due"),
    [("NET_30", date(2026, 12, 25)), ("NET_60", date(2027, 1, 24)), ("PREPAID", date(2026, 11, 25))],
)
def test_due_date_follows_payment_terms(terms, due):
    assert due_date(date(2026, 11, 25), terms) == due


def test_unknown_terms_are_refused():
    with pytest.raises(BillingError, match="unknown payment terms"):
        due_date(date(2026, 11, 25), "NET_90")


def test_invoice_numbers_are_per_year_and_zero_padded():
    assert invoice_number(2026, 123) == "INV-2026-000123"
    with pytest.raises(BillingError):
        invoice_number(2026, 0)


def test_status_follows_payments():
    assert invoice_status(D("100"), D("0")) is InvoiceStatus.OPEN
    assert invoice_status(D("100"), D("40")) is InvoiceStatus.PARTIALLY_PAID
    assert invoice_status(D("100"), D("100")) is InvoiceStatus.PAID
    assert invoice_status(D("100"), D("120")) is InvoiceStatus.PAID
    assert invoice_status(D("0"), D("0")) is InvoiceStatus.PAID


def test_payments_never_exceed_the_balance_without_credit():
    check_payment(balance=D("50.00"), amount=D("50.00"), allow_credit=False)
    check_payment(balance=D("50.00"), amount=D("60.00"), allow_credit=True)
    for amount, message in [
        (D("60.00"), "exceeds the balance"),
        (D("0"), "positive"),
        (D("1.005"), "whole cents"),
    ]:
        with pytest.raises(BillingError, match=message):
            check_payment(balance=D("50.00"), amount=amount, allow_credit=False)


def test_period_keys():
    assert period_for(date(2026, 11, 1), date(2026, 11, 30)).key == "2026-11"
    assert period_for(date(2026, 11, 16), date(2026, 11, 22)).key == "2026-W47"
    assert period_for(date(2026, 11, 24), date(2026, 11, 24)).key == "2026-11-24"
    assert period_for(date(2026, 11, 3), date(2026, 11, 9)).key == "2026-11-03..2026-11-09"
    with pytest.raises(BillingError):
        period_for(date(2026, 11, 9), date(2026, 11, 3))


def test_last_closed_period_per_cycle():
    today = date(2026, 12, 1)  # a Tuesday
    assert last_closed_period("monthly", today) == period_for(date(2026, 11, 1), date(2026, 11, 30))
    assert last_closed_period("weekly", today).key == "2026-W48"
    assert last_closed_period("daily", today).key == "2026-11-30"
    assert last_closed_period("monthly", date(2026, 1, 15)).key == "2025-12"


def test_selection_key_ignores_order_and_repeats():
    assert selection_key(["WO-2", "WO-1"]) == selection_key(["WO-1", "WO-2", "WO-1"])
    assert selection_key(["WO-1"]) != selection_key(["WO-2"])
    with pytest.raises(BillingError):
        selection_key([])
