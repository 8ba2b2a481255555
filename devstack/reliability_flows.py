"""The journeys a reliability run plays through the HTTP API (``FLOWS``) and the ``Driver`` they
share, which rides out outages (503 and dropped connections) and records every answer. Adding a
flow: subclass ``Flow`` and append it to ``FLOWS``."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import ClassVar

import httpx

from devstack.fake_providers import ProviderLog
from devstack.reliability_report import LINK, Report

TERMINAL = {"completed", "cancelled", "declined", "expired"}


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
