"""Request → link approval → assignment → start → complete through the HTTP API, and the error cases."""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal

import pytest

from api.auth import create_api_key
from db.models import Message
from db.repositories import approval_tokens
from db.session import transaction
from domain.approval_links import hash_token
from domain.contracts.repair import RepairStatus

pytestmark = pytest.mark.integration
LINK = re.compile(r"https?://\S+/approve/([A-Za-z0-9_-]+)")


async def wait_status(stack, wo: str, wanted: set[str], timeout_s: float = 60) -> dict:
    for _ in range(int(timeout_s / 0.25)):
        r = await stack.http.get(f"/api/v1/repairs/{wo}", headers=stack.office)
        if r.status_code == 200 and r.json()["status"] in wanted:
            return r.json()
        await asyncio.sleep(0.25)
    raise AssertionError(f"{wo} never reached {wanted}; last {r.status_code} {r.text[:300]}")


async def new_customer(stack, **overrides) -> int:
    body = {
        "first_name": "Rosa",
        "last_name": "Delgado",
        "email": "rosa@example.com",
        "phone": "+15125550188",
        "preferred_contact_method": "sms",
        "address": "1100 Congress Ave",
        "city": "Austin",
        "state": "TX",
        "zip_code": "78701",
        "latitude": 30.2747,
        "longitude": -97.7404,
        "max_auto_approve_amount": "100.00",
        "require_photo_for_approval": True,
    }
    body.update(overrides)
    r = await stack.http.post("/api/v1/customers", json=body, headers=stack.office)
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def approval_link(stack, wo: str, version: int = 1) -> str:
    for _ in range(100):
        r = await stack.http.get("/api/v1/messages", params={"work_order_id": wo}, headers=stack.office)
        requests = [m for m in r.json()["items"] if m["purpose"] == f"approval-request-v{version}"]
        assert len(requests) <= 1
        if requests and requests[0]["status"] == "sent":  # "claimed" while the provider is called
            return LINK.search(requests[0]["body"]).group(0)
        await asyncio.sleep(0.2)
    raise AssertionError(f"no approval message v{version}")


