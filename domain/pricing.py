"""Estimate pricing: catalog price + tiered per-repair prices + volume discount.

Rules (seed 001):
- "Existing Implementation": default repair tiers $50/$40/$35/$30/$25 for the 1st, 2nd, 3rd,
  4th and 5th-or-later repair of one visit.
- Phase 1.1/1.3: a customer with ``use_custom_pricing`` uses its own ``repair_N_price`` where
  set, falling back to the default tier for any tier left empty.
- Phase 1.1: ``volume_discount_percentage`` applies to the repair lines once the visit's repair
  count reaches ``volume_discount_threshold``.
- Phase 1.2/1.3 ("Existing Implementation": admin price override with ``cost_override``): staff,
  and technicians with ``can_override_pricing``, may set another price with a reason. The override
  is an adjustment line, so the lines still add up to the price. Before the customer has
  approved, any price may be set (the estimate is re-quoted and re-approved); once approved, only
  a price up to the approved one (seed 001 2.2: a single approval, so a higher price would charge
  the customer more than he agreed to).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from domain.catalog import JobCategory

CENT = Decimal("0.01")
DEFAULT_REPAIR_TIERS: tuple[Decimal, ...] = (
    Decimal("50.00"),
    Decimal("40.00"),
    Decimal("35.00"),
    Decimal("30.00"),
    Decimal("25.00"),
)


class PricingError(ValueError):
    """Raised for impossible pricing input (negative counts, positions below 1)."""


@dataclass(frozen=True, slots=True)
class CustomerPricingTerms:
    """A customer's pricing row (``customer_pricing``); ``None`` tiers fall back to defaults."""

    use_custom_pricing: bool = False
    repair_tiers: tuple[Decimal | None, ...] = (None, None, None, None, None)
    volume_discount_threshold: int = 10
    volume_discount_percentage: Decimal = Decimal("0")


#: ``EstimateLine.kind`` of the adjustment line a price override adds.
OVERRIDE_LINE = "price_override"
#: Roles that may override any price; technician and manager keys need ``can_override_pricing``.
OVERRIDE_ROLES = frozenset({"office", "admin"})


@dataclass(frozen=True, slots=True)
class EstimateLine:
    """One line of an estimate; ``amount`` in USD (negative for discounts); ``kind`` is
    ``charge`` or ``OVERRIDE_LINE``."""

    description: str
    amount: Decimal
    kind: str = "charge"


@dataclass(frozen=True, slots=True)
class Estimate:
    """A priced estimate: its lines and their total in USD."""

    lines: tuple[EstimateLine, ...] = field(default_factory=tuple)

    @property
    def total(self) -> Decimal:
        """Sum of the lines, rounded to cents."""
        return sum((line.amount for line in self.lines), Decimal("0")).quantize(CENT, ROUND_HALF_UP)


def repair_tier_price(position: int, terms: CustomerPricingTerms | None = None) -> Decimal:
    """Price in USD of the ``position``-th repair (1-based) of a visit.

    Raises PricingError when ``position`` < 1.
    """
    if position < 1:
        raise PricingError(f"repair position must be 1 or more, got {position}")
    index = min(position, len(DEFAULT_REPAIR_TIERS)) - 1
    if terms is not None and terms.use_custom_pricing:
        custom = terms.repair_tiers[index] if index < len(terms.repair_tiers) else None
        if custom is not None:
            return custom
    return DEFAULT_REPAIR_TIERS[index]


def quote_estimate(
    *,
    job_name: str,
    category: JobCategory,
    base_price: Decimal,
    repair_count: int = 0,
    first_repair_position: int = 1,
    visit_repair_count: int | None = None,
    terms: CustomerPricingTerms | None = None,
) -> Estimate:
    """Price one work order.

    ``repair_count`` repairs are priced at positions ``first_repair_position`` .. onward within
    the visit (a lot walk's third finding starts at position 3); ``visit_repair_count`` (default:
    the last position) decides the volume discount. Only repair-category jobs carry repair lines.
    Raises PricingError on negative counts or positions below 1.
    """
    if repair_count < 0:
        raise PricingError(f"repair_count must not be negative, got {repair_count}")
    if first_repair_position < 1:
        raise PricingError(f"first_repair_position must be 1 or more, got {first_repair_position}")
    lines = [EstimateLine(f"{job_name} (catalog)", base_price)]
    if category is JobCategory.REPAIR and repair_count:
        repair_total = Decimal("0")
        for position in range(first_repair_position, first_repair_position + repair_count):
            price = repair_tier_price(position, terms)
            tier = "5+" if position >= len(DEFAULT_REPAIR_TIERS) else str(position)
            lines.append(EstimateLine(f"Repair #{position} (tier {tier})", price))
            repair_total += price
        in_visit = visit_repair_count or (first_repair_position + repair_count - 1)
        if (
            terms is not None
            and terms.volume_discount_percentage > 0
            and in_visit >= terms.volume_discount_threshold
        ):
            discount = (repair_total * terms.volume_discount_percentage / Decimal(100)).quantize(
                CENT, ROUND_HALF_UP
            )
            lines.append(
                EstimateLine(
                    f"Volume discount {terms.volume_discount_percentage}% "
                    f"({in_visit} repairs >= {terms.volume_discount_threshold})",
                    -discount,
                )
            )
    return Estimate(tuple(lines))


def may_override_price(*, role: str, can_override_pricing: bool) -> bool:
    """Whether a caller may override a price (seed 001 1.2-1.3): office and admin keys always,
    technician and manager keys only when their technician has ``can_override_pricing``."""
    return role in OVERRIDE_ROLES or can_override_pricing


def override_refusal(
    *, awaiting_approval: bool, approved_amount: Decimal | None, price: Decimal
) -> str | None:
    """Why a price override to ``price`` USD is refused, or None when it is allowed: negative
    prices never; before approval any price; after approval at most ``approved_amount``."""
    if price < 0:
        return f"a price cannot be negative (got ${price})"
    if awaiting_approval or approved_amount is None:
        return None
    if price > approved_amount:
        return (
            f"the customer approved ${approved_amount}; after approval a price can only be lowered "
            f"(${price} asked)"
        )
    return None


def override_estimate(estimate: Estimate, price: Decimal, *, by: str, reason: str) -> Estimate:
    """``estimate`` with its price set to ``price`` USD: an earlier override line is dropped and
    one adjustment line (``kind`` ``OVERRIDE_LINE``, amount ``price`` minus the quoted total) is
    added, so the lines add up to ``price``. Raises PricingError for a negative price."""
    if price < 0:
        raise PricingError(f"a price cannot be negative, got {price}")
    kept = tuple(line for line in estimate.lines if line.kind != OVERRIDE_LINE)
    quoted = Estimate(kept).total
    adjustment = EstimateLine(
        f"Price override by {by} (quoted ${quoted}): {reason}",
        (price.quantize(CENT, ROUND_HALF_UP) - quoted),
        OVERRIDE_LINE,
    )
    return Estimate((*kept, adjustment))
