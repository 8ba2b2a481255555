"""``/api/v2/technicians/{id}/performance`` and ``/jobs`` (seed 000 Phases 1.1-1.2) against the
seed's own SQL.

``seed000/performance.sql`` and ``seed000/jobs.sql`` are the seed's two queries copied verbatim
(``test_seed_sql_files_are_verbatim`` checks that against the seed when it is at hand). They run
unchanged beside the endpoints on the demo data loaded by the ``stack`` fixture (a year of
``[SEED DATA]`` history plus whatever other tests added), and every number must be equal.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from api.auth import create_api_key
from db.models import Customer, JobCost, WorkOrder
from db.session import transaction
from tests.integration.test_repair_api import new_customer, wait_status

pytestmark = pytest.mark.integration

SQL_DIR = Path(__file__).with_name("seed000")
PERFORMANCE_SQL = (SQL_DIR / "performance.sql").read_text()
JOBS_SQL = (SQL_DIR / "jobs.sql").read_text()
SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "000_3cc0b6c7ad3ad652.txt"
DEMO_TECHNICIANS = [f"T-{i:03d}" for i in range(1, 9)]
CATEGORIES = ("pump_outs", "repairs", "all")
#: seed SQL column -> response field, where the names differ
PERFORMANCE_FIELDS = {
    "total_jobs": "total_jobs_completed",
    "total_revenue": "total_revenue",
    "returns_count": "returns_count",
    "pump_out_jobs": "pump_out_jobs",
    "pump_out_revenue": "pump_out_revenue",
    "repair_jobs": "repair_jobs",
    "repair_revenue": "repair_revenue",
    "other_jobs": "other_jobs",
    "other_revenue": "other_revenue",
}


def test_seed_sql_files_are_verbatim():
    if not SEED.exists():
        pytest.skip(f"seed 000 not at {SEED}")
    seed = SEED.read_text()
    for sql in (PERFORMANCE_SQL, JOBS_SQL):
        assert f"```sql\n{sql}```" in seed


def seed_performance(stack, technician_id: str) -> dict:
    with transaction(stack.sessions) as session:
        return dict(session.execute(text(PERFORMANCE_SQL), {"tech_id": technician_id}).mappings().one())


def seed_jobs(stack, technician_id: str, category: str, page: int, page_size: int) -> list[dict]:
    params = {
        "tech_id": technician_id,
        "job_category": category,
        "page_size": page_size,
        "offset": (page - 1) * page_size,
    }
    with transaction(stack.sessions) as session:
        return [dict(r) for r in session.execute(text(JOBS_SQL), params).mappings()]


def number(value: object) -> Decimal | None:
    """A JSON number as the exact decimal it was written as."""
    return None if value is None else Decimal(str(value))


def as_seed_row(item: dict) -> dict:
    """An API job in the shape and types of a row of the seed's job SQL."""
    return {
        "id": item["id"],
        "scheduled_date": datetime.fromisoformat(item["scheduled_date"]).date(),
        "completed_date": item["completed_date"] and datetime.fromisoformat(item["completed_date"]),
        "customer_id": item["customer_id"],
        "customer_name": item["customer_name"],
        "service_location": item["service_location"],
        "job_type": item["job_type"],
        "status": item["status"],
        "total_amount": number(item["total_amount"]),
        "duration_minutes": item["duration_minutes"],
        "notes": item["notes"],
        "parts_cost": number(item["parts_cost"]),
        "labor_hours": number(item["labor_hours"]),
    }


def newest_first(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (r["scheduled_date"], r["id"]), reverse=True)


async def test_performance_equals_the_seed_sql(stack):
    totals = {field: 0 for field in PERFORMANCE_FIELDS.values()}
    for tech in DEMO_TECHNICIANS:
        r = await stack.http.get(f"/api/v2/technicians/{tech}/performance", headers=stack.office)
        assert r.status_code == 200, r.text
        got = r.json()
        expected = seed_performance(stack, tech)
        assert got["technician_id"] == tech
        for column, field in PERFORMANCE_FIELDS.items():
            assert number(got[field]) == expected[column], (tech, field, got[field], expected[column])
            totals[field] += got[field]
        assert got["total_jobs_completed"] >= 60  # a year of history each (seed 000 Phase 1.4)
    # the comparison covered every part of the query
    for field in ("pump_out_jobs", "repair_jobs", "returns_count", "pump_out_revenue", "repair_revenue"):
        assert totals[field] > 0, field