async def test_link_approval_to_completion(stack):
    customer = await new_customer(stack)
    r = await stack.http.post(
        "/api/v1/repairs",
        json={
            "customer_id": customer,
            "job_type": "repair",
            "repair_count": 2,
            "description": "leak by the tank",
        },
        headers=stack.office,
    )
    assert r.status_code == 201, r.text
    wo = r.json()["id"]
    pending = await wait_status(stack, wo, {"pending_approval"})
    assert Decimal(pending["estimate_amount"]) == Decimal("95.00") + Decimal("50") + Decimal("40")
    assert any("over the customer's auto-approve limit" in reason for reason in pending["approval_reasons"])

    link = await approval_link(stack, wo)
    token = link.rsplit("/", 1)[1]
    page = await stack.http.get(link)
    assert (
        page.status_code == 200
        and "Approve $185.00" in page.text
        and "no-store" in page.headers["cache-control"]
    )
    assert (await wait_status(stack, wo, {"pending_approval"}))[
        "status"
    ] == "pending_approval"  # GET changed nothing

    done = await stack.http.post(link, data={"decision": "approve"})
    assert done.status_code == 200 and "Approved" in done.text
    again = await stack.http.post(link, data={"decision": "decline"})
    assert again.status_code == 410  # single use

    assigned = await wait_status(stack, wo, {"assigned"})
    assert assigned["approved_by"] == f"customer:{customer}:link"
    assert (
        assigned["technician_id"] and assigned["service_window_start"] and assigned["assignment_explanation"]
    )
    tech = assigned["technician_id"]
    tech_key = {"X-API-Key": stack.tech_keys[tech]}

    early = await stack.http.post(
        f"/api/v1/repairs/{wo}/complete", json={"labor_minutes": 30}, headers=tech_key
    )
    assert early.status_code == 409 and early.headers["content-type"] == "application/problem+json"
    assert "cannot complete" in early.json()["detail"]
    other = next(t for t in stack.tech_keys if t != tech)
    wrong = await stack.http.post(
        f"/api/v1/repairs/{wo}/start", json={}, headers={"X-API-Key": stack.tech_keys[other]}
    )
    assert wrong.status_code == 404  # another technician's job is not his to see

    started = await stack.http.post(f"/api/v1/repairs/{wo}/start", json={}, headers=tech_key)
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    parts = [{"description": "Float switch", "quantity": "1", "unit_cost": "89.00"}]
    completed = await stack.http.post(
        f"/api/v1/repairs/{wo}/complete", json={"labor_minutes": 75, "parts": parts}, headers=tech_key
    )
    assert completed.status_code == 200, completed.text
    assert Decimal(completed.json()["total_amount"]) == Decimal("274.00")

    record = await wait_status(stack, wo, {"completed"})
    assert record["total_labor_minutes"] == 75 and record["actual_end_time"]
    assert (
        await stack.http.post(f"/api/v1/repairs/{wo}/cancel", json={}, headers=stack.office)
    ).status_code == 409

    handle = stack.client.get_workflow_handle(f"repair-{wo}", result_type=RepairStatus)
    assert (await handle.result()).status == "completed"
    history = await handle.fetch_history()
    assert token not in history.to_json() and "+15125550188" not in history.to_json()
    assert not any(token in line for line in stack.access_log.lines)
    assert any("/approve/[redacted]" in line for line in stack.access_log.lines), stack.access_log.lines[-5:]
    for _ in range(40):
        found = await stack.client.count_workflows(f"WorkStatus = 'completed' AND WorkflowId = 'repair-{wo}'")
        if found.count == 1:
            break
        await asyncio.sleep(0.25)
    assert found.count == 1


async def test_auto_approval_and_expiry(stack):
    generous = await new_customer(stack, max_auto_approve_amount="500.00", require_photo_for_approval=False)
    auto = await stack.http.post(
        "/api/v1/repairs", json={"customer_id": generous, "job_type": "maintenance"}, headers=stack.office
    )
    strict = await new_customer(stack, preferred_contact_method="email")
    slow = await stack.http.post(
        "/api/v1/repairs", json={"customer_id": strict, "job_type": "pumping"}, headers=stack.office
    )
    auto_state = await wait_status(stack, auto.json()["id"], {"assigned", "awaiting_assignment"})
    assert auto_state["approval_mode"] == "auto_customer_limit"
    wo = slow.json()["id"]
    expired = await wait_status(stack, wo, {"expired"}, timeout_s=30)
    assert expired["approval_mode"] == "expired"
    with transaction(stack.sessions) as session:
        rows = session.query(Message).filter(Message.work_order_id == wo).order_by(Message.id).all()
        assert [m.purpose for m in rows] == ["approval-request-v1", "approval-reminder-v1"]
        assert {m.channel for m in rows} == {"email"}
        link = LINK.search(rows[0].body).group(0)
    closed = await stack.http.get(link)
    assert closed.status_code == 410 and "expired" in closed.text.lower()


