"""The customer 360 API tests' app (in process, no Temporal: these routes never use it), keys
and a fresh customer with a completed and an open job of T-002."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import create_api_key
from config import Settings
from db.session import transaction
from tests.integration.customer360_data import add_job, new_customer


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


def new_site_customer(api: Api) -> int:
    with transaction(api.sessions) as session:
        return new_customer(session).id
