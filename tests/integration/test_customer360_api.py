"""Customer 360 API (seed 004 Phase 1): appliances, expenses, reviews, ratings, follow-ups,
referrals and ``GET /api/v1/customers/{id}?include=…`` (all parts, 422 for a bad one, 403 for a
technician asking for money, and a statement count that does not grow with the rows)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from api.app import create_app
from api.auth import create_api_key
from config import Settings
from db.session import transaction
from domain.customer360 import INCLUDES
from tests.integration.customer360_data import add_job, add_records, new_customer

pytestmark = pytest.mark.integration


@dataclass
class Api:
    http: TestClient
    sessions: object
    engine: object
    office: dict[str, str]
    manager: dict[str, str]  # T-001: team T-001..T-004
    tech: dict[str, str]  # T-002
    other_tech: dict[str, str]  # T-006


@pytest.fixture(scope="module")
def api(database) -> Iterator[Api]:
    settings = Settings(profile="test", database_url=database.url, state_dir=database.tmp)
    app = create_app(settings, sessions=database.sessions, temporal=object())
    app.state.sessions, app.state.temporal, app.state.settings = database.sessions, object(), settings
    with transaction(database.sessions) as session:
        keys = {
            "office": create_api_key(session, name="c360 office", role="office"),
            "manager": create_api_key(session, name="c360 mgr", role="manager", technician_id="T-001"),
            "tech": create_api_key(session, name="c360 T-002", role="technician", technician_id="T-002"),
            "other": create_api_key(session, name="c360 T-006", role="technician", technician_id="T-006"),
        }
        engine = session.get_bind()
    with TestClient(app, raise_server_exceptions=False) as http:
        yield Api(
            http,
            database.sessions,
            engine,
            *({"X-API-Key": keys[k]} for k in ("office", "manager", "tech", "other")),
        )


@dataclass
class Site:
    customer_id: int
    job: str  # completed, T-002
    open_job: str  # assigned, T-002


@pytest.fixture
def site(api: Api) -> Site:
    with transaction(api.sessions) as session:
        customer = new_customer(session)
        done = add_job(session, customer)
        open_ = add_job(session, customer, status="assigned")
        return Site(customer.id, done.id, open_.id)


def problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json", r.text
    return r.json()


# ---- appliances ----------------------------------------------------------------------------------


def test_appliances_crud_with_job_and_serial_checks(api: Api, site: Site):
    body = {
        "customer_id": site.customer_id,
        "type": "septic tank",
        "brand": "Norweco",
        "model_number": "S-1000",
        "serial_number": "NW-1",
        "last_service_date": "2026-11-01",
        "work_order_id": site.job,
    }
    created = api.http.post("/api/v1/appliances", json=body, headers=api.tech)  # he serves this customer
    assert created.status_code == 201, created.text
    appliance = created.json()
    assert appliance["work_order_id"] == site.job and appliance["last_service_date"] == "2026-11-01"
    problem(api.http.post("/api/v1/appliances", json=body, headers=api.office), 409)  # same serial
    with transaction(api.sessions) as session:
        stranger = add_job(session, new_customer(session)).id
    detail = problem(
        api.http.post(
            "/api/v1/appliances",
            json=body | {"serial_number": "NW-2", "work_order_id": stranger},
            headers=api.office,
        ),
        422,
    )["detail"]
    assert "not a job of customer" in detail
    problem(api.http.get(f"/api/v1/appliances/{appliance['id']}", headers=api.other_tech), 404)
    listed = api.http.get(
        "/api/v1/appliances", params={"customer_id": site.customer_id}, headers=api.manager
    ).json()
    assert [a["id"] for a in listed["items"]] == [appliance["id"]] and listed["total"] == 1
    patched = api.http.patch(f"/api/v1/appliances/{appliance['id']}", json={"brand": "Jet"}, headers=api.tech)
    assert (
        patched.status_code == 200
        and patched.json()["brand"] == "Jet"
        and patched.json()["model_number"] == "S-1000"
    )
    problem(
        api.http.patch(f"/api/v1/appliances/{appliance['id']}", json={"type": None}, headers=api.tech), 422
    )
    problem(api.http.delete(f"/api/v1/appliances/{appliance['id']}", headers=api.tech), 403)
    assert api.http.delete(f"/api/v1/appliances/{appliance['id']}", headers=api.office).status_code == 204
    problem(api.http.get(f"/api/v1/appliances/{appliance['id']}", headers=api.office), 404)


# ---- expenses ------------------------------------------------------------------------------------


def test_expenses_link_to_customer_and_or_job(api: Api, site: Site):
    job_only = api.http.post(
        "/api/v1/expenses",
        json={
            "work_order_id": site.job,
            "category": "disposal",
            "amount": "42.50",
            "incurred_on": "2026-11-20",
        },
        headers=api.office,
    )
    assert job_only.status_code == 201, job_only.text
    assert job_only.json()["customer_id"] == site.customer_id  # filled from the job
    assert job_only.json()["created_by"].startswith("staff:")
    direct = api.http.post(
        "/api/v1/expenses",
        json={
            "customer_id": site.customer_id,
            "category": "permit",
            "amount": 15,
            "incurred_on": "2026-11-21",
        },
        headers=api.manager,
    )
    assert direct.status_code == 201 and direct.json()["work_order_id"] is None
    other = new_site_customer(api)
    problem(
        api.http.post(
            "/api/v1/expenses",
            json={
                "customer_id": other,
                "work_order_id": site.job,
                "category": "other",
                "amount": 1,
                "incurred_on": "2026-11-21",
            },
            headers=api.office,
        ),
        422,
    )
    problem(
        api.http.post(
            "/api/v1/expenses",
            json={"category": "other", "amount": 1, "incurred_on": "2026-11-21"},
            headers=api.office,
        ),
        422,
    )
    problem(
        api.http.post(
            "/api/v1/expenses",
            json={
                "customer_id": site.customer_id,
                "category": "other",
                "amount": 0,
                "incurred_on": "2026-11-21",
            },
            headers=api.office,
        ),
        422,
    )
    problem(api.http.get("/api/v1/expenses", headers=api.tech), 403)
    listed = api.http.get(
        "/api/v1/expenses", params={"customer_id": site.customer_id}, headers=api.office
    ).json()
    assert [e["id"] for e in listed["items"]] == [direct.json()["id"], job_only.json()["id"]]  # newest first
    by_job = api.http.get("/api/v1/expenses", params={"work_order_id": site.job}, headers=api.office).json()
    assert [e["amount"] for e in by_job["items"]] == ["42.50"]


def new_site_customer(api: Api) -> int:
    with transaction(api.sessions) as session:
        return new_customer(session).id


# ---- reviews and ratings -------------------------------------------------------------------------


def test_reviews_of_completed_jobs_once_per_source(api: Api, site: Site):
    r = api.http.post(
        "/api/v1/reviews",
        json={"work_order_id": site.job, "rating": 5, "comment": "on time"},
        headers=api.office,
    )
    assert r.status_code == 201, r.text
    review = r.json()
    assert (review["customer_id"], review["technician_id"], review["source"]) == (
        site.customer_id,
        "T-002",
        "manual",
    )
    problem(
        api.http.post("/api/v1/reviews", json={"work_order_id": site.job, "rating": 4}, headers=api.office),
        409,
    )
    problem(
        api.http.post(
            "/api/v1/reviews", json={"work_order_id": site.open_job, "rating": 4}, headers=api.office
        ),
        409,
    )
    problem(
        api.http.post("/api/v1/reviews", json={"work_order_id": site.job, "rating": 6}, headers=api.office),
        422,
    )
    problem(
        api.http.post("/api/v1/reviews", json={"work_order_id": site.job, "rating": 3}, headers=api.tech), 403
    )
    mine = api.http.get("/api/v1/reviews", params={"work_order_id": site.job}, headers=api.tech).json()
    assert [x["id"] for x in mine["items"]] == [review["id"]]
    assert (
        api.http.get(
            "/api/v1/reviews", params={"customer_id": site.customer_id}, headers=api.other_tech
        ).json()["total"]
        == 0
    )


def test_rating_a_technician_replaces_the_earlier_rating_of_that_job(api: Api, site: Site):
    url = f"/api/v1/customers/{site.customer_id}/technician-ratings/{site.job}"
    assert api.http.put(url, json={"rating": 2}, headers=api.office).json()["rating"] == 2
    again = api.http.put(url, json={"rating": 4}, headers=api.manager)
    assert again.status_code == 200 and again.json()["rating"] == 4
    problem(
        api.http.put(
            f"/api/v1/customers/{site.customer_id}/technician-ratings/{site.open_job}",
            json={"rating": 4},
            headers=api.office,
        ),
        409,
    )
    summary = api.http.get(
        f"/api/v1/customers/{site.customer_id}/technician-ratings", headers=api.tech
    ).json()
    assert len(summary["ratings"]) == 1
    assert summary["technicians"] == [
        {
            "technician_id": "T-002",
            "technician_name": summary["technicians"][0]["technician_name"],
            "ratings": 1,
            "average": "4.00",
        }
    ]
    assert summary["technicians"][0]["technician_name"]


# ---- follow-ups ----------------------------------------------------------------------------------


def test_follow_ups_are_idempotent_by_key_and_close_with_who_and_when(api: Api, site: Site):
    key = f"fu-{uuid.uuid4().hex[:8]}"
    body = {
        "customer_id": site.customer_id,
        "work_order_id": site.job,
        "reason": "check the new pump",
        "due_date": "2026-12-01",
        "assigned_to_technician_id": "T-001",
        "key": key,
    }
    first = api.http.post("/api/v1/follow-ups", json=body, headers=api.office)
    assert first.status_code == 201, first.text
    assert first.json()["technician_id"] == "T-002"  # the job's
    second = api.http.post("/api/v1/follow-ups", json=body, headers=api.office)
    assert second.status_code == 200 and second.json()["id"] == first.json()["id"]
    problem(
        api.http.post(
            "/api/v1/follow-ups",
            json=body | {"key": None, "assigned_to_technician_id": "T-999"},
            headers=api.office,
        ),
        422,
    )
    fid = first.json()["id"]
    done = api.http.patch(
        f"/api/v1/follow-ups/{fid}", json={"status": "done", "satisfaction_rating": 5}, headers=api.tech
    )
    assert done.status_code == 200, done.text
    assert done.json()["completed_by"].startswith("staff:") and done.json()["completed_at"]
    open_only = api.http.get(
        "/api/v1/follow-ups", params={"customer_id": site.customer_id, "status": "open"}, headers=api.manager
    ).json()
    assert open_only["total"] == 0
    reopened = api.http.patch(f"/api/v1/follow-ups/{fid}", json={"status": "open"}, headers=api.office).json()
    assert reopened["completed_at"] is None and reopened["satisfaction_rating"] == 5
    problem(api.http.get(f"/api/v1/follow-ups/{fid}", headers=api.other_tech), 404)
    problem(api.http.patch(f"/api/v1/follow-ups/{fid}", json={"status": None}, headers=api.office), 422)


# ---- referrals -----------------------------------------------------------------------------------


def test_referral_codes_and_the_referral_tree(api: Api):
    ids = [new_site_customer(api) for _ in range(4)]
    root, child, grandchild, other = ids
    code = api.http.post(f"/api/v1/customers/{root}/referral-code", headers=api.office).json()[
        "referral_code"
    ]
    assert code.startswith("R") and len(code) == 8
    assert (
        api.http.post(f"/api/v1/customers/{root}/referral-code", headers=api.office).json()["referral_code"]
        == code
    )
    child_code = api.http.post(f"/api/v1/customers/{child}/referral-code", headers=api.office).json()[
        "referral_code"
    ]
    assert child_code != code
    r = api.http.put(
        f"/api/v1/customers/{child}/referred-by", json={"referral_code": code.lower()}, headers=api.office
    )
    assert r.status_code == 200 and r.json()["referred_by"]["id"] == root, r.text
    assert (
        api.http.put(
            f"/api/v1/customers/{grandchild}/referred-by",
            json={"referral_code": child_code},
            headers=api.office,
        ).status_code
        == 200
    )
    problem(
        api.http.put(
            f"/api/v1/customers/{root}/referred-by", json={"referral_code": child_code}, headers=api.office
        ),
        409,
    )
    problem(
        api.http.put(
            f"/api/v1/customers/{root}/referred-by", json={"referral_code": code}, headers=api.office
        ),
        422,
    )
    problem(
        api.http.put(
            f"/api/v1/customers/{other}/referred-by", json={"referral_code": "RNOPE234"}, headers=api.office
        ),
        422,
    )
    tree = api.http.get(f"/api/v1/customers/{root}/referrals", headers=api.office).json()
    assert tree["total_referred"] == 2 and tree["referred_by"] is None
    (node,) = tree["referrals"]
    assert node["customer_id"] == child and node["depth"] == 1 and node["display_name"]
    assert [(n["customer_id"], n["depth"]) for n in node["referrals"]] == [(grandchild, 2)]
    cleared = api.http.put(
        f"/api/v1/customers/{grandchild}/referred-by", json={"referral_code": None}, headers=api.office
    )
    assert cleared.json()["referred_by"] is None


# ---- the 360 view --------------------------------------------------------------------------------


def test_include_returns_every_part_asked_for_and_nothing_else(api: Api, site: Site):
    with transaction(api.sessions) as session:
        from db.models import Customer, WorkOrder

        add_records(session, session.get(Customer, site.customer_id), session.get(WorkOrder, site.job), 2)
    plain = api.http.get(f"/api/v1/customers/{site.customer_id}", headers=api.office).json()
    assert not set(plain) & set(INCLUDES), "no part unless asked for"
    view = api.http.get(
        f"/api/v1/customers/{site.customer_id}", params={"include": "all"}, headers=api.office
    ).json()
    assert set(INCLUDES) <= set(view) and plain.items() <= view.items()
    assert len(view["appliances"]) == 2 and len(view["reviews"]) == 2 and len(view["follow_ups"]) == 2
    assert len(view["expenses"]) == 2 and len(view["payments"]) == 2 and len(view["invoices"]) == 2
    assert view["referrals"]["total_referred"] == 2 and len(view["ratings"]["ratings"]) == 2
    assert {j["id"] for j in view["jobs"]} >= {site.job, site.open_job}
    assert Decimal(view["financials"]["totals"]["payments"]) == Decimal("40.00")
    assert view["preferences"]["customer_id"] == site.customer_id
    some = api.http.get(
        f"/api/v1/customers/{site.customer_id}", params={"include": "appliances,reviews"}, headers=api.office
    ).json()
    assert set(some) & set(INCLUDES) == {"appliances", "reviews"}


def test_bad_include_is_a_422_and_money_is_not_for_technicians(api: Api, site: Site):
    for bad in ("appliance", "appliances,bogus", ",", "appliances;reviews"):
        problem(
            api.http.get(
                f"/api/v1/customers/{site.customer_id}", params={"include": bad}, headers=api.office
            ),
            422,
        )
    detail = problem(
        api.http.get(
            f"/api/v1/customers/{site.customer_id}",
            params={"include": "appliances,payments"},
            headers=api.tech,
        ),
        403,
    )["detail"]
    assert "payments" in detail
    ok = api.http.get(
        f"/api/v1/customers/{site.customer_id}",
        params={"include": "appliances,jobs,reviews"},
        headers=api.tech,
    )
    assert ok.status_code == 200, ok.text
    problem(api.http.get(f"/api/v1/customers/{site.customer_id}/financials", headers=api.tech), 403)


def count_statements(api: Api, customer_id: int) -> int:
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(api.engine, "before_cursor_execute", seen)
    try:
        r = api.http.get(f"/api/v1/customers/{customer_id}", params={"include": "all"}, headers=api.office)
    finally:
        event.remove(api.engine, "before_cursor_execute", seen)
    assert r.status_code == 200, r.text
    return len([s for s in statements if not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE"))])


def test_the_360_view_costs_the_same_statements_for_1_or_8_rows_of_each(api: Api):
    counts = {}
    for n in (1, 8):
        with transaction(api.sessions) as session:
            customer = new_customer(session)
            job = add_job(session, customer)
            add_records(session, customer, job, n)
            customer_id = customer.id
        view = api.http.get(
            f"/api/v1/customers/{customer_id}", params={"include": "all"}, headers=api.office
        ).json()
        assert len(view["appliances"]) == len(view["reviews"]) == len(view["follow_ups"]) == n
        assert view["referrals"]["total_referred"] == n and len(view["payments"]) == n
        counts[n] = count_statements(api, customer_id)
    assert counts[1] == counts[8], counts
    assert counts[1] <= 30, counts
    print("statements for include=all:", counts)
