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
from domain.billing import selection_key

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
        return (await self.run(ctx, n, time.monotonic() + ctx.timeout_s))[1]

    async def run(self, ctx: Context, n: int, deadline: float) -> tuple[str, str]:
        """Play the repair until ``deadline``; returns (work order id, final status)."""
        d = ctx.driver
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
                return wo, str(status)
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


class BillingFlow(Flow):
    """A repair played to completion (as :class:`RepairFlow`), then invoiced alone through
    ``POST /api/v1/invoices/batch`` (a retry after a lost answer finds it billed: 409) and paid in
    full, the payment sent again under the same reference. Ends ``paid``; the audit finds any
    invoice email or reminder sent twice among the provider requests."""

    name = "billing"
    expected = "paid"

    async def play(self, ctx: Context, n: int) -> str:
        d = ctx.driver
        deadline = time.monotonic() + ctx.timeout_s * 2
        wo, status = await RepairFlow().run(ctx, n, deadline)
        if status != "completed":
            return f"repair {status}"
        r = await d.call(
            "POST",
            "/api/v1/invoices/batch",
            json={"work_order_ids": [wo]},
            headers=ctx.office,
            deadline=deadline,
        )
        if r.status_code not in (202, 409):
            raise RuntimeError(f"batch: {r.status_code} {r.text[:200]}")
        key = selection_key([wo])
        while time.monotonic() < deadline:
            listed = await d.call(
                "GET", "/api/v1/invoices", params={"period_key": key}, headers=ctx.office, deadline=deadline
            )
            invoices = listed.json()["items"] if listed.status_code == 200 else []
            if invoices:
                invoice = invoices[0]
                break
            await asyncio.sleep(0.5)
        else:
            raise TimeoutError(f"{wo} was not invoiced in time")
        pay = {"method": "CARD", "amount": invoice["total"], "reference": f"rel-{ctx.run_id}-{n}"}
        for _ in range(2):  # the same payment twice: recorded once
            r = await d.call(
                "POST",
                f"/api/v1/invoices/{invoice['id']}/payments",
                json=pay,
                headers=ctx.office,
                deadline=deadline,
            )
            if r.status_code not in (200, 201):
                raise RuntimeError(f"payment: {r.status_code} {r.text[:200]}")
        final = await d.call(
            "GET", f"/api/v1/invoices/{invoice['id']}", headers=ctx.office, deadline=deadline
        )
        detail = final.json()
        if len(detail["payments"]) != 1 or detail["work_order_ids"] != [wo]:
            return f"invoice {detail['number']}: {len(detail['payments'])} payments, work {detail['work_order_ids']}"
        return str(detail["status"])


FLOWS: list[Flow] = [RepairFlow(), BillingFlow()]
