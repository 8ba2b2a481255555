"""Customer 360 for the demo (issue 11 "Done when"): the demo's customers get appliances,
expenses, a referral, reviews, technician ratings and a follow-up, and the fleet customer's 360
view is fetched in one request and summarised. Payments come from the demo's billing cycle.

For the demo to call after its billing cycle (the lead wires it into devstack/demo_after_day.py):

    report["customer360"] = await play_customer360(http, office, console)

It goes through the HTTP API like office staff, and is idempotent: a re-run against the same
database finds what the first run made (appliances by serial number, expenses by description,
reviews and follow-ups by job and key) and adds nothing twice.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

import httpx

from domain.schedule import local_today

#: (type, brand, model number) of the equipment each kind of demo customer has
EQUIPMENT: dict[str, list[tuple[str, str, str]]] = {
    "fleet": [
        ("box truck lift gate", "Waltco", "RZ-44"),
        ("box truck lift gate", "Waltco", "RZ-44"),
        ("yard air compressor", "Quincy", "QT-7.5"),
    ],
    "restaurant": [("grease interceptor", "Zurn", "GT2700-100")],
    "commercial": [("lift station pump", "Zoeller", "M267")],
    "residential": [("septic tank", "Norweco", "Singulair 960"), ("water heater", "Rheem", "XE50M06")],
}
DEMO_TAG = "[360 demo]"
#: a follow-up call is due this many days after the demo day
FOLLOW_UP_DAYS = 3


class Printer(Protocol):
    """What the demo's rich Console offers here."""

    def print(self, *objects: Any) -> None: ...


def kind_of(customer: dict) -> str:
    """The demo customer's kind (devstack/demo_data.py): fleet, restaurant, commercial or residential."""
    if customer.get("fleet_size"):
        return "fleet"
    name = (customer.get("company_name") or "").lower()
    if "smokehouse" in name:
        return "restaurant"
    return "commercial" if customer.get("company_name") else "residential"


async def _get(http: httpx.AsyncClient, path: str, headers: dict[str, str], **params: Any) -> Any:
    r = await http.get(path, params=params, headers=headers)
    r.raise_for_status()
    return r.json()


async def _post(
    http: httpx.AsyncClient, path: str, headers: dict[str, str], body: dict, ok: tuple[int, ...]
) -> Any:
    r = await http.post(path, json=body, headers=headers)
    if r.status_code not in ok:
        raise RuntimeError(f"POST {path} answered {r.status_code}: {r.text[:300]}")
    return r.json()


async def _completed_jobs(http: httpx.AsyncClient, office: dict[str, str], customer_id: int) -> list[dict]:
    page = await _get(
        http, "/api/v1/repairs", office, customer_id=customer_id, status="completed", page_size=5
    )
    return [job for job in page["items"] if job["technician_id"]]


async def _appliances(
    http: httpx.AsyncClient, office: dict[str, str], customer: dict, jobs: list[dict]
) -> int:
    have = await _get(http, "/api/v1/appliances", office, customer_id=customer["id"], page_size=100)
    serials = {a["serial_number"] for a in have["items"]}
    made = 0
    for i, (kind, brand, model) in enumerate(EQUIPMENT[kind_of(customer)], start=1):
        serial = f"{brand[:3].upper()}-{customer['id']:04d}-{i:02d}"
        if serial in serials:
            continue
        job = jobs[i % len(jobs)] if jobs else None
        body = {
            "customer_id": customer["id"],
            "type": kind,
            "brand": brand,
            "model_number": model,
            "serial_number": serial,
            "work_order_id": job["id"] if job else None,
            "last_service_date": job["scheduled_date"] if job else None,
            "notes": DEMO_TAG,
        }
        await _post(http, "/api/v1/appliances", office, body, (201,))
        made += 1
    return made


async def _expenses(
    http: httpx.AsyncClient, office: dict[str, str], customer: dict, jobs: list[dict], day: date
) -> int:
    have = await _get(http, "/api/v1/expenses", office, customer_id=customer["id"], page_size=100)
    described = {e["description"] for e in have["items"]}
    wanted = []
    # never on a [SEED DATA] job: `fieldops seed history --undo` deletes those, and an expense
    # (money spent) is not deleted with its job
    live = [job for job in jobs if job["approval_mode"] != "seed"]
    if live:
        wanted.append(
            {
                "work_order_id": live[0]["id"],
                "category": "disposal",
                "amount": "38.50",
                "description": f"{DEMO_TAG} disposal fee at the treatment plant",
                "incurred_on": live[0]["scheduled_date"],
            }
        )
    if kind_of(customer) == "fleet":
        wanted.append(
            {
                "customer_id": customer["id"],
                "category": "permit",
                "amount": "120.00",
                "description": f"{DEMO_TAG} annual yard access permit",
            }
        )
    made = 0
    for body in wanted:
        if body["description"] not in described:
            await _post(http, "/api/v1/expenses", office, {"incurred_on": day.isoformat()} | body, (201,))
            made += 1
    return made


