"""A day of repair requests driven through the HTTP API as office staff, customers and technicians would.

44 requests from every demo customer (one a fleet customer) with a job mix that exercises
auto-approval, manager approval, approval and decline by link (the demo opens the link itself),
decline by staff, expiry, cancellation, smart assignment across the technicians, and
completion with labor and parts. Ends with a summary table and ``<state_dir>/demo-report.json``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import httpx
from rich.console import Console

from api.auth import create_api_key
from config import Settings
from db.session import make_engine, make_session_factory, transaction
from devstack.demo_after_day import after_day
from devstack.demo_data import load_demo_data
from devstack.demo_history import completion_volumes
from devstack.demo_report import build_report, fetch_all, print_report
from devstack.dispatch_day import dispatch_days
from devstack.http import http_client
from devstack.services import Stack, StackError
from devstack.tracking_demo import play_tracking
from domain.schedule import local_today

REQUESTS = 44
LINK = re.compile(r"https?://[^\s]+/approve/[A-Za-z0-9_-]+")
JOB_MIX = [
    "repair",
    "repair",
    "maintenance",
    "pumping",
    "repair",
    "grease_trap",
    "inspection",
    "repair",
    "camera_inspection",
    "maintenance",
    "emergency",
]
PENDING_ANSWERS = [
    "revise_then_link",
    "link_approve",
    "staff_approve",
    "link_decline",
    "link_approve",
    "expire",
    "staff_decline",
    "link_approve",
]
PARTS = [
    ("PVC coupling 4in", "12.50"),
    ("Effluent filter", "64.00"),
    ("Float switch", "89.00"),
    ("Baffle tee", "38.75"),
    ("Gasket kit", "15.25"),
    ("Pump check valve", "42.00"),
]
FINAL = {"completed", "cancelled", "declined", "expired"}
console = Console()
T = TypeVar("T")


@dataclass
class Plan:
    """One request of the day and what the people involved will do with it."""

    n: int
    customer_id: int
    job_type: str
    repair_count: int
    photos: list[str]
    requested_by: str | None
    answer: str
    cancel_after_assign: bool
    work_order_id: str | None = None
    events: list[str] = field(default_factory=list)
    final_status: str | None = None
    error: str | None = None


def make_plans(customers: list[dict], rng: random.Random) -> list[Plan]:
    """The day's requests: every customer, the job mix, photos on some, a manager on some."""
    plans = []
    for n in range(REQUESTS):
        customer = customers[n % len(customers)]
        job = JOB_MIX[n % len(JOB_MIX)]
        repairs = rng.choice([1, 1, 2, 3]) if job in ("repair", "maintenance") else 0
        if customer.get("fleet_size", 0) > 0 and job == "repair":
            repairs = rng.choice([3, 5, 6])
        plans.append(
            Plan(
                n=n,
                customer_id=customer["id"],
                job_type=job,
                repair_count=repairs,
                photos=[f"https://photos.example.com/req-{n}.jpg"] if n % 3 != 2 else [],
                requested_by="T-001" if n % 9 == 4 else ("T-005" if n % 13 == 7 else None),
                answer=PENDING_ANSWERS[n % len(PENDING_ANSWERS)],
                cancel_after_assign=n % 17 == 11,
            )
        )
    return plans


class DemoFailed(StackError):
    """The day could not be played at all (say, every request was refused); the message says why."""


class DemoCheckFailed(Exception):
    """Something the day relies on did not hold (recorded as that repair's error)."""


def expect(condition: bool, what: str) -> None:
    """Check a property of the system under demo; raises DemoCheckFailed."""
    if not condition:
        raise DemoCheckFailed(what)


