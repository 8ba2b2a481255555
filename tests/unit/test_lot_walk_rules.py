"""Lot-walk rules (seed 001 2.1, 2.3): findings checks, the summary, the customer's schedule."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

import pytest

from domain.contracts.lot_walk import FindingsRequest, FoundUnit, LotWalkRepair
from domain.lot_walk import ScheduleProblem, findings_problem, summarize, walk_schedule


def findings(*units: tuple[str, int]) -> FindingsRequest:
    return FindingsRequest(
        actor="t", units=[FoundUnit(unit=name, repairs=[f"r{i}" for i in range(n)]) for name, n in units]
    )


def repair(wo: str, mode: str, approved: bool, status: str, total: str | None = None) -> LotWalkRepair:
    return LotWalkRepair(
        work_order_id=wo,
        position=1,
        approval_mode=mode,
        approved=approved,
        status=status,
        total_amount=Decimal(total) if total else None,
    )


def test_findings_need_a_repair_no_repeated_unit_and_at_most_200():
    assert findings_problem(findings()) is not None
    assert findings_problem(findings(("Truck 1", 2), ("Van 2", 1))) is None
    assert "named twice" in (findings_problem(findings(("Truck 1", 1), ("truck 1", 1))) or "")
    many = findings(*[(f"Truck {i}", 20) for i in range(11)])
    assert "at most 200" in (findings_problem(many) or "")


def test_summary_counts_each_outcome_once():
    repairs = [
        repair("a", "auto_customer_limit", True, "completed", "130.00"),
        repair("b", "customer_link", True, "completed", "189.50"),
        repair("c", "staff_on_behalf", False, "declined"),
        repair("d", "expired", False, "expired"),
        repair("e", "customer_link", True, "assigned"),
    ]
    s = summarize(repairs)
    assert (s.found, s.auto_approved, s.approved, s.declined, s.completed) == (5, 1, 2, 2, 2)
    assert s.amount == Decimal("319.50")
    assert summarize([]).found == 0 and summarize([]).amount == Decimal("0")


def test_schedule_from_the_customer_settings():
    tue_fri = walk_schedule(
        enabled=True, service_mode="SCHEDULED", schedule={"days": ["tue", "FRI"]}, walk_time=None
    )
    assert tue_fri is not None and tue_fri.cron == "0 7 * * 2,5" and not tue_fri.paused
    timed = walk_schedule(
        enabled=False, service_mode="HYBRID", schedule={"days": ["sun"], "time": "05:45"}, walk_time=None
    )
    assert timed is not None and timed.cron == "45 5 * * 0" and timed.paused
    column_wins = walk_schedule(
        enabled=True,
        service_mode="HYBRID",
        schedule={"days": ["mon"], "time": "05:45"},
        walk_time=time(6, 30),
    )
    assert column_wins is not None and column_wins.cron == "30 6 * * 1"
    assert (
        walk_schedule(enabled=True, service_mode="ON_CALL", schedule={"days": ["mon"]}, walk_time=None)
        is None
    )
    assert walk_schedule(enabled=True, service_mode="SCHEDULED", schedule={}, walk_time=None) is None


@pytest.mark.parametrize(
    "schedule",
    [{"days": ["someday"]}, {"days": "mon"}, {"days": ["mon"], "time": "7 o'clock"}],
)
def test_unreadable_schedules_are_refused(schedule):
    with pytest.raises(ScheduleProblem):
        walk_schedule(enabled=True, service_mode="SCHEDULED", schedule=schedule, walk_time=None)
