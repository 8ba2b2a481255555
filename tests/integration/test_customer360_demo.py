"""The demo's customer 360 step (devstack/customer360_demo.py) on the demo data: every customer
gets its records, the fleet customer's view comes in one request, and a re-run adds nothing."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from api.app import create_app
from api.auth import create_api_key
from config import Settings
from db.models import Customer
from db.session import transaction
from devstack.customer360_demo import EQUIPMENT, play_customer360
from tests.integration.customer360_data import add_job

pytestmark = pytest.mark.integration


class Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def print(self, *objects: object) -> None:
        self.lines.append(" ".join(str(o) for o in objects))


async def test_the_demo_gives_every_customer_its_360_records_once(database):
    settings = Settings(profile="test", database_url=database.url, state_dir=database.tmp)
    app = create_app(settings, sessions=database.sessions, temporal=object())
    app.state.sessions, app.state.temporal, app.state.settings = database.sessions, object(), settings
    with transaction(database.sessions) as session:
        office = {"X-API-Key": create_api_key(session, name="c360 demo", role="office")}
        fleet = session.scalars(select(Customer).where(Customer.fleet_size > 0)).one()
        add_job(session, fleet, technician_id="T-004")  # a job of the demo day (not [SEED DATA])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        console = Lines()
        first = await play_customer360(http, office, console)
        again = await play_customer360(http, office, Lines())
    fleet = first["fleet_360"]
    assert fleet["customer"] == "Capital Metro Fleet Services"
    assert fleet["appliances"] == len(EQUIPMENT["fleet"]) and fleet["expenses"] == 2
    assert (
        fleet["reviews"] == 2
        and fleet["ratings"] == 2
        and fleet["referred"] == 1
        and fleet["follow_ups"] >= 1
    )
    assert (
        fleet["jobs"] > 0 and "one request" in console.lines[0] and first["referral_code"] in console.lines[0]
    )
    assert first["made"]["appliances"] >= 10 and first["made"]["reviews"] >= 10
    assert again["made"] == {"appliances": 0, "expenses": 0, "reviews": 0, "follow_ups": 0}
    assert again["fleet_360"] == fleet
