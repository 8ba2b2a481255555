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

Adding a flow: subclass ``Flow`` (a ``name``, the ``expected`` end status and ``play``) and add it to
``FLOWS``; ``tests/reliability`` and ``bench/reliability.py`` pick it up. Flows share ``Driver``,
which retries through outages (503 and dropped connections) and records every status it saw.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import random
import re
import socket
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import httpx
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from api.auth import create_api_key
from config import Settings
from db.session import make_engine, make_session_factory, transaction
from devstack.demo_data import load_demo_data
from devstack.fake_providers import ProviderLog, fake_provider_apis
from devstack.postgres import postgres_running
from devstack.services import Stack
from domain.schedule import local_today
from temporal_client import connect_temporal

KILL_KINDS = ("worker", "temporal", "postgres")
LINK = re.compile(r"https?://[^\s\"\\]+/approve/([A-Za-z0-9_-]+)")
TERMINAL = {"completed", "cancelled", "declined", "expired"}


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Kill:
    """One SIGKILL: which component, seconds into the run, how long it stayed down (s), and how
    long the stack took to answer ``/readyz`` 200 again after the restart (s)."""

    kind: str
    at_s: float
    outage_s: float
    recovered_s: float | None = None


@dataclass
class Report:
    """What a run measured; ``problems()`` lists every broken promise (empty means pass)."""

    flows: int
    final: Counter[str] = field(default_factory=Counter)
    expected: Counter[str] = field(default_factory=Counter)
    flow_errors: dict[str, str] = field(default_factory=dict)
    flow_seconds: list[float] = field(default_factory=list)
    kills: list[Kill] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    outage_statuses: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    duplicate_messages: list[str] = field(default_factory=list)
    duplicate_provider_requests: list[str] = field(default_factory=list)
    duplicate_job_costs: list[str] = field(default_factory=list)
    work_orders_without_workflow: list[str] = field(default_factory=list)
    workflows_without_work_order: list[str] = field(default_factory=list)
    provider_requests: int = 0
    tokens_checked: int = 0
    token_leaks: list[str] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def reached_end(self) -> int:
        """Flows that ended in the status their flow expects."""
        return sum(min(self.final[s], n) for s, n in self.expected.items())

    def problems(self) -> list[str]:
        """Human-readable failures; empty when the run kept every promise."""
        out = []
        if self.reached_end != self.flows:
            out.append(f"{self.reached_end} of {self.flows} flows reached their end: {dict(self.final)}")
        out += [f"flow {k}: {v}" for k, v in sorted(self.flow_errors.items())]
        out += [f"server error: {e}" for e in self.server_errors]
        out += [f"duplicate outbox message: {d}" for d in self.duplicate_messages]
        out += [f"duplicate provider request: {d}" for d in self.duplicate_provider_requests]
        out += [f"duplicate job cost: {d}" for d in self.duplicate_job_costs]
        out += [f"work order without workflow: {w}" for w in self.work_orders_without_workflow]
        out += [f"workflow without work order: {w}" for w in self.workflows_without_work_order]
        out += [f"approval token leaked into {where}" for where in self.token_leaks]
        out += [f"{k.kind} did not recover after its restart" for k in self.kills if k.recovered_s is None]
        return out

    def summary(self) -> dict[str, object]:
        """The figures as one flat dict (for tables and JSON)."""
        secs = sorted(self.flow_seconds) or [0.0]
        return {
            "flows": self.flows,
            "reached_end": self.reached_end,
            "kills": ", ".join(f"{k.kind}@{k.at_s:.0f}s/{k.outage_s:.0f}s" for k in self.kills) or "none",
            "outage_answers": dict(self.outage_statuses),
            "server_errors": len(self.server_errors),
            "duplicate_messages": len(self.duplicate_messages),
            "provider_requests": self.provider_requests,
            "duplicate_provider_requests": len(self.duplicate_provider_requests),
            "duplicate_job_costs": len(self.duplicate_job_costs),
            "orphans": len(self.work_orders_without_workflow) + len(self.workflows_without_work_order),
            "token_leaks": len(self.token_leaks),
            "flow_p50_s": round(secs[len(secs) // 2], 1),
            "flow_max_s": round(secs[-1], 1),
            "duration_s": round(self.duration_s, 1),
        }


class Driver:
    """HTTP calls that ride out outages: a 503 or a dropped connection is retried with backoff
    until ``deadline``; any 5xx other than 503 is recorded as a server error. Every status code
    answered is counted in ``report.statuses``."""

    def __init__(self, http: httpx.AsyncClient, report: Report) -> None:
        self.http = http
        self.report = report

    async def call(
        self, method: str, path: str, *, deadline: float, ok: tuple[int, ...] = (200, 201), **kwargs: object
    ) -> httpx.Response:
        """Send until the answer is not a 503/dropped connection; raises TimeoutError at ``deadline``.
        Returns the first other answer (callers check ``ok`` themselves when they care)."""
        delay = 0.2
        while True:
            try:
                r = await self.http.request(method, path, **kwargs)  # type: ignore[arg-type]
                self.report.statuses[r.status_code] += 1
                if r.status_code >= 500 and r.status_code != 503:
                    self.report.server_errors.append(f"{method} {path}: {r.status_code} {r.text[:200]}")
                if r.status_code != 503:
                    return r
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{method} {path} kept failing")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 3.0)


@dataclass
class Context:
    """What flows share: the driver, keys, customers, the provider log and the run's id."""

    driver: Driver
    office: dict[str, str]
    tech_keys: dict[str, dict[str, str]]
    customers: list[dict]
    providers: ProviderLog
    run_id: str
    rng: random.Random
    timeout_s: float
    work_orders: list[str] = field(default_factory=list)


class Flow:
    """One kind of end-to-end journey. ``play`` returns the flow's final status."""

    name: ClassVar[str]
    expected: ClassVar[str]

    async def play(self, ctx: Context, n: int) -> str:
        raise NotImplementedError


class RepairFlow(Flow):
    """A repair from request to completed: filed by the office (Idempotency-Key, retried through
    outages), approved by the customer's link (even ``n``) or by the office on the phone (odd),
    assigned by the optimizer (or on request), started and completed by its technician."""

    name = "repair"
    expected = "completed"

    async def play(self, ctx: Context, n: int) -> str:
        d = ctx.driver
        deadline = time.monotonic() + ctx.timeout_s
        customer = ctx.customers[n % len(ctx.customers)]
        body = {
            "customer_id": customer["id"],
            "job_type": "repair",
            "repair_count": 1 + n % 4,
            "photos": [f"https://photos.example.com/rel-{n}.jpg"] if n % 3 == 0 else [],
            "description": f"reliability flow {n}",
        }
        headers = {**ctx.office, "Idempotency-Key": f"rel-{ctx.run_id}-{n}"}
        r = await d.call("POST", "/api/v1/repairs", json=body, headers=headers, deadline=deadline)
        if r.status_code != 201:
            raise RuntimeError(f"create: {r.status_code} {r.text[:200]}")
        wo = r.json()["id"]
        ctx.work_orders.append(wo)
        base = f"/api/v1/repairs/{wo}"
        while time.monotonic() < deadline:
            state = await d.call("GET", base, headers=ctx.office, deadline=deadline)
            status = state.json().get("status") if state.status_code == 200 else None
            if status in TERMINAL:
                return str(status)
            if status == "pending_approval":
                if n % 2 == 0 and (link := self._link(ctx, wo)):
                    page = await d.call("GET", link, deadline=deadline)
                    if page.status_code == 200:
                        await d.call("POST", link, data={"decision": "approve"}, deadline=deadline)
                elif n % 2 == 1:
                    reason = {"reason": "customer approved on the phone"}
                    await d.call(
                        "POST", f"{base}/approve", json=reason, headers=ctx.office, deadline=deadline
                    )
            elif status == "awaiting_assignment":
                await d.call("POST", f"{base}/assign", json={}, headers=ctx.office, deadline=deadline)
            elif status in ("assigned", "in_progress"):
                tech = ctx.tech_keys[state.json()["technician_id"]]
                if status == "assigned":
                    await d.call("POST", f"{base}/start", json={}, headers=tech, deadline=deadline)
                else:
                    part = {"description": "Float switch", "quantity": "1", "unit_cost": "89.00"}
                    done = {"labor_minutes": 30 + n % 60, "parts": [part]}
                    await d.call("POST", f"{base}/complete", json=done, headers=tech, deadline=deadline)
            await asyncio.sleep(0.5)
        raise TimeoutError(f"{wo} did not finish in {ctx.timeout_s:.0f} s")

    @staticmethod
    def _link(ctx: Context, work_order_id: str) -> str | None:
        """The newest approval link the customer received for this work order (SMS or email)."""
        found = [m.group(0) for t in ctx.providers.texts() if work_order_id in t for m in LINK.finditer(t)]
        return found[-1] if found else None


FLOWS: list[Flow] = [RepairFlow()]


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
        sms_provider="twilio",
        email_provider="sendgrid",
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="reliability",  # noqa: S106 - a loopback fake's credential
        twilio_from_number="+15125550000",
        twilio_api_base_url=provider_url,
        sendgrid_api_key="SG.reliability",
        sendgrid_api_host=provider_url,
    )


def settings_env(settings: Settings) -> dict[str, str]:
    """``FIELDOPS_*`` variables that make a child process read exactly ``settings``."""
    env = {}
    for name, value in settings.model_dump(exclude_none=True).items():
        env[f"FIELDOPS_{name.upper()}"] = str(value)
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
        await _audit(settings, running.sessions, ctx, report, running.providers, run_start)
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


async def _audit(
    settings: Settings,
    sessions: sessionmaker[Session],
    ctx: Context,
    report: Report,
    providers: ProviderLog,
    run_start: datetime,
) -> None:
    """Count duplicates and orphans straight from the tables and Temporal visibility (an oracle
    independent of the repositories), then grep every log and history for approval tokens."""
    ids = sorted(set(ctx.work_orders))
    with sessions() as session:
        for wo, purpose, n in session.execute(
            text(
                "SELECT work_order_id, purpose, count(*) FROM messages WHERE work_order_id = ANY(:ids) "
                "GROUP BY 1, 2 HAVING count(*) > 1"
            ),
            {"ids": ids},
        ):
            report.duplicate_messages.append(f"{wo} {purpose} x{n}")
        for wo, kind, desc, n in session.execute(
            text(
                "SELECT work_order_id, cost_type, coalesce(description, ''), count(*) FROM job_costs "
                "WHERE work_order_id = ANY(:ids) GROUP BY 1, 2, 3 HAVING count(*) > 1"
            ),
            {"ids": ids},
        ):
            report.duplicate_job_costs.append(f"{wo} {kind} {desc} x{n}")
        created = {
            row[0]
            for row in session.execute(
                text("SELECT id FROM work_orders WHERE created_at >= :t"), {"t": run_start}
            )
        }
    requests = [f"sms {m['to']}: {m['body']}" for m in providers.twilio] + [
        f"email {json.dumps(m, sort_keys=True)}" for m in providers.sendgrid
    ]
    report.provider_requests = len(requests)
    report.duplicate_provider_requests = [f"{r[:120]} x{n}" for r, n in Counter(requests).items() if n > 1]

    client = await connect_temporal(settings)
    start = run_start.strftime("%Y-%m-%dT%H:%M:%SZ")
    workflows = {
        wf.id: wf
        async for wf in client.list_workflows(f"WorkflowType = 'RepairWorkflow' AND StartTime >= '{start}'")
    }
    wf_ids = {w.removeprefix("repair-") for w in workflows}
    report.work_orders_without_workflow = sorted(created - wf_ids)
    report.workflows_without_work_order = sorted(wf_ids - created)

    tokens = {m.group(1) for t in providers.texts() for m in LINK.finditer(t)}
    report.tokens_checked = len(tokens)
    places = [*sorted((settings.state_dir / "logs").glob("*.log")), settings.pg_dir / "log"]
    places.append(settings.state_dir / "temporal.db")
    for place in places:
        if place.exists():
            data = place.read_bytes()
            report.token_leaks += [f"{place.name}" for t in tokens if t.encode() in data][:1]
    for wf_id in workflows:
        history = _history_text((await client.get_workflow_handle(wf_id).fetch_history()).to_json_dict())
        if any(t in history for t in tokens):
            report.token_leaks.append(f"the history of {wf_id}")


def _history_text(exported: dict) -> str:
    """An exported history as searchable text: its JSON plus every payload's data decoded
    (the export carries payload data base64-encoded)."""
    parts = [json.dumps(exported)]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, str) and "metadata" in node:
                with contextlib.suppress(ValueError):
                    parts.append(base64.b64decode(data).decode("utf-8", "replace"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(exported)
    return "\n".join(parts)
