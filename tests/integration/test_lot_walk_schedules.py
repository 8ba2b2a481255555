"""A fleet customer's lot-walk Temporal Schedule follows its settings through the customers API."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from temporalio.service import RPCError, RPCStatusCode

from api.services import lot_walk_schedules
from db.models import Customer
from db.session import transaction
from domain.ids import lot_walk_schedule_id
from tests.integration.test_repair_api import new_customer

pytestmark = pytest.mark.integration


async def describe(stack, customer_id: int):
    try:
        return await stack.client.get_schedule_handle(lot_walk_schedule_id(customer_id)).describe()
    except RPCError as err:
        assert err.status == RPCStatusCode.NOT_FOUND
        return None


def when(description) -> tuple[list[int], list[int], list[int]]:
    """Hours, minutes and weekdays (0 = Sunday) of a described schedule (Temporal returns a
    cron expression as a structured calendar)."""

    def values(ranges) -> list[int]:
        return sorted(v for r in ranges for v in range(r.start, max(r.end, r.start) + 1, r.step or 1))

    (calendar,) = description.schedule.spec.calendars
    return values(calendar.hour), values(calendar.minute), values(calendar.day_of_week)


async def test_schedule_is_created_updated_paused_and_deleted(stack):
    on_call = await new_customer(stack)
    assert await describe(stack, on_call) is None
    fleet = await new_customer(
        stack,
        lot_walking_enabled=True,
        service_mode="SCHEDULED",
        lot_walking_schedule={"days": ["tue", "fri"]},
        lot_walking_time="06:30",
    )
    created = await describe(stack, fleet)
    assert created is not None and when(created) == ([6], [30], [2, 5])
    assert created.schedule.state.paused is False
    assert created.schedule.spec.time_zone_name == stack.settings.timezone

    moved = await stack.http.patch(
        f"/api/v1/customers/{fleet}", json={"lot_walking_schedule": {"days": ["mon"]}}, headers=stack.office
    )
    assert moved.status_code == 200, moved.text
    assert when(await describe(stack, fleet)) == ([6], [30], [1])

    off = await stack.http.patch(
        f"/api/v1/customers/{fleet}", json={"lot_walking_enabled": False}, headers=stack.office
    )
    assert off.status_code == 200 and (await describe(stack, fleet)).schedule.state.paused is True
    on = await stack.http.patch(
        f"/api/v1/customers/{fleet}", json={"lot_walking_enabled": True}, headers=stack.office
    )
    assert on.status_code == 200 and (await describe(stack, fleet)).schedule.state.paused is False

    bad = await stack.http.patch(
        f"/api/v1/customers/{fleet}",
        json={"lot_walking_schedule": {"days": ["someday"]}},
        headers=stack.office,
    )
    assert bad.status_code == 422 and "days" in bad.json()["detail"]

    gone = await stack.http.patch(
        f"/api/v1/customers/{fleet}", json={"service_mode": "ON_CALL"}, headers=stack.office
    )
    assert gone.status_code == 200 and await describe(stack, fleet) is None

    hybrid = await stack.http.patch(
        f"/api/v1/customers/{fleet}", json={"service_mode": "HYBRID"}, headers=stack.office
    )
    assert hybrid.status_code == 200 and await describe(stack, fleet) is not None
    deleted = await stack.http.delete(f"/api/v1/customers/{fleet}", headers=stack.office)
    assert deleted.status_code == 204 and await describe(stack, fleet) is None


async def test_a_temporal_outage_leaves_nothing_half_written(stack, monkeypatch):
    fleet = await new_customer(
        stack, lot_walking_enabled=True, service_mode="HYBRID", lot_walking_schedule={"days": ["wed"]}
    )

    async def unreachable(*args, **kwargs):
        raise RPCError("connection refused", RPCStatusCode.UNAVAILABLE, b"")

    monkeypatch.setattr(lot_walk_schedules, "sync", unreachable)
    changed = await stack.http.patch(
        f"/api/v1/customers/{fleet}", json={"lot_walking_schedule": {"days": ["thu"]}}, headers=stack.office
    )
    assert changed.status_code == 503
    with transaction(stack.sessions) as session:
        assert session.get(Customer, fleet).lot_walking_schedule == {"days": ["wed"]}
    created = await stack.http.post(
        "/api/v1/customers",
        json={
            "first_name": "Outage",
            "last_name": "Fleet",
            "latitude": 30.3,
            "longitude": -97.7,
            "service_mode": "SCHEDULED",
            "lot_walking_schedule": {"days": ["mon"]},
        },
        headers=stack.office,
    )
    assert created.status_code == 503
    with transaction(stack.sessions) as session:
        assert (
            session.scalars(
                select(Customer).where(Customer.last_name == "Fleet", Customer.first_name == "Outage")
            ).first()
            is None
        )
    monkeypatch.undo()
    assert when(await describe(stack, fleet)) == ([7], [0], [3])