async def fetch_pages(stack, tech: str, category: str, page_size: int) -> tuple[list[list[dict]], int]:
    pages, page = [], 1
    while True:
        r = await stack.http.get(
            f"/api/v2/technicians/{tech}/jobs",
            params={"job_category": category, "page": page, "page_size": page_size},
            headers=stack.office,
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["page"], body["page_size"], body["job_category"]) == (page, page_size, category)
        pages.append(body["items"])
        if page * page_size >= body["total"]:
            return pages, body["total"]
        page += 1


@pytest.mark.parametrize("category", CATEGORIES)
async def test_jobs_equal_the_seed_sql(stack, category):
    page_size = 17
    listed = 0
    for tech in DEMO_TECHNICIANS:
        pages, total = await fetch_pages(stack, tech, category, page_size)
        everything = seed_jobs(stack, tech, category, 1, 100_000)
        assert total == len(everything)
        for number_, items in enumerate(pages, start=1):
            seed_page = seed_jobs(stack, tech, category, number_, page_size)
            # the seed orders by scheduled_date only: the same dates on every page; within a
            # date the API adds id (newest first), so whole rows are compared below
            assert [i["scheduled_date"] for i in items] == [str(r["scheduled_date"]) for r in seed_page]
        got = [as_seed_row(i) for items in pages for i in items]
        assert newest_first(got) == got  # newest first, ties by id
        assert got == newest_first(everything), (tech, category)
        listed += len(got)
        for item in (i for items in pages for i in items):
            seeded = (item["notes"] or "").startswith("[SEED DATA]")  # other tests add live jobs
            if category == "pump_outs":
                assert item["job_type"] in ("pumping", "grease_trap")
            if category == "repairs":
                assert item["job_type"] in ("repair", "maintenance")
            if seeded and item["job_type"] in ("pumping", "grease_trap"):
                # gallons and tank size are columns now, and agree with the note
                assert item["gallons_pumped"] > 0 and item["tank_size"].endswith(" gal")
                assert f"Pumped {item['gallons_pumped']:,} gal; tank {item['tank_size']}" in item["notes"]
                assert item["labor_hours"] == 0 and item["parts_cost"] == 0
            if seeded and item["job_type"] in ("repair", "maintenance"):
                assert item["labor_hours"] >= 1 and item["parts_cost"] >= 50
                assert item["gallons_pumped"] is None and item["tank_size"] is None
    assert listed > 100


async def test_jobs_pagination_and_bad_input(stack):
    r = await stack.http.get("/api/v2/technicians/T-001/jobs", headers=stack.office)
    body = r.json()
    assert r.status_code == 200 and (body["page"], body["page_size"], body["job_category"]) == (1, 20, "all")
    assert len(body["items"]) == 20 < body["total"]
    beyond = await stack.http.get(
        "/api/v2/technicians/T-001/jobs", params={"page": 1000}, headers=stack.office
    )
    assert beyond.status_code == 200 and beyond.json()["items"] == []
    assert beyond.json()["total"] == body["total"]
    for params in ({"job_category": "others"}, {"page_size": 101}, {"page": 0}):
        bad = await stack.http.get("/api/v2/technicians/T-001/jobs", params=params, headers=stack.office)
        assert bad.status_code == 422, params
        assert bad.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("path", ["performance", "jobs"])
async def test_unknown_technician_is_a_404_problem(stack, path):
    r = await stack.http.get(f"/api/v2/technicians/T-424242/{path}", headers=stack.office)
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert "T-424242" in r.json()["detail"]


@pytest.mark.parametrize("path", ["performance", "jobs"])
async def test_a_technician_sees_only_himself(stack, path):
    own = {"X-API-Key": stack.tech_keys["T-003"]}
    assert (await stack.http.get(f"/api/v2/technicians/T-003/{path}", headers=own)).status_code == 200
    for other in ("T-001", "T-002", "T-006"):
        r = await stack.http.get(f"/api/v2/technicians/{other}/{path}", headers=own)
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json", other
    none = await stack.http.get(f"/api/v2/technicians/T-003/{path}")
    assert none.status_code == 401