class DayRunner:
    """Plays each plan to its end against the API at ``base_url``."""

    def __init__(self, base_url: str, office_key: str, tech_keys: dict[str, str], rng: random.Random) -> None:
        self.base_url = base_url
        self.office = {"X-API-Key": office_key}
        self.tech_keys = tech_keys
        self.rng = rng
        self.rejected_as_expected = 0
        self.dispatched: dict[str, dict] = {}
        #: the job driven to with live tracking (ETA, late, arrival), once one of today's is worked
        self.tracked: dict | None = None
        #: the demo's local day (set by ``run_demo``); None tracks no job
        self.today: date | None = None
        # Idempotency-Keys are unique per run, not drawn from the seeded ``rng``: a replayed key is a
        # retry of the previous run's request. The draw the run id once took is kept, so the day's
        # plan stays as it was.
        rng.getrandbits(32)
        self.run_id = uuid.uuid4().hex[:12]

    async def wait_status(
        self, http: httpx.AsyncClient, plan: Plan, leave: set[str], timeout_s: float = 90
    ) -> dict:
        deadline = time.monotonic() + timeout_s
        while True:
            r = await http.get(f"/api/v1/repairs/{plan.work_order_id}", headers=self.office)
            if r.status_code == 200 and r.json()["status"] not in leave:
                return r.json()
            if time.monotonic() > deadline:
                raise TimeoutError(f"{plan.work_order_id} stuck in {r.json().get('status')}")
            await asyncio.sleep(0.4)

    def refused(self, response: httpx.Response, what: str) -> None:
        """``what`` must be refused (409/410); counts it, and fails the repair's plan when it was not."""
        expect(response.status_code in (409, 410), f"{what} was not refused ({response.status_code})")
        self.rejected_as_expected += 1

    async def link_for(self, http: httpx.AsyncClient, plan: Plan, version: int) -> str:
        """The approval link of estimate ``version`` from the outbox (it goes out just after pending)."""
        for _ in range(100):
            r = await http.get(
                "/api/v1/messages", params={"work_order_id": plan.work_order_id}, headers=self.office
            )
            bodies = [m["body"] for m in r.json()["items"] if m["purpose"] == f"approval-request-v{version}"]
            if bodies:
                return LINK.search(bodies[0]).group(0)
            await asyncio.sleep(0.3)
        raise TimeoutError(f"no approval link v{version} for {plan.work_order_id}")

    async def answer_link(self, http: httpx.AsyncClient, plan: Plan, decision: str, version: int = 1) -> None:
        link = await self.link_for(http, plan, version)
        page = await http.get(link)
        expect(page.status_code == 200 and "Approve" in page.text, f"approval page: {page.status_code}")
        done = await http.post(link, data={"decision": decision})
        expect(done.status_code == 200, f"answering the link: {done.status_code}")
        self.refused(await http.post(link, data={"decision": decision}), "a second answer on a used link")
        plan.events.append(f"link:{decision}")

    async def revise(self, http: httpx.AsyncClient, plan: Plan) -> None:
        """The technician found one more repair: staff revise, the v1 link dies, v2 goes out."""
        old_link = await self.link_for(http, plan, 1)
        r = await http.post(
            f"/api/v1/repairs/{plan.work_order_id}/estimate",
            json={"repair_count": plan.repair_count + 1},
            headers=self.office,
        )
        r.raise_for_status()
        plan.events.append("revised")
        self.refused(await http.get(old_link), "the link of the replaced estimate")
        if r.json()["status"] == "pending_approval":
            await self.answer_link(http, plan, "approve", version=2)

    async def play(self, http: httpx.AsyncClient, plan: Plan) -> None:
        body = {
            "customer_id": plan.customer_id,
            "job_type": plan.job_type,
            "repair_count": plan.repair_count,
            "photos": plan.photos,
            "description": f"Demo request #{plan.n}",
            "requested_by_technician_id": plan.requested_by,
        }
        if plan.job_type == "emergency" and self.today is not None:
            body["scheduled_date"] = str(self.today)  # an emergency is served the same day
        # a manager in the field files his own requests (his approval limit applies); the office the rest
        who = {"X-API-Key": self.tech_keys[plan.requested_by]} if plan.requested_by else self.office
        headers = {**who, "Idempotency-Key": f"demo-{self.run_id}-{plan.n}"}
        r = await http.post("/api/v1/repairs", json=body, headers=headers)
        r.raise_for_status()
        plan.work_order_id = r.json()["id"]
        retry = await http.post("/api/v1/repairs", json=body, headers=headers)  # a client retry: no duplicate
        expect(retry.json()["id"] == plan.work_order_id, "a retried request created a second repair")
        state = await self.wait_status(http, plan, {"requested", "approved"})
        if state["status"] == "pending_approval":
            plan.events.append("pending")
            if plan.answer == "revise_then_link":
                await self.revise(http, plan)
            elif plan.answer == "link_approve":
                await self.answer_link(http, plan, "approve")
            elif plan.answer == "link_decline":
                await self.answer_link(http, plan, "decline")
            elif plan.answer in ("staff_approve", "staff_decline"):
                action = plan.answer.split("_")[1]
                r = await http.post(
                    f"/api/v1/repairs/{plan.work_order_id}/{action}",
                    json={"reason": f"customer phoned to {action}"},
                    headers=self.office,
                )
                r.raise_for_status()
                plan.events.append(f"staff:{action}")
            state = await self.wait_status(http, plan, {"pending_approval", "approved"}, timeout_s=120)
        if state["status"] == "awaiting_assignment":
            r = await http.post(f"/api/v1/repairs/{plan.work_order_id}/assign", json={}, headers=self.office)
            state = await self.wait_status(http, plan, {"approved"})
        if state["status"] == "assigned":
            plan.events.append(f"assigned:{state['technician_id']}")

    async def act(self, http: httpx.AsyncClient, url: str, body: dict, headers: dict) -> httpx.Response:
        """POST a staff action, retrying while the repair is applying another change (the 409 that
        says "retry": a dispatch re-plan reaching the workflow); raises on any other refusal."""
        for _ in range(60):
            r = await http.post(url, json=body, headers=headers)
            if r.status_code != 409 or "retry" not in r.json().get("detail", ""):
                break
            await asyncio.sleep(0.5)
        if r.status_code >= 400:
            detail = r.json().get("detail") if "json" in r.headers.get("content-type", "") else r.text
            raise DemoCheckFailed(f"POST {url} answered {r.status_code}: {detail}")
        return r

    async def settled(self, http: httpx.AsyncClient, plan: Plan, timeout_s: float = 60) -> dict:
        """The repair once the dispatch re-plan has reached its workflow: the workflow holds the
        technician the plan wrote to the record (DispatchWorkflow signals the changed repairs one
        after another after writing the plan). ``technician_id`` of the answer is the workflow's."""
        deadline = time.monotonic() + timeout_s
        while True:
            state = (await http.get(f"/api/v1/repairs/{plan.work_order_id}", headers=self.office)).json()
            live = state.get("workflow") or {}
            taken = live.get("technician_id") == state["technician_id"]
            if state["status"] != "assigned" or taken or time.monotonic() > deadline:
                state["technician_id"] = live.get("technician_id") or state["technician_id"]
                state["status"] = live.get("status") or state["status"]
                return state
            await asyncio.sleep(0.4)

    async def finish(self, http: httpx.AsyncClient, plan: Plan) -> None:
        """After dispatch: the technician the day's plan gave the job starts and completes it. A job
        the plan could not fit (capacity) is assigned by the office with the single-job model."""
        state = await self.settled(http, plan)
        if state["status"] == "awaiting_assignment":
            await self.act(http, f"/api/v1/repairs/{plan.work_order_id}/assign", {}, self.office)
            state = await self.wait_status(http, plan, {"awaiting_assignment"})
            plan.events.append("office-assigned")
        if state["status"] == "assigned":
            if f"assigned:{state['technician_id']}" not in plan.events:
                plan.events.append(f"dispatched:{state['technician_id']}")
            await self.work(http, plan, state)
        plan.final_status = (await self.wait_status(http, plan, set()))["status"]

    async def dispatch(self, http: httpx.AsyncClient, plans: list[Plan]) -> None:
        """Re-plan every day the assigned repairs fall on with the routing optimizer (``DispatchWorkflow``
        through ``POST /api/v1/dispatch/{day}/replan``); the routes land in ``self.dispatched``."""
        days = set()
        for plan in plans:
            if plan.work_order_id and plan.error is None:
                r = (await http.get(f"/api/v1/repairs/{plan.work_order_id}", headers=self.office)).json()
                if r["status"] == "assigned" and r.get("scheduled_date"):
                    days.add(date.fromisoformat(r["scheduled_date"][:10]))
        self.dispatched = await dispatch_days(http, self.office, sorted(days))

    async def work(self, http: httpx.AsyncClient, plan: Plan, state: dict) -> None:
        wo = plan.work_order_id
        if plan.cancel_after_assign:
            r = await http.post(
                f"/api/v1/repairs/{wo}/cancel",
                json={"reason": "customer fixed it himself"},
                headers=self.office,
            )
            r.raise_for_status()
            plan.events.append("cancelled")
            return
        tech = {"X-API-Key": self.tech_keys[state["technician_id"]]}
        if self.tracked is None and state.get("scheduled_date", "")[:10] == str(self.today):
            # the day's first job of today: the technician drives there with live tracking
            self.tracked = {"work_order_id": wo}
            self.tracked.update(await play_tracking(http, self.office, tech["X-API-Key"], work_order_id=wo))
        early = await http.post(f"/api/v1/repairs/{wo}/complete", json={"labor_minutes": 30}, headers=tech)
        self.refused(early, "completing before starting")
        await self.act(http, f"/api/v1/repairs/{wo}/start", {}, tech)
        parts = []
        if plan.job_type in ("repair", "maintenance", "emergency"):
            for name, cost in self.rng.sample(PARTS, self.rng.randint(0, 2)):
                parts.append(
                    {"description": name, "quantity": str(self.rng.randint(1, 2)), "unit_cost": cost}
                )
        await self.act(
            http,
            f"/api/v1/repairs/{wo}/complete",
            {
                "labor_minutes": self.rng.randint(35, 150),
                "parts": parts,
                **completion_volumes(self.rng, plan.job_type),
            },
            tech,
        )
        plan.events.append("completed")

    async def run(self, plans: list[Plan]) -> None:
        """Requests and approvals for every plan, then the optimizer's dispatch of the day, then the
        technicians' work; an exception ends only its own plan (recorded as its error)."""
        gate = asyncio.Semaphore(12)
        async with http_client(self.base_url) as http:

            async def each(step: Callable[[httpx.AsyncClient, Plan], Awaitable[None]], plan: Plan) -> None:
                if plan.error is not None:
                    return
                async with gate:
                    try:
                        await step(http, plan)
                    except Exception as err:
                        plan.error = f"{type(err).__name__}: {err}"

            await asyncio.gather(*(each(self.play, p) for p in plans))
            await self.dispatch(http, plans)
            await asyncio.gather(*(each(self.finish, p) for p in plans if p.work_order_id))


