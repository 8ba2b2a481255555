"""Seed 001 Phase 1.2's technician figures on ``/api/v1/technicians`` (derived, never stored):
``repairs_completed`` equals the seed 000 profile's repair jobs, ``average_repair_time`` the mean
recorded labor of those repairs, ``customer_rating`` the mean review rating (null before reviews)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from db.session import transaction
from tests.integration.test_technician_performance import new_technician

pytestmark = pytest.mark.integration


def _iso_minutes(duration: str) -> Decimal:
    """Minutes of pydantic's ISO 8601 duration (``PT1H30M`` / ``PT5400S``)."""
    from pydantic import TypeAdapter

    return Decimal(TypeAdapter(timedelta).validate_python(duration).total_seconds()) / 60


async def test_figures_are_derived_from_work_orders_and_reviews(stack):
    tech = "T-002"
    got = (await stack.http.get(f"/api/v1/technicians/{tech}", headers=stack.office)).json()
    profile = (await stack.http.get(f"/api/v2/technicians/{tech}/performance", headers=stack.office)).json()
    assert got["repairs_completed"] == profile["repair_jobs"] > 0
    with transaction(stack.sessions) as s:
        minutes = s.execute(
            text(
                "SELECT avg(total_labor_minutes) FROM work_orders WHERE technician_id = :t "
                "AND status = 'completed' AND job_type IN ('repair', 'maintenance')"
            ),
            {"t": tech},
        ).scalar_one()
        jobs = s.execute(
            text(
                "SELECT id, customer_id FROM work_orders WHERE technician_id = :t AND status = 'completed' "
                "ORDER BY id LIMIT 3"
            ),
            {"t": tech},
        ).all()
    assert abs(_iso_minutes(got["average_repair_time"]) - minutes) < Decimal("0.02")
    # other tests sharing this database may have reviewed this technician: the oracle is the SQL
    assert _rating(got) == _sql_rating(stack, tech)
    added: list[int] = []

    with transaction(stack.sessions) as s:
        for (wo, customer), (rating, source) in zip(
            jobs, [(5, "manual"), (4, "survey"), (4, "manual")], strict=True
        ):
            added += s.execute(
                text(
                    "INSERT INTO reviews (work_order_id, customer_id, technician_id, rating, source) "
                    "VALUES (:wo, :c, :t, :r, :s) ON CONFLICT DO NOTHING RETURNING id"
                ),
                {"wo": wo, "c": customer, "t": tech, "r": rating, "s": source},
            ).scalars()
    try:
        assert added, "at least one review was added"
        got = (await stack.http.get(f"/api/v1/technicians/{tech}", headers=stack.office)).json()
        assert _rating(got) == _sql_rating(stack, tech) is not None
        listed = (await stack.http.get("/api/v1/technicians", headers=stack.office)).json()["items"]
        (row,) = [t for t in listed if t["id"] == tech]
        assert {k: row[k] for k in ("repairs_completed", "average_repair_time", "customer_rating")} == {
            k: got[k] for k in ("repairs_completed", "average_repair_time", "customer_rating")
        }
        others = [t for t in listed if t["id"] != tech and t["repairs_completed"] > 0]
        assert others, "the other demo technicians have repairs too"
    finally:
        with transaction(stack.sessions) as s:
            s.execute(text("DELETE FROM reviews WHERE id = ANY(:ids)"), {"ids": added})


def _rating(answer: dict) -> Decimal | None:
    """The API's ``customer_rating`` as a Decimal (None before the first review)."""
    return None if answer["customer_rating"] is None else Decimal(str(answer["customer_rating"]))


def _sql_rating(stack, tech: str) -> Decimal | None:
    """The oracle: the mean of every source's ratings of ``tech``, to two decimals."""
    with transaction(stack.sessions) as s:
        return s.execute(
            text("SELECT round(avg(rating), 2) FROM reviews WHERE technician_id = :t"), {"t": tech}
        ).scalar_one()


async def test_a_new_technician_has_no_repairs_time_or_rating(stack):
    tech, _ = await new_technician(stack)
    got = (await stack.http.get(f"/api/v1/technicians/{tech}", headers=stack.office)).json()
    assert (got["repairs_completed"], got["average_repair_time"], got["customer_rating"]) == (0, None, None)
