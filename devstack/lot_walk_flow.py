"""A fleet customer's lot walk played through the HTTP API, for the demo day (seed 001 2.3).

``play_lot_walk`` turns lot walking on for the customer (Tuesdays and Fridays at 07:00, service
mode HYBRID, so its Temporal Schedule exists), starts today's walk on demand, records the
walker's findings as the walker, answers the walk's single approval link (approving all but the
last listed repair), works the approved repairs through to completion and returns the walk with
its summary (found, auto-approved, approved, declined, completed, amount).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx

WALK_LINK = re.compile(r"https?://\S+/lot-walk-approval/([A-Za-z0-9_-]+)")
PHOTO = "https://photos.example.com/fleet/truck-{n}.jpg"
#: the walk's units: photos on the first two, so small repairs there are auto-approved
UNITS: tuple[dict[str, Any], ...] = (
    {"unit": "Truck 12", "repairs": ["brake light out", "cracked mirror"], "photos": [PHOTO.format(n=12)]},
    {"unit": "Truck 14", "repairs": ["wiper blades"], "photos": [PHOTO.format(n=14)]},
    {"unit": "Van 3", "repairs": ["door seal", "horn"], "notes": "rust starting on the step"},
)


async def _poll(get, done, what: str, timeout_s: float = 90) -> dict:
    for _ in range(int(timeout_s / 0.25)):
        body = await get()
        if body is not None and done(body):
            return body
        await asyncio.sleep(0.25)
    raise RuntimeError(f"lot walk demo: {what} did not happen within {timeout_s:g} s")


async def play_lot_walk(
    http: httpx.AsyncClient, *, office_key: str, tech_keys: dict[str, str], customer_id: int
) -> dict:
    """Play one lot walk of ``customer_id`` and return ``GET /api/v1/lot-walks/{id}`` once closed.
    ``tech_keys`` maps technician ids to their API keys (the walker records the findings).
    Raises RuntimeError when a step does not happen in time, httpx.HTTPStatusError on a refusal."""
    office = {"X-API-Key": office_key}
    settings = {
        "lot_walking_enabled": True,
        "service_mode": "HYBRID",
        "lot_walking_schedule": {"days": ["tue", "fri"]},
        "lot_walking_time": "07:00",
        "auto_approve_lot_repairs": True,
        "max_auto_approve_amount": "130.00",
    }
    (await http.patch(f"/api/v1/customers/{customer_id}", json=settings, headers=office)).raise_for_status()
    started = await http.post(f"/api/v1/customers/{customer_id}/lot-walks", json={}, headers=office)
    started.raise_for_status()
    walk_id = started.json()["id"]

    async def walk() -> dict | None:
        r = await http.get(f"/api/v1/lot-walks/{walk_id}", headers=office)
        return r.json() if r.status_code == 200 else None

    def live_state(body: dict) -> str:
        return body["workflow"]["state"] if body.get("workflow") else body["state"]

    walking = await _poll(walk, lambda b: live_state(b) == "walker_assigned", "walker assignment")
    walker = walking["workflow"]["technician_id"]
    headers = {"X-API-Key": tech_keys[walker]} if walker in tech_keys else office
    found = await http.post(
        f"/api/v1/lot-walks/{walk_id}/findings", json={"units": list(UNITS)}, headers=headers
    )
    found.raise_for_status()
    ids = [r["work_order_id"] for r in found.json()["repairs"]]

    asking = await _poll(
        walk, lambda b: live_state(b) in ("awaiting_approval", "in_progress"), "repairs decided"
    )
    waiting = [r["work_order_id"] for r in asking["workflow"]["repairs"] if r["approved"] is None]
    if waiting:

        async def link() -> dict | None:
            r = await http.get("/api/v1/messages", params={"customer_id": customer_id}, headers=office)
            sent = [m for m in r.json()["items"] if m["purpose"] == "lot-walk-approval"]
            return sent[0] if sent else None

        message = await _poll(link, lambda m: WALK_LINK.search(m["body"]) is not None, "approval message")
        url = WALK_LINK.search(message["body"]).group(0)
        answers = {wo: ("decline" if wo == waiting[-1] else "approve") for wo in waiting}
        (await http.post(httpx.URL(url).path, data=answers)).raise_for_status()

    for wo in ids:

        async def repair(wo: str = wo) -> dict | None:
            r = await http.get(f"/api/v1/repairs/{wo}", headers=office)
            return r.json() if r.status_code == 200 else None

        state = await _poll(
            repair,
            lambda b: b["status"] in ("assigned", "awaiting_assignment", "declined", "expired"),
            f"{wo} decided",
        )
        if state["status"] == "awaiting_assignment":
            (
                await http.post(
                    f"/api/v1/repairs/{wo}/assign", json={"technician_id": walker}, headers=office
                )
            ).raise_for_status()
        if state["status"] in ("declined", "expired"):
            continue
        (await http.post(f"/api/v1/repairs/{wo}/start", json={}, headers=office)).raise_for_status()
        (
            await http.post(f"/api/v1/repairs/{wo}/complete", json={"labor_minutes": 25}, headers=office)
        ).raise_for_status()

    return await _poll(walk, lambda b: b["closed_at"] is not None, "walk closed")
