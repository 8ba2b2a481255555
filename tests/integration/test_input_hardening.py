"""A NUL character (U+0000) anywhere in a request, against the real API and PostgreSQL: a 422
problem+json from the one gate in front of the routes (it used to reach psycopg2 and answer 500)."""

from __future__ import annotations

import pytest

from tests.integration.test_repair_api import new_customer

pytestmark = pytest.mark.integration

PROBLEM_JSON = "application/problem+json"
TOKEN_SHAPED = "A" * 22  # looks like an approval token, so the page would query the database


def assert_problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM_JSON), r.headers
    body = r.json()
    assert body["status"] == status and body["detail"]
    return body


CUSTOMER = {"first_name": "Nul", "last_name": "Test", "latitude": 30.27, "longitude": -97.74}


@pytest.mark.parametrize(
    ("method", "url", "kwargs"),
    [
        (
            "POST",
            "/api/v1/repairs",
            {"json": {"customer_id": 1, "job_type": "repair", "description": "a\0b"}},
        ),
        ("POST", "/api/v1/repairs", {"json": {"customer_id": 1, "job_type": "rep\0air"}}),
        ("GET", "/api/v1/customers?q=%00", {}),
        ("POST", "/api/v1/customers", {"json": {**CUSTOMER, "first_name": "Ro\0sa"}}),
        ("POST", "/api/v1/customers", {"json": {**CUSTOMER, "lot_walking_schedule": {"d\0ays": ["tue"]}}}),
        ("POST", "/api/v1/customers", {"json": {**CUSTOMER, "lot_walking_schedule": {"days": ["t\0ue"]}}}),
        ("GET", "/api/v1/repairs/%00%ff", {}),
        ("GET", "/api/v1/messages?purpose=a%00b", {}),
        ("GET", "/api/v1/technicians?skill=re%00pair", {}),
        ("PATCH", "/api/v1/customers/1", {"json": {"notes": "\0"}}),
        ("POST", f"/approve/{TOKEN_SHAPED}", {"data": {"decision": "approve\0"}}),
        ("POST", f"/approve/{TOKEN_SHAPED[:-1]}%00", {"data": {"decision": "approve"}}),
        # the escape as the client's JSON encoder writes it, not a raw byte
        (
            "POST",
            "/api/v1/customers",
            {
                "content": b'{"first_name": "R\\u0000", "last_name": "x", "latitude": 1, "longitude": 1}',
                "headers": {"content-type": "application/json"},
            },
        ),
    ],
)
async def test_nul_anywhere_is_422(stack, method, url, kwargs):
    headers = {**stack.office, **kwargs.pop("headers", {})}
    r = await stack.http.request(method, url, headers=headers, **kwargs)
    body = assert_problem(r, 422)
    assert "NUL" in body["detail"]


async def test_text_without_nul_still_passes(stack):
    r = await stack.http.get("/api/v1/customers", params={"q": "Rosa"}, headers=stack.office)
    assert r.status_code == 200, r.text
    customer = await new_customer(stack, lot_walking_schedule={"days": ["tue"], "note": "gate \\u0000 code"})
    r = await stack.http.get(f"/api/v1/customers/{customer}", headers=stack.office)
    assert r.json()["lot_walking_schedule"]["note"] == "gate \\u0000 code"  # an escaped backslash is text


async def test_an_error_on_the_approval_page_never_echoes_the_token(stack):
    r = await stack.http.post(f"/approve/{TOKEN_SHAPED}", data={"decision": "approve\0"})
    body = assert_problem(r, 422)
    assert TOKEN_SHAPED not in r.text and body["instance"] == "/approve/[redacted]"


async def test_an_unpaired_surrogate_in_a_free_json_field_is_422_not_500(stack):
    base = b'{"first_name": "Sur", "last_name": "Rogate", "latitude": 30.2, "longitude": -97.7, '
    lone = base + b'"lot_walking_schedule": {"note": "x\\ud800"}}'
    r = await stack.http.post(
        "/api/v1/customers", content=lone, headers={**stack.office, "content-type": "application/json"}
    )
    assert_problem(r, 422)
    paired = base + b'"lot_walking_schedule": {"note": "gate \\ud83d\\ude00"}}'  # an emoji: a valid pair
    r = await stack.http.post(
        "/api/v1/customers", content=paired, headers={**stack.office, "content-type": "application/json"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["lot_walking_schedule"]["note"] == "gate \U0001f600"
