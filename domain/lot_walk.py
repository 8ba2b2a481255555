"""Lot-walk rules (seed 001 2.3): findings checks, the summary of a closed walk.

Positions: the repairs of a walk are priced as one visit, in walk order, so the k-th repair
found is tier k (``domain.pricing.repair_tier_price``) and the walk's repair count decides the
volume discount.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from typing import Any

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


#: ``lot_walking_schedule["days"]`` values and their cron day-of-week numbers
WEEKDAYS = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
#: service modes with scheduled lot walks (seed 001 2.1: SCHEDULED, or HYBRID = both)
SCHEDULED_MODES = frozenset({"SCHEDULED", "HYBRID"})


class ScheduleProblem(ValueError):
    """A customer's ``lot_walking_schedule`` cannot be read (bad days or time)."""


@dataclass(frozen=True, slots=True)
class WalkSchedule:
    """When a fleet customer's lot is walked: a cron expression (local time) and whether it runs."""

    cron: str
    paused: bool


def walk_schedule(
    *, enabled: bool, service_mode: str, schedule: dict[str, Any], walk_time: time | None
) -> WalkSchedule | None:
    """The customer's walk schedule (seed 001 2.1), or None when it should have none.

    ``schedule`` is ``{"days": ["tue", "fri"], "time": "07:00"}`` (other keys, such as a gate
    code note, are the office's and ignored here); ``walk_time``
    (``lot_walking_time``) wins over its ``time``; without either, 07:00. A customer with
    service mode SCHEDULED or HYBRID and at least one day has a schedule; it is paused while
    ``lot_walking_enabled`` is off. Raises ScheduleProblem for unknown days or a bad time.
    """
    days = schedule.get("days") or []
    if not isinstance(days, list) or any(not isinstance(d, str) or d.lower() not in WEEKDAYS for d in days):
        raise ScheduleProblem(
            f"lot_walking_schedule.days must be a list of {', '.join(WEEKDAYS)}; got {days!r}"
        )
    at = walk_time
    if at is None and schedule.get("time") is not None:
        try:
            at = time.fromisoformat(str(schedule["time"]))
        except ValueError as err:
            raise ScheduleProblem(
                f"lot_walking_schedule.time must be HH:MM; got {schedule['time']!r}"
            ) from err
    if service_mode not in SCHEDULED_MODES or not days:
        return None
    at = at or time(7, 0)
    numbers = ",".join(str(n) for n in sorted({WEEKDAYS[d.lower()] for d in days}))
    return WalkSchedule(cron=f"{at.minute} {at.hour} * * {numbers}", paused=not enabled)
