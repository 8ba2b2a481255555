"""Lot-walk rules (seed 001 2.3): findings checks, the summary of a closed walk.

Positions: the repairs of a walk are priced as one visit, in walk order, so the k-th repair
found is tier k (``domain.pricing.repair_tier_price``) and the walk's repair count decides the
volume discount.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from domain.contracts.lot_walk import (
    MAX_REPAIRS_PER_WALK,
    FindingsRequest,
    LotWalkRepair,
    LotWalkSummary,
)

#: approval modes of a decision taken without the customer (domain.approval rules 2 and 3)
AUTO_MODES = frozenset({"auto_customer_limit", "manager_limit"})
#: approval modes recorded when the customer or staff answered
ANSWERED_MODES = frozenset({"customer_link", "staff_on_behalf"})


def findings_problem(findings: FindingsRequest) -> str | None:
    """Why the findings cannot be recorded, or None: at least one repair, at most
    ``MAX_REPAIRS_PER_WALK``, no unit named twice."""
    count = sum(len(u.repairs) for u in findings.units)
    if count == 0:
        return "no repairs found: send at least one unit with a repair"
    if count > MAX_REPAIRS_PER_WALK:
        return f"{count} repairs in one walk; at most {MAX_REPAIRS_PER_WALK}"
    names = [u.unit.casefold() for u in findings.units]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        return f"unit(s) named twice: {', '.join(repeated)}"
    return None


def summarize(repairs: Sequence[LotWalkRepair]) -> LotWalkSummary:
    """The walk's summary from its repairs' final state: ``auto_approved`` counts decisions
    taken without the customer, ``approved`` those the customer or staff approved, ``declined``
    the declined and expired ones; ``amount`` is the completed repairs' total in USD."""
    completed = [r for r in repairs if r.status == "completed"]
    return LotWalkSummary(
        found=len(repairs),
        auto_approved=sum(1 for r in repairs if r.approval_mode in AUTO_MODES),
        approved=sum(1 for r in repairs if r.approval_mode in ANSWERED_MODES and r.approved),
        declined=sum(1 for r in repairs if r.status in ("declined", "expired")),
        completed=len(completed),
        amount=sum((r.total_amount or Decimal("0") for r in completed), Decimal("0.00")),
    )
