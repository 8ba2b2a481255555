from decimal import Decimal

import pytest

from domain.catalog import JobCategory
from domain.pricing import (
    DEFAULT_REPAIR_TIERS,
    CustomerPricingTerms,
    PricingError,
    quote_estimate,
    repair_tier_price,
)

D = Decimal


@pytest.mark.parametrize(
    ("position", "price"), [(1, "50"), (2, "40"), (3, "35"), (4, "30"), (5, "25"), (9, "25")]
)
def test_default_tiers_follow_seed_001(position, price):
    assert repair_tier_price(position) == D(price)


def test_custom_tiers_apply_only_when_enabled_and_fall_back_per_tier():
    terms = CustomerPricingTerms(
        use_custom_pricing=True, repair_tiers=(D("45"), None, D("32"), None, D("22"))
    )
    assert [repair_tier_price(p, terms) for p in range(1, 7)] == [
        D("45"),
        D("40"),
        D("32"),
        D("30"),
        D("22"),
        D("22"),
    ]
    off = CustomerPricingTerms(use_custom_pricing=False, repair_tiers=(D("1"),) * 5)
    assert repair_tier_price(1, off) == D("50")


def test_position_below_one_is_refused():
    with pytest.raises(PricingError):
        repair_tier_price(0)


def test_repair_estimate_adds_tiers_to_catalog_price():
    est = quote_estimate(
        job_name="Repair", category=JobCategory.REPAIR, base_price=D("95.00"), repair_count=3
    )
    assert est.total == D("95.00") + D("50") + D("40") + D("35")
    assert [line.description for line in est.lines][1:] == [
        "Repair #1 (tier 1)",
        "Repair #2 (tier 2)",
        "Repair #3 (tier 3)",
    ]


def test_pump_out_has_no_repair_lines():
    est = quote_estimate(
        job_name="Pump out", category=JobCategory.PUMP_OUT, base_price=D("375.00"), repair_count=3
    )
    assert est.total == D("375.00") and len(est.lines) == 1


def test_lot_walk_position_continues_tiers():
    est = quote_estimate(
        job_name="Repair",
        category=JobCategory.REPAIR,
        base_price=D("0"),
        repair_count=2,
        first_repair_position=4,
    )
    assert est.total == D("30") + D("25")


def test_volume_discount_only_from_threshold():
    terms = CustomerPricingTerms(volume_discount_threshold=5, volume_discount_percentage=D("10"))
    below = quote_estimate(
        job_name="R", category=JobCategory.REPAIR, base_price=D("0"), repair_count=4, terms=terms
    )
    at = quote_estimate(
        job_name="R", category=JobCategory.REPAIR, base_price=D("0"), repair_count=5, terms=terms
    )
    assert below.total == sum(DEFAULT_REPAIR_TIERS[:4])
    repairs = sum(DEFAULT_REPAIR_TIERS)
    assert at.total == repairs - (repairs * D("0.10")).quantize(D("0.01"))
    assert at.lines[-1].amount < 0 and "Volume discount" in at.lines[-1].description


def test_visit_count_decides_discount_for_a_single_finding():
    terms = CustomerPricingTerms(volume_discount_threshold=10, volume_discount_percentage=D("5"))
    est = quote_estimate(
        job_name="R",
        category=JobCategory.REPAIR,
        base_price=D("0"),
        repair_count=1,
        first_repair_position=10,
        visit_repair_count=12,
        terms=terms,
    )
    assert est.total == D("25") - D("1.25")


def test_negative_counts_are_refused():
    with pytest.raises(PricingError):
        quote_estimate(job_name="R", category=JobCategory.REPAIR, base_price=D("1"), repair_count=-1)


def test_total_is_decimal_cents():
    est = quote_estimate(job_name="R", category=JobCategory.REPAIR, base_price=D("95.005"), repair_count=0)
    assert est.total == D("95.01") and isinstance(est.total, Decimal)
