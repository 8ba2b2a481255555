"""Dispatch the demo's days through the API (issue 7): re-plan each day the demo's repairs were
assigned to, wait for each plan, and summarise routes and unassigned jobs.

The demo (devstack/demo_day.py) can call :func:`dispatch_days` once its repairs are approved and
assigned and before technicians start work; it talks only HTTP, like the rest of the demo.
"""

from __future__ import annotations

import asyncio
from datetime import date

import httpx


async def dispatch_days(
    http: httpx.AsyncClient, office: dict[str, str], days: list[date], *, timeout_s: float = 120.0
) -> dict[str, dict]:
    """For each day: ``POST /api/v1/dispatch/{day}/replan``, then poll ``GET /api/v1/dispatch/{day}``
    until a plan newer than the one before appears. Returns, per ISO day, the plan's totals:
    ``{"plan_id", "routes", "stops", "travel_minutes", "unassigned": {reason: count}}``.
    Raises TimeoutError when a plan does not appear within ``timeout_s``, and httpx errors for
    refused requests."""
    out: dict[str, dict] = {}
    for day in sorted(set(days)):
        before = (await http.get(f"/api/v1/dispatch/{day}", headers=office)).json().get("plan_id")
        r = await http.post(f"/api/v1/dispatch/{day}/replan", headers=office)
        r.raise_for_status()
        plan: dict = {}
        for _ in range(int(timeout_s / 0.5)):
            got = await http.get(f"/api/v1/dispatch/{day}", headers=office)
            got.raise_for_status()
            plan = got.json()
            if plan.get("plan_id") is not None and plan["plan_id"] != before:
                break
            await asyncio.sleep(0.5)
        else:
            raise TimeoutError(f"no new dispatch plan of {day} after {timeout_s:.0f} s")
        reasons: dict[str, int] = {}
        for u in plan["unassigned"]:
            reasons[u["reason"]] = reasons.get(u["reason"], 0) + 1
        out[day.isoformat()] = {
            "plan_id": plan["plan_id"],
            "routes": sum(1 for route in plan["routes"] if route["stops"]),
            "stops": sum(len(route["stops"]) for route in plan["routes"]),
            "travel_minutes": plan["total_travel_minutes"],
            "unassigned": reasons,
        }
    return out
