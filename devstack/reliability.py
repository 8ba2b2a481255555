"""The reliability harness: real servers as subprocesses, flows through the HTTP API, SIGKILLs.

One run (``run_reliability``) starts the embedded PostgreSQL, the Temporal dev server, both workers
and the API exactly as ``fieldops dev`` does (``devstack.services.Stack``), with SMS and email going
through the real Twilio and SendGrid SDKs to loopback fakes (``devstack.fake_providers``) so every
provider request is counted. It then plays N flows through the API — office staff file the request,
the customer answers the link from the text he received or the office approves by phone, the
technician starts and completes the job — while a chaos task SIGKILLs a worker, the Temporal server
or PostgreSQL at random points and restarts it after an outage. A probe calls the read routes during
every outage: they must answer 503 (or 200), never 500 and never drop the connection.

Pass (``Report.problems()`` empty): every flow reached its expected end; no outbox message twice per
(work order, purpose); no provider request twice; no job cost twice; every work order of the run has
its workflow and every workflow its work order; no approval token in any log, the PostgreSQL log,
``temporal.db`` or an exported workflow history.

Adding a flow: in ``devstack.reliability_flows`` subclass ``Flow`` (a ``name``, the ``expected`` end status and ``play``) and add it to
``FLOWS``; ``tests/reliability`` and ``bench/reliability.py`` pick it up. Flows share ``Driver``,
which retries through outages (503 and dropped connections) and records every status it saw.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy.orm import Session, sessionmaker

from api.auth import create_api_key
from config import Settings
from db.session import make_engine, make_session_factory, transaction
from devstack.demo_data import load_demo_data
from devstack.fake_providers import ProviderLog, fake_provider_apis
from devstack.postgres import postgres_running
from devstack.reliability_flows import FLOWS, Context, Driver
from devstack.reliability_report import Kill, Report, audit
from devstack.services import Stack
from domain.schedule import local_today

KILL_KINDS = ("worker", "temporal", "postgres")


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Chaos:
    """Kills and restarts components of ``stack`` (``KILL_KINDS``) through the stack's own
    ``kill`` / ``restart``; the harness does not run the supervisor, so each outage lasts exactly
    as long as the run decides."""

    stack: Stack

    @staticmethod
    def component(kind: str) -> str:
        """The stack's name for a kill kind (``worker`` is the main-queue worker)."""
        return {"worker": "worker-main"}.get(kind, kind)

    def kill(self, kind: str) -> None:
        """SIGKILL ``kind`` (a child's process group, or PostgreSQL's postmaster, whose backends
        exit by themselves) and wait until it is gone."""
        name = self.component(kind)
        pid = self.stack.kill(name)
        deadline = time.monotonic() + 10
        if name == "postgres":
            while postgres_running(self.stack.settings) == pid and time.monotonic() < deadline:
                time.sleep(0.1)
        else:
            self.stack.child(name).process.wait(10)

    def restart(self, kind: str) -> None:
        """Start ``kind`` again from its recipe (same command line, ports and data directory) and
        wait until it is ready."""
        self.stack.restart(self.component(kind))


@dataclass
class RunConfig:
    """One run: ``flows`` journeys arriving evenly over ``arrival_s`` seconds (cycling through
    ``FLOWS``), the ``kills`` in order at random points of that window, each kept down for a random
    ``outage_s`` range (s); ``seed`` makes the points and outages repeatable."""

    flows: int = 20
    kills: tuple[str, ...] = KILL_KINDS
    arrival_s: float = 40.0
    outage_s: tuple[float, float] = (3.0, 8.0)
    flow_timeout_s: float = 240.0
    concurrency: int = 12
    seed: int = 6


def harness_settings(state_dir: Path, provider_url: str) -> Settings:
    """Settings for a run: free ports, second-scale reminders, a long expiry (an outage must not
    expire an estimate), real Twilio/SendGrid SDKs against the loopback fakes."""
    api_port = free_port()
    return Settings(
        profile="test",
        state_dir=state_dir,
        temporal_address=f"127.0.0.1:{free_port()}",
        temporal_ui_port=free_port(),
        api_port=api_port,
        public_base_url=f"http://127.0.0.1:{api_port}",
        approval_reminder_seconds=15,
        approval_expiry_seconds=900,
        assignment_time_limit_seconds=2,
        dispatch_time_limit_seconds=1,
        sms_provider="twilio",
        email_provider="sendgrid",
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="reliability",  # noqa: S106 - a loopback fake's credential
        twilio_from_number="+15125550000",
        twilio_api_base_url=provider_url,
        sendgrid_api_key="SG.reliability",
        sendgrid_api_host=provider_url,
        # hundreds of flows text the same ten demo customers: the caps are not what is measured
        sms_max_per_phone_per_day=100_000,
        sms_max_per_day=1_000_000,
    )


def settings_env(settings: Settings) -> dict[str, str]:
    """``FIELDOPS_*`` variables that make a child process read exactly ``settings``."""
    env = {}
    for name, value in settings.model_dump(exclude_none=True).items():
        # lists (the dunning cadence) in the JSON form pydantic-settings parses
        env[f"FIELDOPS_{name.upper()}"] = json.dumps(value) if isinstance(value, list) else str(value)
    return env


@dataclass
class RunningStack:
    """A harness stack: the servers, its settings, the database sessions, the keys and the
    provider fakes' log."""

    stack: Stack
    settings: Settings
    sessions: sessionmaker[Session]
    admin_key: str
    office_key: str
    tech_keys: dict[str, str]
    providers: ProviderLog