def zero_profile(technician_id: str) -> dict:
    return {
        "technician_id": technician_id,
        "total_jobs_completed": 0,
        "total_revenue": 0,
        "returns_count": 0,
        "pump_out_jobs": 0,
        "pump_out_revenue": 0,
        "repair_jobs": 0,
        "repair_revenue": 0,
        "other_jobs": 0,
        "other_revenue": 0,
    }


async def new_technician(stack) -> tuple[str, dict]:
    """A technician created through the API (admin key) who works around the clock, and his key."""
    tech = f"T-{700_000 + uuid.uuid4().int % 100_000}"
    with transaction(stack.sessions) as session:
        admin = {"X-API-Key": create_api_key(session, name="perf admin", role="admin")}
    created = await stack.http.post(
        "/api/v1/technicians",
        json={
            "id": tech,
            "first_name": "New",
            "last_name": "Hire",
            "home_latitude": 30.27,
            "home_longitude": -97.74,
            "skills": ["repair", "pumping"],
            "working_hours": {
                d: ["00:00", "23:59"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            },
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    with transaction(stack.sessions) as session:
        key = create_api_key(session, name=f"perf {tech}", role="technician", technician_id=tech)
    return tech, {"X-API-Key": key}


async def test_a_new_technician_starts_at_zeros_and_counts_a_completed_job(stack):
    tech, key = await new_technician(stack)
    r = await stack.http.get(f"/api/v2/technicians/{tech}/performance", headers=key)
    assert r.status_code == 200 and r.json() == zero_profile(tech)
    jobs = await stack.http.get(f"/api/v2/technicians/{tech}/jobs", headers=key)
    assert jobs.json() == {"items": [], "total": 0, "page": 1, "page_size": 20, "job_category": "all"}

    # one pump out completed the day before yesterday, one the day before (a return visit)
    customer = await new_customer(stack)
    end = datetime.now(UTC) - timedelta(days=2)
    with transaction(stack.sessions) as session:
        name = session.get(Customer, customer)
        expected_name = f"{name.first_name} {name.last_name}"
        for n, (job_type, amount, gallons) in enumerate(
            (("pumping", "410.50", 900), ("repair", "240.00", None))
        ):
            session.add(
                WorkOrder(
                    id=f"WO-PERF-{uuid.uuid4().hex[:8]}",
                    customer_id=customer,
                    technician_id=tech,
                    job_type=job_type,
                    status="completed",
                    scheduled_date=(end + timedelta(days=n)).date(),
                    actual_end_time=end + timedelta(days=n),
                    total_amount=Decimal(amount),
                    total_labor_minutes=90,
                    gallons_pumped=gallons,
                    tank_size=gallons and "1000 gal",
                    job_costs=[
                        JobCost(
                            cost_type=cost_type,
                            quantity=Decimal(qty),
                            unit=unit,
                            unit_cost=Decimal("10.00"),
                            total_cost=Decimal(qty) * 10,
                            created_at=end,
                        )
                        for cost_type, qty, unit in (
                            ("labor", "1.5", "hour"),
                            ("labor", "2", "visit"),
                            ("materials", "3", "each"),
                        )
                        if job_type == "repair"
                    ],
                )
            )
    r = await stack.http.get(f"/api/v2/technicians/{tech}/performance", headers=key)
    assert r.json() == {
        **zero_profile(tech),
        "total_jobs_completed": 2,
        "total_revenue": 650.5,
        "returns_count": 1,
        "pump_out_jobs": 1,
        "pump_out_revenue": 410.5,
        "repair_jobs": 1,
        "repair_revenue": 240.0,
    }
    assert {k: number(v) for k, v in r.json().items() if k != "technician_id"} == {
        PERFORMANCE_FIELDS[k]: v for k, v in seed_performance(stack, tech).items()
    }
    pump = (
        await stack.http.get(
            f"/api/v2/technicians/{tech}/jobs", params={"job_category": "pump_outs"}, headers=key
        )
    ).json()
    assert [(i["gallons_pumped"], i["tank_size"], i["customer_name"]) for i in pump["items"]] == [
        (900, "1000 gal", expected_name)
    ]
    repairs = (
        await stack.http.get(
            f"/api/v2/technicians/{tech}/jobs", params={"job_category": "repairs"}, headers=key
        )
    ).json()
    assert [(i["labor_hours"], i["parts_cost"], i["total_amount"]) for i in repairs["items"]] == [
        (1.5, 30.0, 240.0)
    ]


async def test_a_repair_completed_through_the_workflow_shows_at_once(stack):
    """Seed 000 success criteria 4-5: zeros, then one job and its revenue once RepairWorkflow completes it."""
    tech, key = await new_technician(stack)
    customer = await new_customer(stack, max_auto_approve_amount="500.00", require_photo_for_approval=False)
    r = await stack.http.post(
        "/api/v1/repairs", json={"customer_id": customer, "job_type": "maintenance"}, headers=stack.office
    )
    assert r.status_code == 201, r.text
    wo = r.json()["id"]
    await wait_status(stack, wo, {"assigned", "awaiting_assignment"})
    assigned = await stack.http.post(
        f"/api/v1/repairs/{wo}/assign", json={"technician_id": tech}, headers=stack.office
    )
    assert assigned.status_code == 200, assigned.text
    assert (
        await stack.http.get(f"/api/v2/technicians/{tech}/performance", headers=key)
    ).json() == zero_profile(tech)
    assert (await stack.http.post(f"/api/v1/repairs/{wo}/start", json={}, headers=key)).status_code == 200
    volumes = await stack.http.post(
        f"/api/v1/repairs/{wo}/complete", json={"labor_minutes": 45, "gallons_pumped": 900}, headers=key
    )
    assert volumes.status_code == 422, volumes.text  # a maintenance job pumps nothing
    assert "pump outs only" in volumes.json()["detail"]
    parts = [{"description": "Filter cartridge", "quantity": "2", "unit_cost": "19.50"}]
    done = await stack.http.post(
        f"/api/v1/repairs/{wo}/complete", json={"labor_minutes": 45, "parts": parts}, headers=key
    )
    assert done.status_code == 200, done.text
    amount = Decimal(done.json()["total_amount"])

    profile = (await stack.http.get(f"/api/v2/technicians/{tech}/performance", headers=key)).json()
    assert (profile["total_jobs_completed"], profile["repair_jobs"]) == (1, 1)
    assert number(profile["total_revenue"]) == number(profile["repair_revenue"]) == amount
    jobs = (await stack.http.get(f"/api/v2/technicians/{tech}/jobs", headers=key)).json()
    assert [(i["id"], number(i["labor_hours"]), number(i["parts_cost"])) for i in jobs["items"]] == [
        (wo, Decimal("0.75"), Decimal("39.00"))
    ]


async def test_a_pump_out_completed_through_the_workflow_records_its_volumes(stack):
    """Gallons pumped and tank size come from the completion (seed 000 Phase 1.2), at once."""
    tech, key = await new_technician(stack)
    customer = await new_customer(stack, max_auto_approve_amount="500.00", require_photo_for_approval=False)
    r = await stack.http.post(
        "/api/v1/repairs", json={"customer_id": customer, "job_type": "pumping"}, headers=stack.office
    )
    assert r.status_code == 201, r.text
    wo = r.json()["id"]
    await wait_status(stack, wo, {"assigned", "awaiting_assignment"})
    assigned = await stack.http.post(
        f"/api/v1/repairs/{wo}/assign", json={"technician_id": tech}, headers=stack.office
    )
    assert assigned.status_code == 200, assigned.text
    assert (await stack.http.post(f"/api/v1/repairs/{wo}/start", json={}, headers=key)).status_code == 200
    negative = await stack.http.post(
        f"/api/v1/repairs/{wo}/complete", json={"labor_minutes": 60, "gallons_pumped": -1}, headers=key
    )
    assert negative.status_code == 422, negative.text
    done = await stack.http.post(
        f"/api/v1/repairs/{wo}/complete",
        json={"labor_minutes": 60, "gallons_pumped": 1180, "tank_size_gallons": 1500},
        headers=key,
    )
    assert done.status_code == 200, done.text

    profile = (await stack.http.get(f"/api/v2/technicians/{tech}/performance", headers=key)).json()
    assert (profile["total_jobs_completed"], profile["pump_out_jobs"]) == (1, 1)
    jobs = (
        await stack.http.get(
            f"/api/v2/technicians/{tech}/jobs", params={"job_category": "pump_outs"}, headers=key
        )
    ).json()
    assert [
        (i["id"], i["gallons_pumped"], i["tank_size"], number(i["labor_hours"])) for i in jobs["items"]
    ] == [(wo, 1180, "1500 gal", Decimal("1.00"))]