async def supervised(stack: Stack, work: Coroutine[Any, Any, T], interval_s: float = 0.5) -> T:
    """Run ``work`` while ``stack.supervise_once()`` restarts crashed children every ``interval_s``
    (its events are printed); returns what ``work`` returns. When a child keeps dying, ``work`` is
    cancelled and the StackError raised. Supervision runs in this event loop (its checks are quick;
    a PostgreSQL restart holds the loop while it waits for the server)."""

    async def supervise() -> None:
        while True:
            for event in stack.supervise_once():
                console.print(event.message)
            await asyncio.sleep(interval_s)

    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(supervise())
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
        if watcher.done():  # it only ends by raising
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            watcher.result()
        return task.result()
    finally:
        for pending in (task, watcher):
            pending.cancel()
        await asyncio.gather(task, watcher, return_exceptions=True)


def run_demo(settings: Settings, stack: Stack, *, database_url: str) -> int:
    """Load demo data, run the day, print the summary; returns 0 when every repair reached its end."""
    started = time.monotonic()
    sessions = make_session_factory(make_engine(database_url))
    with transaction(sessions) as session:
        summary = load_demo_data(session, today=local_today(datetime.now(UTC), settings.timezone))
        office_key = create_api_key(session, name="demo office", role="office")
        tech_keys = {
            f"T-{i:03d}": create_api_key(
                session, name=f"demo T-{i:03d}", role="technician", technician_id=f"T-{i:03d}"
            )
            for i in range(1, 9)
        }
    console.print(f"demo data: {summary}")
    rng = random.Random(11)
    runner = DayRunner(f"http://127.0.0.1:{settings.api_port}", office_key, tech_keys, rng)
    runner.today = local_today(datetime.now(UTC), settings.timezone)

    async def main() -> dict:
        async with http_client(runner.base_url) as http:
            customers = await fetch_all(http, "/api/v1/customers", runner.office)
        plans = make_plans(sorted(customers, key=lambda c: c["id"]), rng)
        with console.status(
            f"running {len(plans)} repairs (approval expiry {settings.approval_expiry_seconds} s)…"
        ):
            await supervised(stack, runner.run(plans))
        completed = [p.work_order_id for p in plans if p.work_order_id and p.final_status == "completed"]
        async with http_client(runner.base_url) as http:
            later = await supervised(
                stack, after_day(settings, http, runner.office, completed, console, runner.tech_keys)
            )
        report = await build_report(settings, runner, plans, started)
        report["dispatch"] = runner.dispatched
        report["tracking"] = runner.tracked
        report.update(later)
        return report

    report = asyncio.run(main())
    path = settings.state_dir / "demo-report.json"
    path.write_text(json.dumps(report, indent=2))
    if not report["repairs_started"]:
        first = next(iter(report["errors"].values()), "") or "no error recorded"
        first = first.splitlines()[0]
        raise DemoFailed(
            f"the demo day could not be played: none of its {REQUESTS} repair requests was accepted "
            f"(first failure: {first}); report in {path}"
        )
    print_report(report, settings, office_key)
    console.print(f"report:          {path}")
    for wo, err in report["errors"].items():
        console.print(f"[red]{wo}: {err}[/red]")
    unfinished = report["repairs_started"] - sum(report["final_status_counts"].get(s, 0) for s in FINAL)
    failed = report["workflows"].get("failed", 0) + report["workflows"].get("terminated", 0)
    return 1 if report["errors"] or unfinished or failed else 0