@contextmanager
def running_stack(state_dir: Path) -> Iterator[RunningStack]:
    """PostgreSQL (demo data loaded), the Temporal dev server, both workers and the API as
    subprocesses under ``state_dir``, messages going to loopback Twilio/SendGrid fakes; stopped
    when the block ends. Raises StackError when a component cannot start."""
    with fake_provider_apis() as (provider_url, providers):
        settings = harness_settings(state_dir, provider_url)
        saved = dict(os.environ)
        os.environ.update(settings_env(settings))  # children read their settings from the environment
        stack = Stack(settings)
        try:
            stack.claim()
            url = stack.start_postgres()
            sessions = make_session_factory(make_engine(url))
            with transaction(sessions) as session:
                load_demo_data(session, today=local_today(datetime.now(UTC), settings.timezone))
                admin = create_api_key(session, name="harness admin", role="admin")
                office = create_api_key(session, name="harness office", role="office")
                techs = {
                    f"T-{i:03d}": create_api_key(
                        session, name=f"harness T-{i:03d}", role="technician", technician_id=f"T-{i:03d}"
                    )
                    for i in range(1, 9)
                }
            stack.start_temporal()
            stack.start_workers()
            stack.start_api()
            yield RunningStack(stack, settings, sessions, admin, office, techs, providers)
        finally:
            try:
                stack.stop()
            finally:
                os.environ.clear()
                os.environ.update(saved)


async def run_reliability(
    config: RunConfig, state_dir: Path, *, say: Callable[[str], object] = print
) -> Report:
    """Start a stack under ``state_dir``, play ``config``, audit, stop everything; returns the report.

    Raises StackError when the stack cannot start at all. The stack is stopped whatever happens.
    """
    report = Report(flows=config.flows)
    rng = random.Random(config.seed)
    with running_stack(state_dir) as running:
        settings = running.settings
        say(f"stack up under {state_dir}; {config.flows} flows, kills: {', '.join(config.kills) or 'none'}")
        started = time.monotonic()
        run_start = datetime.now(UTC)
        async with httpx.AsyncClient(base_url=settings.public_base_url, timeout=30) as http:
            office_h = {"X-API-Key": running.office_key}
            customers = (await http.get("/api/v1/customers?page_size=100", headers=office_h)).json()["items"]
            ctx = Context(
                driver=Driver(http, report),
                office=office_h,
                tech_keys={t: {"X-API-Key": k} for t, k in running.tech_keys.items()},
                customers=sorted(customers, key=lambda c: c["id"]),
                providers=running.providers,
                run_id=uuid.uuid4().hex[:10],
                rng=rng,
                timeout_s=config.flow_timeout_s,
            )
            chaos = asyncio.create_task(
                _chaos(Chaos(running.stack), config, rng, report, http, office_h, started)
            )
            await _play_all(ctx, config, report)
            await chaos
        report.duration_s = time.monotonic() - started
        await audit(settings, running.sessions, ctx.work_orders, report, running.providers, run_start)
    return report


async def _play_all(ctx: Context, config: RunConfig, report: Report) -> None:
    gate = asyncio.Semaphore(config.concurrency)
    spacing = config.arrival_s / max(config.flows, 1)

    async def one(n: int) -> None:
        await asyncio.sleep(n * spacing)
        flow = FLOWS[n % len(FLOWS)]
        report.expected[flow.expected] += 1
        async with gate:
            began = time.monotonic()
            try:
                report.final[await flow.play(ctx, n)] += 1
            except Exception as err:
                report.final["unfinished"] += 1
                report.flow_errors[f"{flow.name}-{n}"] = f"{type(err).__name__}: {err}"
            report.flow_seconds.append(time.monotonic() - began)

    await asyncio.gather(*(one(n) for n in range(config.flows)))


PROBES = ("/readyz", "/api/v1/repairs?page_size=5", "/api/v1/customers/1")


async def _chaos(
    chaos: Chaos,
    config: RunConfig,
    rng: random.Random,
    report: Report,
    http: httpx.AsyncClient,
    office: dict[str, str],
    started: float,
) -> None:
    """Kill each of ``config.kills`` at a random point of the arrival window, probe the API while
    it is down, restart it and time the recovery."""
    if not config.kills:
        return
    slot = config.arrival_s / len(config.kills)
    for i, kind in enumerate(config.kills):
        at = started + slot * i + rng.uniform(0.2, 0.8) * slot
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        outage = rng.uniform(*config.outage_s)
        kill = Kill(kind, at_s=time.monotonic() - started, outage_s=outage)
        report.kills.append(kill)
        await asyncio.to_thread(chaos.kill, kind)
        down_until = time.monotonic() + outage
        while time.monotonic() < down_until:
            await _probe(http, office, report, kind)
            await asyncio.sleep(0.5)
        await asyncio.to_thread(chaos.restart, kind)
        restarted = time.monotonic()
        while time.monotonic() - restarted < 60:
            try:
                if (await http.get("/readyz")).status_code == 200:
                    kill.recovered_s = time.monotonic() - restarted
                    break
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.5)


async def _probe(http: httpx.AsyncClient, office: dict[str, str], report: Report, kind: str) -> None:
    """Read routes during an outage: 503 or 200 are right; a 500 or a dropped connection is not."""
    for path in PROBES:
        try:
            r = await http.get(path, headers=office, timeout=10)
        except httpx.TransportError as err:
            report.outage_statuses[f"{kind}:dropped"] += 1
            report.server_errors.append(f"GET {path} during {kind} outage: {type(err).__name__}")
            continue
        report.outage_statuses[f"{kind}:{r.status_code}"] += 1
        if r.status_code >= 500 and r.status_code != 503:
            report.server_errors.append(f"GET {path} during {kind} outage: {r.status_code}")
        elif r.status_code == 503 and "retry-after" not in r.headers:
            report.server_errors.append(f"GET {path} during {kind} outage: 503 without Retry-After")
