"""``work_orders.parts_cost`` / ``labor_hours`` (migration 0017) against seed 000's job-cost sums.

Random inserts, updates (amounts, kind, unit, a move to another work order) and deletes of
``job_costs`` run through plain SQL, as any writer might; after every few steps each work order's
two columns must equal the seed's own sub-selects (``seed000/jobs.sql``). Two transactions adding
costs to one work order at once must both be summed.
"""

from __future__ import annotations

import random
import threading
import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from db.session import transaction
from tests.integration.test_performance_rollup import pairs  # noqa: F401  (fixture)

pytestmark = pytest.mark.integration

#: the seed's two sub-selects of ``jobs.sql``, unchanged
SEED_PARTS = (
    "(SELECT COALESCE(SUM(total_cost), 0) FROM job_costs "
    "WHERE work_order_id = wo.id AND cost_type = 'materials')"
)
SEED_LABOR = (
    "(SELECT COALESCE(SUM(quantity), 0) FROM job_costs "
    "WHERE work_order_id = wo.id AND cost_type = 'labor' AND unit = 'hour')"
)
COST_TYPES = ["labor", "labor", "materials", "materials", "equipment"]
UNITS = ["hour", "hour", "each", "minute"]


def _orders(database, customer: int, technician: str, n: int) -> list[str]:
    ids = [f"WO-K{uuid.uuid4().hex[:10]}" for _ in range(n)]
    with transaction(database.sessions) as s:
        for wo in ids:
            s.execute(
                text(
                    "INSERT INTO work_orders (id, customer_id, technician_id, job_type, status, "
                    "scheduled_date, total_amount) VALUES (:id, :c, :t, 'repair', 'completed', :d, 100)"
                ),
                {"id": wo, "c": customer, "t": technician, "d": date(2026, 3, 1)},
            )
    return ids


def _insert_cost(s, rng: random.Random, wo: str) -> None:
    quantity = Decimal(rng.randint(1, 900)) / 100
    unit_cost = Decimal(rng.randint(100, 20000)) / 100
    s.execute(
        text(
            "INSERT INTO job_costs (work_order_id, cost_type, description, quantity, unit, unit_cost, "
            "total_cost, created_at) VALUES (:wo, :ct, 'x', :q, :u, :uc, :tc, now())"
        ),
        {
            "wo": wo,
            "ct": rng.choice(COST_TYPES),
            "q": quantity,
            "u": rng.choice(UNITS),
            "uc": unit_cost,
            "tc": (quantity * unit_cost).quantize(Decimal("0.01")),
        },
    )


def _change_cost(s, rng: random.Random, cost_id: int, orders: list[str]) -> None:
    column, value = rng.choice(
        [
            ("quantity", Decimal(rng.randint(1, 900)) / 100),
            ("total_cost", Decimal(rng.randint(1, 90000)) / 100),
            ("cost_type", rng.choice(COST_TYPES)),
            ("unit", rng.choice(UNITS)),
            ("work_order_id", rng.choice(orders)),
            ("description", "a change the sums ignore"),
        ]
    )
    s.execute(text(f"UPDATE job_costs SET {column} = :v WHERE id = :id"), {"v": value, "id": cost_id})


def _check(database, orders: list[str]) -> None:
    with transaction(database.sessions) as s:
        rows = s.execute(
            text(
                f"SELECT wo.id, wo.parts_cost, wo.labor_hours, {SEED_PARTS} AS seed_parts, "
                f"{SEED_LABOR} AS seed_labor FROM work_orders wo WHERE wo.id = ANY(:ids)"
            ),
            {"ids": orders},
        ).all()
    assert len(rows) == len(orders)
    for row in rows:
        assert (row.parts_cost, row.labor_hours) == (row.seed_parts, row.seed_labor), row.id


@pytest.mark.parametrize("seed", [1, 2])
def test_work_order_costs_equal_the_seed_sums_under_random_writes(database, pairs, seed):  # noqa: F811
    techs, customers = pairs
    orders = _orders(database, customers[0], techs[0], 4)
    rng = random.Random(seed)
    costs: list[int] = []
    for step in range(100):
        with transaction(database.sessions) as s:
            roll = rng.random()
            if roll < 0.45 or not costs:
                _insert_cost(s, rng, rng.choice(orders))
                costs.append(s.execute(text("SELECT lastval()")).scalar_one())
            elif roll < 0.85:
                _change_cost(s, rng, rng.choice(costs), orders)
            else:
                cost_id = costs.pop(rng.randrange(len(costs)))
                s.execute(text("DELETE FROM job_costs WHERE id = :id"), {"id": cost_id})
        if step % 10 == 9:
            _check(database, orders)
    _check(database, orders)
    with transaction(database.sessions) as s:  # the writes left sums that are not all zero
        sums = s.execute(
            text("SELECT sum(parts_cost), sum(labor_hours) FROM work_orders WHERE id = ANY(:ids)"),
            {"ids": orders},
        ).one()
    assert sums[0] > 0 and sums[1] > 0


def test_concurrent_costs_on_one_work_order_are_both_summed(database, pairs):  # noqa: F811
    techs, customers = pairs
    (wo,) = _orders(database, customers[0], techs[0], 1)
    first_inserted = threading.Event()
    errors: list[BaseException] = []

    def add_part(amount: str, wait_before_commit: threading.Event | None) -> None:
        try:
            with transaction(database.sessions) as s:
                s.execute(
                    text(
                        "INSERT INTO job_costs (work_order_id, cost_type, description, quantity, unit, "
                        "unit_cost, total_cost, created_at) "
                        "VALUES (:wo, 'materials', 'part', 1, 'each', :a, :a, now())"
                    ),
                    {"wo": wo, "a": Decimal(amount)},
                )
                if wait_before_commit is not None:
                    first_inserted.set()
                    wait_before_commit.wait(5)
        except BaseException as err:  # reported by the main thread
            errors.append(err)

    release = threading.Event()
    first = threading.Thread(target=add_part, args=("10.00", release))
    first.start()
    assert first_inserted.wait(5)
    second = threading.Thread(target=add_part, args=("2.50", None))
    second.start()
    second.join(0.5)
    assert second.is_alive(), "the second cost should wait for the first one's work order lock"
    release.set()
    first.join(10)
    second.join(10)
    assert not errors
    _check(database, [wo])
    with transaction(database.sessions) as s:
        assert s.execute(
            text("SELECT parts_cost FROM work_orders WHERE id = :id"), {"id": wo}
        ).scalar_one() == (Decimal("12.50"))


def test_notes_longer_than_the_job_list_index_holds_are_refused(database, pairs):  # noqa: F811
    techs, customers = pairs
    (wo,) = _orders(database, customers[0], techs[0], 1)
    with transaction(database.sessions) as s:  # 1200 bytes fit
        s.execute(text("UPDATE work_orders SET notes = :n WHERE id = :id"), {"n": "é" * 600, "id": wo})
    with pytest.raises(IntegrityError), transaction(database.sessions) as s:
        s.execute(text("UPDATE work_orders SET notes = :n WHERE id = :id"), {"n": "é" * 601, "id": wo})