async def _review_and_rate(
    http: httpx.AsyncClient, office: dict[str, str], customer: dict, jobs: list[dict]
) -> int:
    made = 0
    for rating, job in zip((5, 4), jobs[:2], strict=False):
        comment = "On time and tidy" if rating == 5 else "Good work, arrived late"
        r = await http.post(
            "/api/v1/reviews",
            json={"work_order_id": job["id"], "rating": rating, "comment": comment},
            headers=office,
        )
        if r.status_code not in (201, 409):  # 409: reviewed by an earlier run
            raise RuntimeError(f"review of {job['id']} answered {r.status_code}: {r.text[:300]}")
        made += r.status_code == 201
        rated = await http.put(
            f"/api/v1/customers/{customer['id']}/technician-ratings/{job['id']}",
            json={"rating": rating},
            headers=office,
        )
        rated.raise_for_status()
    return made


async def _referral(
    http: httpx.AsyncClient, office: dict[str, str], referrer: dict, referred: list[dict]
) -> str:
    r = await http.post(f"/api/v1/customers/{referrer['id']}/referral-code", headers=office)
    r.raise_for_status()
    code = r.json()["referral_code"]
    for customer in referred:
        put = await http.put(
            f"/api/v1/customers/{customer['id']}/referred-by", json={"referral_code": code}, headers=office
        )
        put.raise_for_status()
    return code


def summarise(view: dict) -> dict[str, Any]:
    """The headline of a 360 answer: counts of each part and the financial totals."""
    totals = view["financials"]["totals"]
    return {
        "customer": view["display_name"],
        "appliances": len(view["appliances"]),
        "jobs": len(view["jobs"]),
        "invoices": len(view["invoices"]),
        "payments": len(view["payments"]),
        "expenses": len(view["expenses"]),
        "reviews": len(view["reviews"]),
        "ratings": len(view["ratings"]["ratings"]),
        "referred": view["referrals"]["total_referred"],
        "follow_ups": len(view["follow_ups"]),
        "preferred_technicians": [t["id"] for t in view["preferred_technicians"]],
        "financials": {
            k: str(Decimal(totals[k]))
            for k in (
                "payments",
                "expenses",
                "net",
                "job_costs",
                "lifetime_value",
                "margin",
                "outstanding_balance",
            )
        },
    }


async def play_customer360(
    http: httpx.AsyncClient, office: dict[str, str], console: Printer, *, time_zone: str = "America/Chicago"
) -> dict[str, Any]:
    """Give the demo's customers their 360 records through the API (idempotent), fetch the fleet
    customer's view with ``include=all`` in one request, print its summary and return it with
    the counts made: ``{"made": {...}, "fleet_360": summarise(view)}``. Raises RuntimeError or
    httpx.HTTPStatusError for an unexpected answer."""
    today = local_today(datetime.now(UTC), time_zone)
    customers = (await _get(http, "/api/v1/customers", office, page_size=100))["items"]
    made = {"appliances": 0, "expenses": 0, "reviews": 0, "follow_ups": 0}
    for customer in customers:
        jobs = await _completed_jobs(http, office, customer["id"])
        made["appliances"] += await _appliances(http, office, customer, jobs)
        made["expenses"] += await _expenses(http, office, customer, jobs, today)
        made["reviews"] += await _review_and_rate(http, office, customer, jobs)
        if jobs:
            body = {
                "customer_id": customer["id"],
                "work_order_id": jobs[0]["id"],
                "due_date": (today + timedelta(days=FOLLOW_UP_DAYS)).isoformat(),
                "reason": "Call to check the service went well",
                "key": f"demo-360-{jobs[0]['id']}",
            }
            r = await http.post("/api/v1/follow-ups", json=body, headers=office)
            if r.status_code not in (200, 201):  # 200: raised by an earlier run (same key)
                raise RuntimeError(f"follow-up for {jobs[0]['id']} answered {r.status_code}: {r.text[:300]}")
            made["follow_ups"] += r.status_code == 201
    fleet = next(c for c in customers if kind_of(c) == "fleet")
    commercial = [c for c in customers if kind_of(c) == "commercial"]
    code = await _referral(http, office, fleet, commercial[:1])  # a fleet manager tells a property manager
    view = await _get(http, f"/api/v1/customers/{fleet['id']}", office, include="all")
    summary = summarise(view)
    f = summary["financials"]
    console.print(
        f"customer 360 of {summary['customer']} (one request): {summary['appliances']} appliances, "
        f"{summary['jobs']} jobs, {summary['invoices']} invoices, {summary['payments']} payments, "
        f"{summary['expenses']} expenses, {summary['reviews']} reviews, {summary['referred']} referred "
        f"(code {code}), {summary['follow_ups']} follow-ups; payments ${f['payments']} - expenses "
        f"${f['expenses']} = net ${f['net']}; lifetime value ${f['lifetime_value']}, job costs "
        f"${f['job_costs']}, margin ${f['margin']}, outstanding ${f['outstanding_balance']}"
    )
    return {"made": made, "referral_code": code, "fleet_360": summary}