async def test_errors_are_problem_json(stack):
    no_key = await stack.http.get("/api/v1/repairs")
    assert no_key.status_code == 401 and no_key.json()["detail"] == "missing X-API-Key header"
    missing = await stack.http.get("/api/v1/repairs/WO-20990101-9999", headers=stack.office)
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    bad_job = await stack.http.post(
        "/api/v1/repairs", json={"customer_id": 1, "job_type": "teleport"}, headers=stack.office
    )
    assert bad_job.status_code == 422 and "unknown job_type" in bad_job.json()["detail"]
    no_customer = await stack.http.post(
        "/api/v1/repairs", json={"customer_id": 999999, "job_type": "repair"}, headers=stack.office
    )
    assert no_customer.status_code == 404
    typo = await stack.http.post(
        "/api/v1/repairs", json={"customer_id": 1, "job_type": "repair", "prio": "x"}, headers=stack.office
    )
    assert typo.status_code == 422 and "prio" in typo.json()["detail"]
    assert (
        await stack.http.get("/api/v1/repairs", params={"page_size": 101}, headers=stack.office)
    ).status_code == 422
    bogus_link = await stack.http.get("/approve/not-a-real-token-at-all")
    assert bogus_link.status_code == 404
    generous = await new_customer(stack, max_auto_approve_amount="500.00", require_photo_for_approval=False)
    r = await stack.http.post(
        "/api/v1/repairs", json={"customer_id": generous, "job_type": "inspection"}, headers=stack.office
    )
    wo = r.json()["id"]
    await wait_status(stack, wo, {"assigned"})
    negative = await stack.http.post(
        f"/api/v1/repairs/{wo}/complete", json={"labor_minutes": -5}, headers=stack.office
    )
    assert negative.status_code == 422
    unknown_tech = await stack.http.post(
        f"/api/v1/repairs/{wo}/assign", json={"technician_id": "T-999"}, headers=stack.office
    )
    assert unknown_tech.status_code == 422 and "T-999" in unknown_tech.json()["detail"]
    for params in ({"page": 10**9}, {"page_size": 0}):
        assert (
            await stack.http.get("/api/v1/repairs", params=params, headers=stack.office)
        ).status_code == 422
    for bad in ({"scheduled_date": "9999-12-31"}, {"photos": [""]}, {"repair_count": 10**6}):
        resp = await stack.http.post(
            "/api/v1/repairs",
            json={"customer_id": generous, "job_type": "repair", **bad},
            headers=stack.office,
        )
        assert resp.status_code == 422, (bad, resp.text)
    tech = {"X-API-Key": stack.tech_keys["T-002"]}
    assert (
        await stack.http.get("/api/v1/messages", headers=tech)
    ).status_code == 403  # bodies hold live links


async def test_nobody_can_borrow_a_managers_approval_limit(stack):
    strict = await new_customer(stack, max_auto_approve_amount="50.00", require_photo_for_approval=False)
    body = {
        "customer_id": strict,
        "job_type": "repair",
        "repair_count": 3,
        "requested_by_technician_id": "T-001",
    }
    for key in (stack.office, {"X-API-Key": stack.tech_keys["T-002"]}):
        refused = await stack.http.post("/api/v1/repairs", json=body, headers=key)
        assert refused.status_code == 403 and "T-001" in refused.json()["detail"]
    with transaction(stack.sessions) as session:  # T-001 is a manager with a $750 limit
        manager = {"X-API-Key": create_api_key(session, name="T-001", role="manager", technician_id="T-001")}
    own = await stack.http.post("/api/v1/repairs", json=body, headers=manager)
    assert own.status_code == 201
    state = await wait_status(stack, own.json()["id"], {"assigned", "awaiting_assignment"})
    assert state["approval_mode"] == "manager_limit" and state["approved_by"] == "technician:T-001"


async def test_idempotency_key_makes_a_retry_safe(stack):
    customer = await new_customer(stack)
    headers = {**stack.office, "Idempotency-Key": "office-call-20261122-0001"}
    body = {"customer_id": customer, "job_type": "repair"}
    first = await stack.http.post("/api/v1/repairs", json=body, headers=headers)
    second = await stack.http.post("/api/v1/repairs", json=body, headers=headers)
    assert first.status_code == second.status_code == 201 and first.json()["id"] == second.json()["id"]
    await wait_status(stack, first.json()["id"], {"pending_approval", "assigned", "awaiting_assignment"})
    listed = await stack.http.get("/api/v1/repairs", params={"customer_id": customer}, headers=stack.office)
    assert listed.json()["total"] == 1
    other = await stack.http.post("/api/v1/repairs", json={**body, "repair_count": 4}, headers=headers)
    assert other.status_code == 422 and "different request" in other.json()["detail"]


