"""Price override rules (seed 001 1.2-1.3 ``cost_override``, ``can_override_pricing``)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.catalog import JobCategory
from domain.pricing import (
    OVERRIDE_LINE,
    PricingError,
    may_override_price,
    override_estimate,
    override_refusal,
    quote_estimate,
)


def estimate():
    return quote_estimate(
        job_name="Repair", category=JobCategory.REPAIR, base_price=Decimal("95.00"), repair_count=2
    )


@pytest.mark.parametrize(
    ("role", "flag", "allowed"),
    [
        ("office", False, True),
        ("admin", False, True),
        ("manager", False, False),
        ("manager", True, True),
        ("technician", False, False),
        ("technician", True, True),
    ],
)
def test_who_may_override(role, flag, allowed):
    assert may_override_price(role=role, can_override_pricing=flag) is allowed


def test_override_adds_one_adjustment_line_that_makes_the_lines_add_up():
    once = override_estimate(estimate(), Decimal("150"), by="staff:1", reason="goodwill")
    assert once.total == Decimal("150.00")
    assert [line.kind for line in once.lines] == ["charge", "charge", "charge", OVERRIDE_LINE]
    assert once.lines[-1].amount == Decimal("-35.00") and "quoted $185.00" in once.lines[-1].description
    # a second override replaces the first adjustment, measured from the quoted price again
    twice = override_estimate(once, Decimal("200.00"), by="staff:2", reason="extra parts")
    assert twice.total == Decimal("200.00")
    assert [line.amount for line in twice.lines if line.kind == OVERRIDE_LINE] == [Decimal("15.00")]
    with pytest.raises(PricingError):
        override_estimate(estimate(), Decimal("-1"), by="staff:1", reason="x")


def test_after_approval_only_a_lower_price():
    assert (
        override_refusal(awaiting_approval=True, approved_amount=Decimal("185"), price=Decimal("900")) is None
    )
    assert (
        override_refusal(awaiting_approval=False, approved_amount=Decimal("185"), price=Decimal("185"))
        is None
    )
    assert (
        override_refusal(awaiting_approval=False, approved_amount=Decimal("185"), price=Decimal("0")) is None
    )
    refused = override_refusal(
        awaiting_approval=False, approved_amount=Decimal("185"), price=Decimal("185.01")
    )
    assert refused is not None and "only be lowered" in refused
    assert override_refusal(awaiting_approval=True, approved_amount=None, price=Decimal("-1")) is not None
