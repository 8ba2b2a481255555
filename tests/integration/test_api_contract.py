"""The API does what its OpenAPI document says, against the real API and PostgreSQL: booleans and
dates are strict (no ``0`` for ``false``, no ``?date=0``), 405 names every allowed method, and a
new customer has its default pricing rather than a 404."""

from __future__ import annotations

import pytest

from tests.integration.test_input_hardening import TOKEN_SHAPED, assert_problem
from tests.integration.test_repair_api import new_customer

pytestmark = pytest.mark.integration

CUSTOMER = {"first_name": "Strict", "last_name": "Test", "latitude": 30.27, "longitude": -97.74}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/customers", {**CUSTOMER, "credit_hold": 0}),
        ("POST", "/api/v1/customers", {**CUSTOMER, "lot_walking_enabled": 1}),
        ("POST", "/api/v1/customers", {**CUSTOMER, "fleet_size": "3"}),
        ("POST", "/api/v1/customers", {**CUSTOMER, "lot_walking_time": "07:00:00+02:00"}),
        ("POST", "/api/v1/customers", {**CUSTOMER, "max_auto_approve_amount": "1e3"}),
        ("PATCH", "/api/v1/customers/{customer}", {"credit_hold": 0}),
        ("PATCH", "/api/v1/customers/{customer}", {"credit_hold": None}),
        ("PUT", "/api/v1/customers/{customer}/pricing", {"use_custom_pricing": 0}),
        ("POST", "/api/v1/repairs", {"customer_id": "{customer}", "job_type": "repair", "scheduled_date": 0}),
    ],
)
async def test_loose_body_values_are_refused(stack, method, path, body):
    customer = await new_customer(stack)
    path = path.format(customer=customer)
    body = {k: (customer if v == "{customer}" else v) for k, v in body.items()}
    r = await stack.http.request(method, path, json=body, headers=stack.office)
    assert_problem(r, 422)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/repairs?date=0",
        "/api/v1/repairs?date=20261122",
        "/api/v1/technicians/T-001/schedule?day=0",
        "/api/v1/technicians?active=1",
        "/api/v1/catalog?active=0",
    ],
)
async def test_loose_query_values_are_refused(stack, url):
    assert_problem(await stack.http.get(url, headers=stack.office), 422)


async def test_strict_values_in_their_one_spelling_pass(stack):
    customer = await new_customer(stack, credit_hold=False, lot_walking_time="07:00")
    r = await stack.http.get(f"/api/v1/customers/{customer}", headers=stack.office)
    assert r.json()["lot_walking_time"] == "07:00:00" and r.json()["credit_hold"] is False
    for url in ("/api/v1/repairs?date=2026-11-22", "/api/v1/technicians?active=true"):
        assert (await stack.http.get(url, headers=stack.office)).status_code == 200
    r = await stack.http.get("/api/v1/technicians/T-001/schedule?day=2026-11-22", headers=stack.office)
    assert r.status_code == 200, r.text


async def test_new_customer_has_its_default_pricing(stack):
    customer = await new_customer(stack)
    r = await stack.http.get(f"/api/v1/customers/{customer}/pricing", headers=stack.office)
    assert r.status_code == 200, r.text
    pricing = r.json()
    assert pricing["customer_id"] == customer and pricing["use_custom_pricing"] is False
    assert pricing["repair_1_price"] is None and pricing["volume_discount_threshold"] == 10
    assert pricing["updated_at"] is None
    put = {"use_custom_pricing": True, "repair_1_price": "45.00"}
    r = await stack.http.put(f"/api/v1/customers/{customer}/pricing", json=put, headers=stack.office)
    assert r.status_code == 200, r.text
    r = await stack.http.get(f"/api/v1/customers/{customer}/pricing", headers=stack.office)
    assert r.json()["repair_1_price"] == "45.00" and r.json()["updated_at"] is not None
    assert_problem(await stack.http.get("/api/v1/customers/999999/pricing", headers=stack.office), 404)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/v1/repairs", {"GET", "POST"}),
        ("PUT", "/api/v1/customers/1", {"GET", "PATCH", "DELETE"}),
        ("GET", "/api/v1/repairs/WO-1/approve", {"POST"}),
        ("DELETE", f"/approve/{TOKEN_SHAPED}", {"GET", "POST"}),
    ],
)
async def test_405_names_every_allowed_method(stack, method, path, allowed):
    r = await stack.http.request(method, path, headers=stack.office)
    assert_problem(r, 405)
    assert {m.strip() for m in r.headers["allow"].split(",")} == allowed
