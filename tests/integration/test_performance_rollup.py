"""``technician_customer_totals`` (migration 0011) against the seed's SQL under every kind of write.

Random sequences of inserts, status changes, reassignments, moves to another customer or day,
re-pricing and deletes of work orders run through plain SQL (as any writer might); after every few
steps the rollup's totals must equal both the direct computation and seed 000's own SQL. Two
transactions completing jobs at the same customer at once must both be counted.
"""

from __future__ import annotations

import random
import threading
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from db.repositories import technician_performance as repo
from db.session import transaction
from tests.integration.test_technician_performance import PERFORMANCE_FIELDS, seed_performance

pytestmark = pytest.mark.integration

JOB_TYPES = ["pumping", "grease_trap", "repair", "maintenance", "inspection", "emergency"]
STATUSES = ["completed", "completed", "completed", "cancelled", "assigned", "in_progress"]
DAY0 = date(2026, 3, 1)


class _Stack:
    """What ``seed_performance`` needs from the integration stack: the sessions."""

    def __init__(self, sessions) -> None:
        self.sessions = sessions


@pytest.fixture
def pairs(database):
    """Two fresh technicians and three fresh customers; every row they touch is removed after."""
    tag = uuid.uuid4().hex[:6]
    techs = [f"R{tag}{i}" for i in range(2)]
    with transaction(database.sessions) as s:
        for t in techs:
            s.execute(
                text(
                    "INSERT INTO technicians (id, first_name, last_name, working_hours, home_latitude, "
                    "home_longitude) VALUES (:id, 'Roll', 'Up', '{}', 30.2, -97.7)"
                ),
                {"id": t},
            )
        customers = [
            s.execute(
                text(
                    "INSERT INTO customers (first_name, last_name, latitude, longitude) "
                    "VALUES ('Roll', :n, 30.2, -97.7) RETURNING id"
                ),
                {"n": f"{tag}-{i}"},
            ).scalar_one()
            for i in range(3)
        ]
    yield techs, customers
    with transaction(database.sessions) as s:
        s.execute(text("DELETE FROM work_orders WHERE customer_id = ANY(:c)"), {"c": customers})
        s.execute(text("DELETE FROM customers WHERE id = ANY(:c)"), {"c": customers})
        s.execute(text("DELETE FROM technicians WHERE id = ANY(:t)"), {"t": techs})


def _insert(s, rng: random.Random, wo: str, techs: list[str], customers: list[int]) -> None:
    s.execute(
        text(
            "INSERT INTO work_orders (id, customer_id, technician_id, job_type, status, scheduled_date, "
            "total_amount) VALUES (:id, :c, :t, :j, :st, :d, :a)"
        ),
        {
            "id": wo,
            "c": rng.choice(customers),
            "t": rng.choice([*techs, None]),
            "j": rng.choice(JOB_TYPES),
            "st": rng.choice(STATUSES),
            "d": DAY0 + timedelta(days=rng.randint(0, 70)),
            "a": rng.choice([None, Decimal(rng.randint(5000, 90000)) / 100]),
        },
    )


def _change(s, rng: random.Random, wo: str, techs: list[str], customers: list[int]) -> None:
    column, value = rng.choice(
        [
            ("status", rng.choice(STATUSES)),
            ("technician_id", rng.choice([*techs, None])),
            ("customer_id", rng.choice(customers)),
            ("scheduled_date", DAY0 + timedelta(days=rng.randint(0, 70))),
            ("total_amount", Decimal(rng.randint(5000, 90000)) / 100),
            ("job_type", rng.choice(JOB_TYPES)),
            ("notes", "a change the rollup ignores"),
        ]
    )
    s.execute(text(f"UPDATE work_orders SET {column} = :v WHERE id = :id"), {"v": value, "id": wo})


def _check(database, techs: list[str]) -> None:
    """The rollup's totals equal the direct computation and the seed's SQL, for every technician."""
    for t in techs:
        with transaction(database.sessions) as s:
            rolled = repo.performance(s, technician_id=t)
            direct = repo.performance_from_work_orders(s, technician_id=t)
        assert rolled == direct, t
        seed = seed_performance(_Stack(database.sessions), t)
        assert {c: Decimal(str(getattr(rolled, c))) for c in PERFORMANCE_FIELDS} == {
            c: Decimal(str(seed[c])) for c in PERFORMANCE_FIELDS
        }, t


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollup_equals_seed_sql_under_random_writes(database, pairs, seed):
    techs, customers = pairs
    rng = random.Random(seed)
    orders: list[str] = []
    for step in range(120):
        with transaction(database.sessions) as s:
            roll = rng.random()
            if roll < 0.45 or not orders:
                wo = f"WO-R{uuid.uuid4().hex[:10]}"
                _insert(s, rng, wo, techs, customers)
                orders.append(wo)
            elif roll < 0.9:
                _change(s, rng, rng.choice(orders), techs, customers)
            else:
                wo = orders.pop(rng.randrange(len(orders)))
                s.execute(text("DELETE FROM work_orders WHERE id = :id"), {"id": wo})
        if step % 15 == 14:
            _check(database, techs)
    _check(database, techs)
    with transaction(database.sessions) as s:  # the jobs were spread over both technicians and kinds
        totals = [repo.performance(s, technician_id=t) for t in techs]
    assert all(t.total_jobs for t in totals)
    assert sum(t.returns_count for t in totals) > 0


def test_concurrent_completions_at_one_customer_are_both_counted(database, pairs):
    techs, customers = pairs
    tech, customer = techs[0], customers[0]
    first_inserted = threading.Event()
    errors: list[BaseException] = []

    def complete(wo: str, day: date, wait_before_commit: threading.Event | None) -> None:
        try:
            with transaction(database.sessions) as s:
                s.execute(
                    text(
                        "INSERT INTO work_orders (id, customer_id, technician_id, job_type, status, "
                        "scheduled_date, total_amount) VALUES (:id, :c, :t, 'repair', 'completed', :d, 100)"
                    ),
                    {"id": wo, "c": customer, "t": tech, "d": day},
                )
                if wait_before_commit is not None:
                    first_inserted.set()
                    wait_before_commit.wait(5)
        except BaseException as err:  # reported by the main thread
            errors.append(err)

    release = threading.Event()
    first = threading.Thread(target=complete, args=(f"WO-C{uuid.uuid4().hex[:8]}", DAY0, release))
    first.start()
    assert first_inserted.wait(5)
    # the second completion's trigger waits for the first transaction's pair lock
    second = threading.Thread(
        target=complete, args=(f"WO-C{uuid.uuid4().hex[:8]}", DAY0 + timedelta(days=5), None)
    )
    second.start()
    second.join(0.5)
    assert second.is_alive(), "the second completion should wait for the first one's lock"
    release.set()
    first.join(10)
    second.join(10)
    assert not errors
    with transaction(database.sessions) as s:
        totals = repo.performance(s, technician_id=tech)
    assert (totals.total_jobs, totals.returns_count, totals.total_revenue) == (2, 1, Decimal("200.00"))
