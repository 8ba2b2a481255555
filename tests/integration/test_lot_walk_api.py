"""A fleet customer's lot walk through the API: start → walker → findings (as the walker) →
repairs priced by position → one approval link for the rest → answers → completion → summary."""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from db.models import Message
from db.session import transaction
from tests.integration.test_repair_api import new_customer, wait_status

pytestmark = pytest.mark.integration
WALK_LINK = re.compile(r"https?://\S+/lot-walk-approval/[A-Za-z0-9_-]+")
PHOTO = "https://photos.example.com/truck-12.jpg"


async def wait_walk(stack, walk_id: str, states: set[str], timeout_s: float = 60) -> dict:
    body: dict = {}
    for _ in range(int(timeout_s / 0.25)):
        r = await stack.http.get(f"/api/v1/lot-walks/{walk_id}", headers=stack.office)
        if r.status_code == 200:
            body = r.json()
            live = body["workflow"]["state"] if body["workflow"] else body["state"]
            if live in states or body["state"] in states:
                return body
        await asyncio.sleep(0.25)
    raise AssertionError(f"{walk_id} never reached {states}; last {body}")


async def test_lot_walk_through_the_api(stack):
    fleet = await new_customer(
        stack,
        company_name="Capital Metro Fleet",
        lot_walking_enabled=True,
        auto_approve_lot_repairs=True,
        max_auto_approve_amount="130.00",
        require_photo_for_approval=True,
        fleet_size=45,
    )
    put = await stack.http.put(
        f"/api/v1/customers/{fleet}/preferred-technicians",
        json={"technician_ids": ["T-002"]},
        headers=stack.office,
    )
    assert put.status_code == 200
    refused = await stack.http.post(
        f"/api/v1/customers/{await new_customer(stack)}/lot-walks", json={}, headers=stack.office
    )
    assert refused.status_code == 422 and "lot walking" in refused.json()["detail"]

    started = await stack.http.post(f"/api/v1/customers/{fleet}/lot-walks", json={}, headers=stack.office)
    assert started.status_code == 201, started.text
    walk_id = started.json()["id"]
    assert walk_id.startswith(f"lot-walk-{fleet}-") and started.json()["state"] == "requested"
    twice = await stack.http.post(f"/api/v1/customers/{fleet}/lot-walks", json={}, headers=stack.office)
    assert twice.status_code == 409

    walking = await wait_walk(stack, walk_id, {"walker_assigned"})
    walker = walking["workflow"]["technician_id"]
    assert walker == "T-002"  # the preferred technician walks

    findings = {
        "units": [
            {"unit": "Truck 12", "repairs": ["brake light", "mirror"], "photos": [PHOTO]},
            {"unit": "Truck 14", "repairs": ["wiper blade"], "photos": [PHOTO]},
            {"unit": "Van 3", "repairs": ["horn"], "notes": "rust on the step"},
        ]
    }
    other = await stack.http.post(
        f"/api/v1/lot-walks/{walk_id}/findings",
        json=findings,
        headers={"X-API-Key": stack.tech_keys["T-003"]},
    )
    assert other.status_code in (404, 409)  # not his walk
    recorded = await stack.http.post(
        f"/api/v1/lot-walks/{walk_id}/findings", json=findings, headers={"X-API-Key": stack.tech_keys[walker]}
    )
    assert recorded.status_code == 200, recorded.text
    repairs = recorded.json()["repairs"]
    assert [r["position"] for r in repairs] == [1, 2, 3, 4]
    ids = [r["work_order_id"] for r in repairs]

    asking = await wait_walk(stack, walk_id, {"awaiting_approval"})
    amounts = [Decimal(str(r["amount"])) for r in asking["workflow"]["repairs"]]
    assert amounts == [Decimal("145.00"), Decimal("135.00"), Decimal("130.00"), Decimal("125.00")]
    auto = await wait_status(stack, ids[2], {"assigned", "awaiting_assignment"})
    assert auto["approval_mode"] == "auto_customer_limit" and auto["from_lot_walk"] is True

    # ONE message for the walk, none per repair
    link = None
    for _ in range(100):
        with transaction(stack.sessions) as session:
            rows = list(session.scalars(select(Message).where(Message.customer_id == fleet)))
        walk_messages = [m for m in rows if m.purpose == "lot-walk-approval"]
        if walk_messages:
            assert len(walk_messages) == 1
            assert not [m for m in rows if m.purpose.startswith("approval-request")]
            assert {m.purpose for m in rows} == {"lot-walk-notice", "lot-walk-approval"}
            body = walk_messages[0].body
            assert "#1 Truck 12: brake light: $145.00" in body and "#4 Van 3: horn: $125.00" in body
            assert "#3" not in body  # the auto-approved one is not asked
            link = WALK_LINK.search(body).group(0)
            break
        await asyncio.sleep(0.2)
    assert link is not None
    page = await stack.http.get(link)
    assert page.status_code == 200 and "brake light" in page.text and "$135.00" in page.text
    answered = await stack.http.post(link, data={ids[0]: "approve", ids[1]: "decline", ids[3]: "approve"})
    assert answered.status_code == 200 and "2 repair(s) approved and 1 declined" in answered.text
    assert (await stack.http.post(link, data={ids[0]: "approve"})).status_code == 410  # single use

    declined = await wait_status(stack, ids[1], {"declined"})
    assert declined["approved_by"] is None
    for wo in (ids[0], ids[2], ids[3]):
        state = await wait_status(stack, wo, {"assigned"})
        assert state["approved_by"] in (f"customer:{fleet}:lot-walk-link", "policy:auto")
        start = await stack.http.post(f"/api/v1/repairs/{wo}/start", json={}, headers=stack.office)
        assert start.status_code == 200, start.text
        done = await stack.http.post(
            f"/api/v1/repairs/{wo}/complete", json={"labor_minutes": 20}, headers=stack.office
        )
        assert done.status_code == 200, done.text

    closed = await wait_walk(stack, walk_id, {"closed"})
    for _ in range(100):  # the live state is ahead of the stored summary by one activity
        if closed["closed_at"] is not None:
            break
        await asyncio.sleep(0.2)
        closed = (await stack.http.get(f"/api/v1/lot-walks/{walk_id}", headers=stack.office)).json()
    assert closed["state"] == "closed" and closed["workflow"] is None
    summary = {k: closed[k] for k in ("found", "auto_approved", "approved", "declined", "completed")}
    assert summary == {"found": 4, "auto_approved": 1, "approved": 2, "declined": 1, "completed": 3}
    assert Decimal(str(closed["amount"])) == Decimal("400.00")
    assert closed["repair_ids"] == ids and closed["findings"][0]["unit"] == "Truck 12"


async def test_the_demo_helper_plays_a_whole_walk(stack):
    from devstack.lot_walk_flow import play_lot_walk

    fleet = await new_customer(
        stack, company_name="Demo Fleet", fleet_size=45, require_photo_for_approval=True
    )
    closed = await play_lot_walk(
        stack.http, office_key=stack.office["X-API-Key"], tech_keys=stack.tech_keys, customer_id=fleet
    )
    assert closed["state"] == "closed" and closed["found"] == 5
    # positions 1-2 $145/$135 and 4-5 $125/$120 (no photo) wait; 3 ($130, photo) is auto-approved
    assert (closed["auto_approved"], closed["approved"], closed["declined"], closed["completed"]) == (
        1,
        3,
        1,
        4,
    )
