"""Dispatcher API through HTTP against the real stack: pin a repair, the re-plan moves it and the
repair's workflow follows; the day's plan per caller's scope; unpin; refusals."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from db.models import Message, Technician, TechnicianSkill, WorkOrder
from db.session import transaction
from domain.contracts.dispatch import DispatchSummary
from tests.integration.test_repair_api import new_customer, wait_status

pytestmark = pytest.mark.integration
TZ = ZoneInfo("America/Chicago")


def dispatch_day() -> date:
    """A Monday five weeks ahead: no other test plans repairs on it."""
    today = datetime.now(UTC).astimezone(TZ).date()
    return today + timedelta(days=(7 - today.weekday()) % 7 + 35)


async def finished(stack, replan: dict) -> DispatchSummary:
    handle = stack.client.get_workflow_handle(
        replan["workflow_id"], run_id=replan["run_id"], result_type=DispatchSummary
    )
    return await handle.result()


async def test_pin_moves_the_repair_and_unpin_releases_it(stack):
    day = dispatch_day()
    customer = await new_customer(stack, max_auto_approve_amount="500.00", require_photo_for_approval=False)
    created = await stack.http.post(
        "/api/v1/repairs",
        json={"customer_id": customer, "job_type": "maintenance", "scheduled_date": str(day)},
        headers=stack.office,
    )
    assert created.status_code == 201, created.text
    wo = created.json()["id"]
    before = await wait_status(stack, wo, {"assigned"})
    target = "T-006" if before["technician_id"] != "T-006" else "T-008"
    start = datetime(day.year, day.month, day.day, 13, 0, tzinfo=TZ)

    # refusals first: a technician lacking the skill, a technician key, an unknown repair
    unskilled = f"T-NS{uuid.uuid4().hex[:6]}"  # inspects only; no hours, so no other test gets him
    with transaction(stack.sessions) as session:
        session.add(
            Technician(
                id=unskilled,
                first_name="Ina",
                last_name="Spector",
                home_latitude=30.3,
                home_longitude=-97.7,
                home_zip="78701",
                working_hours={},
                skills=[TechnicianSkill(skill_type="inspection", verified=True)],
            )
        )
    no_skill = await stack.http.post(
        f"/api/v1/repairs/{wo}/pin", json={"technician_id": unskilled}, headers=stack.office
    )
    assert no_skill.status_code == 422 and "skill" in no_skill.json()["detail"]
    as_tech = await stack.http.post(
        f"/api/v1/repairs/{wo}/pin",
        json={"technician_id": target},
        headers={"X-API-Key": stack.tech_keys[target]},
    )
    assert as_tech.status_code == 403
    missing = await stack.http.post(
        "/api/v1/repairs/WO-20990101-9999/pin", json={"technician_id": target}, headers=stack.office
    )
    assert missing.status_code == 404
    naive = await stack.http.post(
        f"/api/v1/repairs/{wo}/pin",
        json={"technician_id": target, "start": "2026-12-01T13:00:00"},
        headers=stack.office,
    )
    assert naive.status_code == 422

    pinned = await stack.http.post(
        f"/api/v1/repairs/{wo}/pin",
        json={"technician_id": target, "start": start.isoformat()},
        headers=stack.office,
    )
    assert pinned.status_code == 200, pinned.text
    body = pinned.json()
    assert body["pinned_technician_id"] == target
    assert body["replan"]["workflow_id"] == f"dispatch-{day}"
    summary = await finished(stack, body["replan"])
    assert wo in summary.signalled

    # the repair's workflow took the new technician and window
    for _ in range(80):
        detail = (await stack.http.get(f"/api/v1/repairs/{wo}", headers=stack.office)).json()
        if detail["technician_id"] == target:
            break
        await asyncio.sleep(0.25)
    assert detail["technician_id"] == target and detail["status"] == "assigned"
    assert datetime.fromisoformat(detail["service_window_start"]) == start

    # the plan: office sees the route with the explanation; the technician only his own
    plan = (await stack.http.get(f"/api/v1/dispatch/{day}", headers=stack.office)).json()
    route = next(r for r in plan["routes"] if r["technician_id"] == target)
    stop = next(s for s in route["stops"] if s["work_order_id"] == wo)
    assert datetime.fromisoformat(stop["start"]) == start and "pinned" in stop["why"]
    own = (
        await stack.http.get(f"/api/v1/dispatch/{day}", headers={"X-API-Key": stack.tech_keys[target]})
    ).json()
    assert {r["technician_id"] for r in own["routes"]} == {target} and own["unassigned"] == []
    other = "T-001" if target != "T-001" else "T-002"
    theirs = (
        await stack.http.get(f"/api/v1/dispatch/{day}", headers={"X-API-Key": stack.tech_keys[other]})
    ).json()
    assert all(s["work_order_id"] != wo for r in theirs["routes"] for s in r["stops"])

    # the customer and both technicians were told once
    with transaction(stack.sessions) as session:
        purposes = [m.purpose for m in session.scalars(select(Message).where(Message.work_order_id == wo))]
    assert purposes.count("dispatch-change") == 1

    # re-planning again changes nothing for a pinned repair: nobody is told twice
    again = await stack.http.post(f"/api/v1/dispatch/{day}/replan", headers=stack.office)
    assert again.status_code == 202
    assert wo not in (await finished(stack, again.json())).signalled

    unpinned = await stack.http.post(f"/api/v1/repairs/{wo}/unpin", json={}, headers=stack.office)
    assert unpinned.status_code == 200 and unpinned.json()["pinned_technician_id"] is None
    await finished(stack, unpinned.json()["replan"])
    with transaction(stack.sessions) as session:
        row = session.get(WorkOrder, wo)
        assert row.pinned_technician_id is None and row.pinned_start is None
        assert row.technician_id is not None  # still planned, now wherever the optimizer likes


async def test_replan_refuses_days_out_of_range(stack):
    far = datetime.now(UTC).date() + timedelta(days=400)
    r = await stack.http.post(f"/api/v1/dispatch/{far}/replan", headers=stack.office)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    empty = await stack.http.get(f"/api/v1/dispatch/{far}", headers=stack.office)
    assert empty.status_code == 200 and empty.json()["plan_id"] is None


async def test_the_demo_helper_dispatches_a_day(stack):
    from devstack.dispatch_day import dispatch_days

    day = dispatch_day() + timedelta(days=1)  # a Tuesday with one repair of its own
    customer = await new_customer(stack, max_auto_approve_amount="500.00", require_photo_for_approval=False)
    created = await stack.http.post(
        "/api/v1/repairs",
        json={"customer_id": customer, "job_type": "inspection", "scheduled_date": str(day)},
        headers=stack.office,
    )
    wo = created.json()["id"]
    await wait_status(stack, wo, {"assigned"})
    summary = await dispatch_days(stack.http, stack.office, [day])
    totals = summary[day.isoformat()]
    assert totals["stops"] >= 1 and totals["routes"] >= 1 and totals["unassigned"] == {}
