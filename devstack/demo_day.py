"""A day of repair requests driven through the HTTP API as office staff, customers and technicians would.

44 requests from every demo customer (one a fleet customer) with a job mix that exercises
auto-approval, manager approval, approval and decline by link (the demo opens the link itself),
decline by staff, expiry, cancellation, smart assignment across the technicians, and
completion with labor and parts. Ends with a summary table and ``<state_dir>/demo-report.json``.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import httpx
from rich.console import Console
from rich.table import Table

from api.auth import create_api_key
from config import Settings
from db.demo_data import load_demo_data
from db.session import make_engine, make_session_factory, transaction
from devstack.services import Stack
from domain.schedule import local_today
from temporal_client import connect_temporal

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


class RetryingGets(httpx.AsyncHTTPTransport):
    """Retries a GET whose kept-alive connection the server closed just as it was reused."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        for attempt in range(3):
            try:
                return await super().handle_async_request(request)
            except (httpx.ReadError, httpx.RemoteProtocolError):
                if request.method != "GET" or attempt == 2:
                    raise
        raise AssertionError("unreachable")


def http_client(base_url: str) -> httpx.AsyncClient:
    """The demo's HTTP client: one pool, GETs retried on a dropped keep-alive connection."""
    return httpx.AsyncClient(base_url=base_url, timeout=60, transport=RetryingGets())


class DayRunner:
    """Plays each plan to its end against the API at ``base_url``."""

    def __init__(self, base_url: str, office_key: str, tech_keys: dict[str, str], rng: random.Random) -> None:
        self.base_url = base_url
        self.office = {"X-API-Key": office_key}
        self.tech_keys = tech_keys
        self.rng = rng
        self.rejected_as_expected = 0
        self.run_id = f"{rng.getrandbits(32):08x}"

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
        assert page.status_code == 200 and "Approve" in page.text, page.text[:200]
        done = await http.post(link, data={"decision": decision})
        assert done.status_code == 200, done.text[:300]
        again = await http.post(link, data={"decision": decision})  # single use: second answer refused
        if again.status_code == 410:
            self.rejected_as_expected += 1
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
        if (await http.get(old_link)).status_code == 410:
            self.rejected_as_expected += 1
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
        # a manager in the field files his own requests (his approval limit applies); the office the rest
        who = {"X-API-Key": self.tech_keys[plan.requested_by]} if plan.requested_by else self.office
        headers = {**who, "Idempotency-Key": f"demo-{self.run_id}-{plan.n}"}
        r = await http.post("/api/v1/repairs", json=body, headers=headers)
        r.raise_for_status()
        plan.work_order_id = r.json()["id"]
        retry = await http.post("/api/v1/repairs", json=body, headers=headers)  # a client retry: no duplicate
        assert retry.json()["id"] == plan.work_order_id
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
            await self.work(http, plan, state)
        plan.final_status = (await self.wait_status(http, plan, set()))["status"]

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
        early = await http.post(f"/api/v1/repairs/{wo}/complete", json={"labor_minutes": 30}, headers=tech)
        if early.status_code == 409:  # completing before starting is refused
            self.rejected_as_expected += 1
        (await http.post(f"/api/v1/repairs/{wo}/start", json={}, headers=tech)).raise_for_status()
        parts = []
        if plan.job_type in ("repair", "maintenance", "emergency"):
            for name, cost in self.rng.sample(PARTS, self.rng.randint(0, 2)):
                parts.append(
                    {"description": name, "quantity": str(self.rng.randint(1, 2)), "unit_cost": cost}
                )
        done = await http.post(
            f"/api/v1/repairs/{wo}/complete",
            headers=tech,
            json={"labor_minutes": self.rng.randint(35, 150), "parts": parts},
        )
        done.raise_for_status()
        plan.events.append("completed")

    async def run(self, plans: list[Plan]) -> None:
        gate = asyncio.Semaphore(12)
        async with http_client(self.base_url) as http:

            async def one(plan: Plan) -> None:
                async with gate:
                    try:
                        await self.play(http, plan)
                    except Exception as err:
                        plan.error = f"{type(err).__name__}: {err}"

            await asyncio.gather(*(one(p) for p in plans))


async def _fetch_all(http: httpx.AsyncClient, path: str, headers: dict, **params) -> list[dict]:
    items, page = [], 1
    while True:
        r = await http.get(path, params={**params, "page": page, "page_size": 100}, headers=headers)
        r.raise_for_status()
        data = r.json()
        items += data["items"]
        if page * 100 >= data["total"]:
            return items
        page += 1


