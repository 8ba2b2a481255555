"""Upfront estimate on POST /repairs (seed 001 2.2), price override (1.3), pricing created_by
and audit (1.1, 5.2), and lot-walk findings through the API (2.3)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from db.models import AuditLog, WorkOrder
from db.session import transaction
from tests.integration.test_repair_api import approval_link, new_customer, wait_status

pytestmark = pytest.mark.integration


def audit_rows(stack, entity_id: str, action: str) -> list[AuditLog]:
    with transaction(stack.sessions) as session:
        return list(
            session.scalars(
                select(AuditLog)
                .where(AuditLog.entity_id == entity_id, AuditLog.action == action)
                .order_by(AuditLog.id)
            )
        )


async def test_a_new_request_answers_with_its_estimate(stack):
    customer = await new_customer(stack)
    r = await stack.http.post(
        "/api/v1/repairs",
        json={"customer_id": customer, "job_type": "repair", "repair_count": 2},
        headers={**stack.office, "Idempotency-Key": "upfront-estimate-0001"},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["id"] and body["workflow_id"] == f"repair-{body['id']}"
    assert body["status"] == "pending_approval" and body["estimate_note"] is None
    estimate = body["estimate"]
    assert Decimal(estimate["amount"]) == Decimal("185.00") and estimate["version"] == 1
    assert [line["amount"] for line in estimate["lines"]] == ["95.00", "50.00", "40.00"]
    assert estimate["approval"]["mode"] == "customer" and estimate["approval"]["approved"] is False
    assert any("over the customer's auto-approve limit" in x for x in estimate["approval"]["reasons"])
    # a retry with the same key answers with the same repair and its estimate, nothing new
    again = await stack.http.post(
        "/api/v1/repairs",
        json={"customer_id": customer, "job_type": "repair", "repair_count": 2},
        headers={**stack.office, "Idempotency-Key": "upfront-estimate-0001"},
    )
    assert again.status_code == 201 and again.json()["id"] == body["id"]
    assert again.json()["estimate"] == estimate

    generous = await new_customer(stack, max_auto_approve_amount="500.00", require_photo_for_approval=False)
    auto = await stack.http.post(
        "/api/v1/repairs", json={"customer_id": generous, "job_type": "maintenance"}, headers=stack.office
    )
    assert auto.status_code == 201, auto.text
    approval = auto.json()["estimate"]["approval"]
    assert approval == {
        "mode": "auto_customer_limit",
        "approved": True,
        "approved_by": "policy:auto",
        "reasons": approval["reasons"],
    }
    assert auto.json()["status"] in ("approved", "assigned", "awaiting_assignment")


async def test_price_override_before_and_after_approval(stack):
    customer = await new_customer(stack)
    r = await stack.http.post(
        "/api/v1/repairs",
        json={"customer_id": customer, "job_type": "repair", "repair_count": 2},
        headers=stack.office,
    )
    wo = r.json()["id"]
    assert r.json()["status"] == "pending_approval"
    first_link = await approval_link(stack, wo, 1)
    override = {"amount": "150.00", "reason": "repeat customer discount"}

    # a technician without can_override_pricing may not; T-001 (a manager with it) may
    plain = await stack.http.post(
        f"/api/v1/repairs/{wo}/price-override", json=override, headers={"X-API-Key": stack.tech_keys["T-002"]}
    )
    assert plain.status_code in (403, 404)
    short = await stack.http.post(
        f"/api/v1/repairs/{wo}/price-override",
        json={"amount": "150.00", "reason": "  "},
        headers=stack.office,
    )
    assert short.status_code == 422

    done = await stack.http.post(f"/api/v1/repairs/{wo}/price-override", json=override, headers=stack.office)
    assert done.status_code == 200, done.text
    assert done.json()["estimate_version"] == 2 and Decimal(done.json()["estimate_amount"]) == Decimal(
        "150.00"
    )
    assert (await stack.http.get(first_link)).status_code == 410  # the old price's link is dead
    second_link = await approval_link(stack, wo, 2)
    assert (await stack.http.post(second_link, data={"decision": "approve"})).status_code == 200
    await wait_status(stack, wo, {"assigned", "awaiting_assignment"})

    # after approval: higher is refused, lower is recorded without a new approval
    higher = await stack.http.post(
        f"/api/v1/repairs/{wo}/price-override",
        json={"amount": "160.00", "reason": "more parts"},
        headers=stack.office,
    )
    assert higher.status_code == 409 and "only be lowered" in higher.json()["detail"]
    lower = await stack.http.post(
        f"/api/v1/repairs/{wo}/price-override",
        json={"amount": "120.00", "reason": "late arrival"},
        headers=stack.office,
    )
    assert lower.status_code == 200, lower.text
    assert Decimal(lower.json()["cost_override"]) == Decimal("120.00")

    record = (await stack.http.get(f"/api/v1/repairs/{wo}", headers=stack.office)).json()
    assert Decimal(record["estimate_amount"]) == Decimal("120.00")
    assert Decimal(record["cost_override"]) == Decimal("120.00")
    assert Decimal(record["cost_override_from"]) == Decimal("185.00")
    assert record["cost_override_reason"] == "late arrival" and record["cost_override_by"].startswith(
        "staff:"
    )
    assert sum(Decimal(x["amount"]) for x in record["estimate_lines"]) == Decimal("120.00")
    (adjustment,) = [x for x in record["estimate_lines"] if x.get("kind") == "price_override"]
    assert Decimal(adjustment["amount"]) == Decimal("-65.00") and "late arrival" in adjustment["description"]

    rows = audit_rows(stack, wo, "price_overridden")
    assert [(r.details["old_price"], r.details["new_price"]) for r in rows] == [
        ("185.00", "150.00"),
        ("150.00", "120.00"),
    ]
    assert all(r.details["quoted_price"] == "185.00" and r.actor.startswith("staff:") for r in rows)


async def test_a_technician_with_can_override_pricing_may_override(stack):
    customer = await new_customer(stack)
    r = await stack.http.post(
        "/api/v1/repairs",
        json={"customer_id": customer, "job_type": "repair", "repair_count": 3},
        headers=stack.office,
    )
    wo = r.json()["id"]
    # T-001 serves the customer once the repair is his: assign it to him first
    with transaction(stack.sessions) as session:
        session.get(WorkOrder, wo).technician_id = "T-001"
    done = await stack.http.post(
        f"/api/v1/repairs/{wo}/price-override",
        json={"amount": "99.00", "reason": "fleet goodwill"},
        headers={"X-API-Key": stack.tech_keys["T-001"]},
    )
    assert done.status_code == 200, done.text
    assert Decimal(done.json()["estimate_amount"]) == Decimal("99.00")


async def test_pricing_records_its_author_and_every_change(stack):
    customer = await new_customer(stack)
    tiers = {"use_custom_pricing": True, "repair_1_price": "45.00", "volume_discount_percentage": "5"}
    first = await stack.http.put(f"/api/v1/customers/{customer}/pricing", json=tiers, headers=stack.office)
    assert first.status_code == 200 and first.json()["created_by"].startswith("staff:")
    other_office = None
    from api.auth import create_api_key

    with transaction(stack.sessions) as session:
        other_office = {"X-API-Key": create_api_key(session, name="pricing office 2", role="office")}
    changed = await stack.http.put(
        f"/api/v1/customers/{customer}/pricing",
        json={**tiers, "repair_1_price": "42.00"},
        headers=other_office,
    )
    assert changed.json()["created_by"] == first.json()["created_by"]  # the creator stays
    same = await stack.http.put(
        f"/api/v1/customers/{customer}/pricing",
        json={**tiers, "repair_1_price": "42.00"},
        headers=other_office,
    )
    assert same.status_code == 200
    created = audit_rows(stack, str(customer), "pricing_created")
    updated = audit_rows(stack, str(customer), "pricing_changed")
    assert len(created) == 1 and created[0].details["new"]["repair_1_price"] == "45.00"
    assert len(updated) == 1  # the unchanged PUT wrote nothing
    assert updated[0].details == {
        "changed": ["repair_1_price"],
        "old": {"repair_1_price": "45.00"},
        "new": {"repair_1_price": "42.00"},
    }
    assert updated[0].actor != created[0].actor and updated[0].entity_type == "customer_pricing"


async def test_lot_walk_findings_are_priced_by_position(stack):
    fleet = await new_customer(
        stack,
        max_auto_approve_amount="300.00",
        require_photo_for_approval=False,
        auto_approve_lot_repairs=True,
    )
    strict = await new_customer(stack, max_auto_approve_amount="300.00", require_photo_for_approval=False)
    body = {
        "job_type": "repair",
        "repair_count": 2,
        "from_lot_walk": True,
        "repair_position": 4,
        "visit_repair_count": 6,
    }
    auto = await stack.http.post("/api/v1/repairs", json={**body, "customer_id": fleet}, headers=stack.office)
    assert auto.status_code == 201, auto.text
    estimate = auto.json()["estimate"]
    assert [x["description"].split(" (")[0] for x in estimate["lines"][1:]] == ["Repair #4", "Repair #5"]
    assert Decimal(estimate["amount"]) == Decimal("95.00") + Decimal("30.00") + Decimal("25.00")
    assert estimate["approval"]["approved"] is True
    held = await stack.http.post(
        "/api/v1/repairs", json={**body, "customer_id": strict}, headers=stack.office
    )
    assert held.json()["estimate"]["approval"]["approved"] is False
    assert "does not auto-approve lot-walk repairs" in held.json()["estimate"]["approval"]["reasons"][0]
    record = (await stack.http.get(f"/api/v1/repairs/{held.json()['id']}", headers=stack.office)).json()
    assert (
        record["from_lot_walk"] is True
        and record["repair_position"] == 4
        and record["visit_repair_count"] == 6
    )

    bad = await stack.http.post(
        "/api/v1/repairs", json={**body, "customer_id": fleet, "visit_repair_count": 4}, headers=stack.office
    )
    assert bad.status_code == 422 and "below the last repair's position" in bad.json()["detail"]
    tech = await stack.http.post(
        "/api/v1/repairs",
        json={**body, "customer_id": fleet},
        headers={"X-API-Key": stack.tech_keys["T-002"]},
    )
    assert tech.status_code in (403, 404)