async def test_revised_estimate_replaces_the_link(stack):
    customer = await new_customer(stack)
    body = {"customer_id": customer, "job_type": "repair", "repair_count": 1}
    r = await stack.http.post("/api/v1/repairs", json=body, headers=stack.office)
    wo = r.json()["id"]
    await wait_status(stack, wo, {"pending_approval"})
    old_link = await approval_link(stack, wo)
    revised = await stack.http.post(
        f"/api/v1/repairs/{wo}/estimate", json={"repair_count": 2}, headers=stack.office
    )
    assert revised.status_code == 200 and revised.json()["estimate_version"] == 2
    assert Decimal(revised.json()["estimate_amount"]) == Decimal("95.00") + Decimal("50") + Decimal("40")
    gone = await stack.http.get(old_link)
    assert gone.status_code == 410 and "no longer works" in gone.text
    assert (await stack.http.post(old_link, data={"decision": "approve"})).status_code == 410
    new_link = await approval_link(stack, wo, version=2)
    assert new_link != old_link and "Approve $185.00" in (await stack.http.get(new_link)).text
    assert (await stack.http.post(new_link, data={"decision": "approve"})).status_code == 200
    await wait_status(stack, wo, {"assigned", "awaiting_assignment"})


async def test_a_cancelled_repairs_link_says_it_was_cancelled(stack):
    customer = await new_customer(stack)
    body = {"customer_id": customer, "job_type": "repair", "repair_count": 1}
    wo = (await stack.http.post("/api/v1/repairs", json=body, headers=stack.office)).json()["id"]
    await wait_status(stack, wo, {"pending_approval"})
    link = await approval_link(stack, wo)
    cancelled = await stack.http.post(
        f"/api/v1/repairs/{wo}/cancel", json={"reason": "customer called"}, headers=stack.office
    )
    assert cancelled.status_code == 200, cancelled.text  # returns once the status is stored
    for page in (await stack.http.get(link), await stack.http.post(link, data={"decision": "approve"})):
        assert page.status_code == 410 and "Request cancelled" in page.text, page.text
        assert f"{wo} was cancelled" in page.text and "replaced" not in page.text.lower()
    token_hash = hash_token(link.rsplit("/", 1)[1])
    with transaction(stack.sessions) as session:
        row = approval_tokens.find_by_hash(session, token_hash=token_hash)
        assert row.revoked_reason == "cancelled" and row.revoked_at is not None
        row.revoked_reason = None  # as revoked by a worker older than the column
    old_worker = await stack.http.get(link)
    assert old_worker.status_code == 410 and "Request cancelled" in old_worker.text


async def test_only_office_reads_a_live_approval_link_in_the_outbox(stack):
    """A manager sees the open queue's messages, but not the customer's link in them: with it he
    could approve as the customer, past his own approval limit."""
    with transaction(stack.sessions) as session:
        manager = {"X-API-Key": create_api_key(session, name="it mgr", role="manager", technician_id="T-001")}
    customer = await new_customer(stack)
    r = await stack.http.post(
        "/api/v1/repairs",
        json={"customer_id": customer, "job_type": "repair", "repair_count": 2},
        headers=stack.office,
    )
    wo = r.json()["id"]
    await wait_status(stack, wo, {"pending_approval"})
    token = (await approval_link(stack, wo)).rsplit("/", 1)[1]
    for who, sees_token in ((stack.office, True), (manager, False)):
        listed = await stack.http.get("/api/v1/messages", params={"work_order_id": wo}, headers=who)
        assert listed.status_code == 200 and listed.json()["items"], listed.text
        one = await stack.http.get(f"/api/v1/messages/{listed.json()['items'][0]['id']}", headers=who)
        for text in (listed.text, one.text):
            assert (token in text) is sees_token
            assert "/approve/" in text
