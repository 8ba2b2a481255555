"""Customer 360 records API (seed 004 Phase 1): appliances, expenses, reviews, technician
ratings and service follow-ups, with their scope, role and input checks."""

# ruff: noqa: F811 - the fixtures imported from customer360_fixtures are test arguments
from __future__ import annotations

import uuid

import pytest

from db.session import transaction
from tests.integration.customer360_data import add_job, new_customer
from tests.integration.customer360_fixtures import Api, Site, api, new_site_customer, problem, site  # noqa: F401

pytestmark = pytest.mark.integration


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
