"""Customer 360 rules (``domain.customer360``): includes, referral codes, loops, allocation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.customer360 import (
    INCLUDES,
    REFERRAL_ALPHABET,
    Financials,
    IncludeError,
    InvoiceShare,
    job_financials,
    parse_includes,
    referral_code,
    referral_cycle,
    share,
)

D = Decimal


def test_includes_are_deduplicated_in_canonical_order_and_all_means_every_part():
    assert parse_includes(None) == () == parse_includes("")
    assert parse_includes("reviews, appliances,reviews") == ("appliances", "reviews")
    assert parse_includes("appliances,all") == INCLUDES
    with pytest.raises(IncludeError, match="unknown include bogus"):
        parse_includes("appliances,bogus")


def test_referral_codes_use_the_alphabet_without_look_alikes():
    code = referral_code(bytes(range(8)))
    assert code == "R" + REFERRAL_ALPHABET[:7] and len(code) == 8
    assert code == referral_code(bytes(range(8)))  # deterministic in its bytes
    assert not set(referral_code(bytes([255, 254, 253, 0, 1, 2, 3]))[1:]) - set(REFERRAL_ALPHABET)
    assert not set("01OIL") & set(REFERRAL_ALPHABET)
    with pytest.raises(ValueError):
        referral_code(b"abc")


def test_a_referral_loop_is_found_anywhere_up_the_chain():
    assert referral_cycle(1, [2, 3, 1])
    assert not referral_cycle(1, [2, 3, 4])
    assert not referral_cycle(1, [])


def test_share_rounds_half_up_and_gives_nothing_from_a_zero_subtotal():
    assert share(D("100.00"), D("1"), D("3")) == D("33.33")
    assert share(D("0.05"), D("1"), D("2")) == D("0.03")  # 0.025 rounds up
    assert share(D("50.00"), D("10"), D("0")) == D("0.00")


def test_a_job_gets_its_share_of_each_invoice_and_net_and_margin_follow():
    shares = [
        # taxed invoice: the job is 60 of a 100 subtotal (total 108.25), 54.13 paid, balance 54.12
        InvoiceShare(1, D("60.00"), D("100.00"), D("108.25"), D("54.13"), D("54.12")),
        # an overpaid invoice: a credit is no outstanding balance
        InvoiceShare(2, D("20.00"), D("20.00"), D("20.00"), D("25.00"), D("-5.00")),
    ]
    f = job_financials(value=D("80.00"), job_expenses=D("12.00"), job_costs=D("30.00"), shares=shares)
    assert f.payments == D("32.48") + D("25.00")  # 54.13 * 0.6 = 32.478
    assert f.invoiced == D("64.95") + D("20.00")  # 108.25 * 0.6
    assert f.outstanding_balance == D("32.47")  # 54.12 * 0.6 = 32.472; the credit counts 0
    assert f.net == f.payments - D("12.00")
    assert f.margin == D("80.00") - D("30.00") - D("12.00")
    assert f.direct_expenses == 0


def test_customer_net_counts_direct_and_job_expenses():
    f = Financials(D("500"), D("40"), D("60"), D("120"), D("700"), D("650"), D("150"))
    assert (f.expenses, f.net, f.margin) == (D("100"), D("400"), D("480"))