async def _report(settings: Settings, runner: DayRunner, plans: list[Plan], started: float) -> dict:
    ids = [p.work_order_id for p in plans if p.work_order_id]
    async with http_client(runner.base_url) as http:
        repairs = {r["id"]: r for r in await _fetch_all(http, "/api/v1/repairs", runner.office)}
        messages = [
            m for m in await _fetch_all(http, "/api/v1/messages", runner.office) if m["work_order_id"] in ids
        ]
    mine = [repairs[i] for i in ids if i in repairs]
    client = await connect_temporal(settings)
    ids_clause = ", ".join(f"'repair-{i}'" for i in ids)
    wf_status: Counter[str] = Counter()
    by_work_status: dict[str, int] = {}
    for _ in range(30):  # visibility is eventually consistent
        wf_status = Counter()
        async for wf in client.list_workflows(f"WorkflowId IN ({ids_clause})"):
            wf_status[wf.status.name.lower() if wf.status else "unknown"] += 1
        statuses = Counter(r["status"] for r in mine)
        by_work_status = {
            s: (await client.count_workflows(f"WorkStatus = '{s}' AND WorkflowId IN ({ids_clause})")).count
            for s in statuses
        }
        if by_work_status == dict(statuses):
            break
        await asyncio.sleep(1)
    completed = [r for r in mine if r["status"] == "completed"]
    return {
        "generated_at": datetime.now(UTC).isoformat(),
        "duration_seconds": round(time.monotonic() - started, 1),
        "repairs_started": len(ids),
        "customers": len({p.customer_id for p in plans}),
        "technicians_assigned": len({r["technician_id"] for r in mine if r["technician_id"]}),
        "final_status_counts": dict(Counter(r["status"] for r in mine)),
        "approval_modes": dict(Counter(r["approval_mode"] or "none" for r in mine)),
        "workflows": dict(wf_status),
        "workflows_found_by_work_status": by_work_status,
        "messages_by_channel": dict(Counter(m["channel"] for m in messages)),
        "messages_by_purpose": dict(Counter(m["purpose"].rsplit("-v", 1)[0] for m in messages)),
        "total_completed_amount": str(sum((Decimal(r["total_amount"]) for r in completed), Decimal("0"))),
        "invalid_actions_refused": runner.rejected_as_expected,
        "errors": {p.work_order_id or f"plan-{p.n}": p.error for p in plans if p.error},
    }


def _print(report: dict, settings: Settings, office_key: str) -> None:
    table = Table(title="fieldops demo day", show_lines=False)
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("repairs started", str(report["repairs_started"]))
    table.add_row(
        "customers / technicians assigned", f"{report['customers']} / {report['technicians_assigned']}"
    )
    for status, n in sorted(report["final_status_counts"].items()):
        table.add_row(f"  status {status}", str(n))
    for mode, n in sorted(report["approval_modes"].items()):
        table.add_row(f"  approval {mode}", str(n))
    for status, n in sorted(report["workflows"].items()):
        table.add_row(f"  workflows {status}", str(n))
    for channel, n in sorted(report["messages_by_channel"].items()):
        table.add_row(f"  messages {channel}", str(n))
    table.add_row("invalid actions refused (409/410)", str(report["invalid_actions_refused"]))
    table.add_row("completed work", f"${report['total_completed_amount']}")
    table.add_row("errors", str(len(report["errors"])))
    table.add_row("duration", f"{report['duration_seconds']} s")
    console.print(table)
    console.print(
        f"Temporal Web UI: http://localhost:{settings.temporal_ui_port}/namespaces/default/workflows"
        "?query=WorkStatus%3D%27completed%27"
    )
    console.print(f"API docs:        http://localhost:{settings.api_port}/docs")
    console.print(f"demo API key:    {office_key}  (office role; header X-API-Key)")


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

    async def main() -> dict:
        async with http_client(runner.base_url) as http:
            customers = await _fetch_all(http, "/api/v1/customers", runner.office)
        plans = make_plans(sorted(customers, key=lambda c: c["id"]), rng)
        with console.status(
            f"running {len(plans)} repairs (approval expiry {settings.approval_expiry_seconds} s)…"
        ):
            await runner.run(plans)
        return await _report(settings, runner, plans, started)

    report = asyncio.run(main())
    path = settings.state_dir / "demo-report.json"
    path.write_text(json.dumps(report, indent=2))
    _print(report, settings, office_key)
    console.print(f"report:          {path}")
    for wo, err in report["errors"].items():
        console.print(f"[red]{wo}: {err}[/red]")
    unfinished = report["repairs_started"] - sum(report["final_status_counts"].get(s, 0) for s in FINAL)
    failed = report["workflows"].get("failed", 0) + report["workflows"].get("terminated", 0)
    stack.check_alive()
    return 1 if report["errors"] or unfinished or failed else 0
