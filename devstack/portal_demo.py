"""The customer portal in the demo (issue 9 "Done when": a customer logs into the portal by
magic link and files a request). For the lead to call after the demo day; the customer side goes
over HTTP exactly as a browser would (httpx, cookies, the CSRF field of each form), and the link
is read from the outbox through the staff API (office key), where the outbox provider keeps it.

    from devstack.portal_demo import play_portal
    summary = await play_portal(http, office_headers, customer_id=3, console=console)

Prints one line per step and returns a :class:`PortalSummary` (for the demo report).
"""

from __future__ import annotations

import asyncio
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from rich.console import Console

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LOGIN_LINK = re.compile(r"https?://\S+/portal/login/[A-Za-z0-9_-]{22}")
SLOT = re.compile(r'name="slot" value="([^"]+)"')


def demo_photo(width: int = 64, height: int = 48) -> bytes:
    """A small PNG (a grey-blue square), the photo the demo customer attaches."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (96, 120, 150)).save(buffer, format="PNG")
    return buffer.getvalue()


def csrf_of(html: str) -> str:
    """The CSRF value of the first form in a portal page; AssertionError when there is none."""
    match = CSRF.search(html)
    assert match, "no csrf_token field in the page"
    return match.group(1)


async def latest_login_link(
    http: httpx.AsyncClient,
    office: dict[str, str],
    customer_id: int,
    *,
    after_id: int = 0,
    timeout_s: float = 30,
) -> tuple[int, str]:
    """(message id, link) of the customer's newest ``portal-login`` message with an id above
    ``after_id``, once sent; waits up to ``timeout_s``. AssertionError when none arrives."""
    for _ in range(int(timeout_s / 0.2)):
        r = await http.get(
            "/api/v1/messages",
            params={"customer_id": customer_id, "purpose": "portal-login", "page_size": 100},
            headers=office,
        )
        r.raise_for_status()
        sent = [m for m in r.json()["items"] if m["id"] > after_id and m["status"] == "sent"]
        if sent:
            newest = max(sent, key=lambda m: m["id"])
            match = LOGIN_LINK.search(newest["body"])
            assert match, "the login message carries no link (outbox provider expected)"
            return newest["id"], match.group(0)
        await asyncio.sleep(0.2)
    raise AssertionError(f"no portal login link for customer {customer_id}")


async def last_login_message_id(http: httpx.AsyncClient, office: dict[str, str], customer_id: int) -> int:
    """The id of the customer's newest ``portal-login`` message (0 without one)."""
    r = await http.get(
        "/api/v1/messages",
        params={"customer_id": customer_id, "purpose": "portal-login", "page_size": 100},
        headers=office,
    )
    r.raise_for_status()
    return max((m["id"] for m in r.json()["items"]), default=0)


async def request_link(customer: httpx.AsyncClient, address: str) -> httpx.Response:
    """Ask for a sign-in link for ``address`` on the login form (GET for the CSRF value, then POST)."""
    form = await customer.get("/portal/login")
    form.raise_for_status()
    return await customer.post("/portal/login", data={"address": address, "csrf_token": csrf_of(form.text)})


async def log_in(
    customer: httpx.AsyncClient,
    http: httpx.AsyncClient,
    office: dict[str, str],
    *,
    customer_id: int,
    address: str,
) -> str:
    """Log ``customer`` (a client with its own cookie jar, on the API's base URL) in by magic link
    to ``address``: request the link, read it from the outbox, GET the confirm page, POST its form.
    Returns the link used. AssertionError when a step does not answer as a browser would expect."""
    before = await last_login_message_id(http, office, customer_id)
    sent = await request_link(customer, address)
    assert sent.status_code == 200, sent.text[:300]
    _, link = await latest_login_link(http, office, customer_id, after_id=before)
    path = httpx.URL(link).path
    confirm = await customer.get(path)
    assert confirm.status_code == 200, confirm.text[:300]
    done = await customer.post(path, data={"csrf_token": csrf_of(confirm.text)})
    assert done.status_code == 303 and done.headers["location"] == "/portal", done.text[:300]
    return link


async def file_request(
    customer: httpx.AsyncClient,
    *,
    job_type: str = "repair",
    description: str,
    photo: bytes | None = b"",
) -> tuple[str, str | None]:
    """File a service request on the portal form in the first bookable window (or the day after
    tomorrow when none is offered), with ``photo`` (default :func:`demo_photo`; None: no photo); returns (work order id, slot value or None)."""
    form = await customer.get("/portal/request", params={"job_type": job_type})
    form.raise_for_status()
    slot = SLOT.search(form.text)
    data = {
        "csrf_token": csrf_of(form.text.split('enctype="multipart/form-data"', 1)[1]),
        "job_type": job_type,
    }
    data["description"] = description
    if slot:
        data["slot"] = slot.group(1)
    else:
        data["preferred_date"] = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()
    photo = demo_photo() if photo == b"" else photo
    files = [("photos", ("leak.png", photo, "image/png"))] if photo else None
    r = await customer.post("/portal/request", data=data, files=files)
    assert r.status_code == 303, r.text[:500]
    return r.headers["location"].split("/portal/work-orders/", 1)[1].split("?", 1)[0], data.get("slot")


@dataclass
class PortalSummary:
    """What the demo customer did on the portal."""

    customer_id: int
    logged_in: bool = False
    work_orders_seen: int = 0
    work_order_id: str | None = None
    slot: str | None = None
    status: str | None = None
    steps: list[str] = field(default_factory=list)


async def play_portal(
    http: httpx.AsyncClient, office: dict[str, str], *, customer_id: int, console: Console | None = None
) -> PortalSummary:
    """One demo customer asks for a magic link (by email, else by phone), logs in over HTTP,
    looks at his work orders and files a service request with a photo in the first bookable
    window; the request's RepairWorkflow then runs like any other. Prints each step."""
    console = console or Console()
    summary = PortalSummary(customer_id)
    r = await http.get(f"/api/v1/customers/{customer_id}", headers=office)
    r.raise_for_status()
    who = r.json()
    address = who.get("email") or who["phone"]
    async with httpx.AsyncClient(base_url=str(http.base_url), timeout=60) as customer:
        await log_in(customer, http, office, customer_id=customer_id, address=address)
        summary.logged_in = True
        summary.steps.append(
            f"customer {customer_id} signed in by magic link ({'email' if '@' in address else 'SMS'})"
        )
        home = await customer.get("/portal")
        summary.work_orders_seen = home.text.count('class="card work-order"')
        summary.steps.append(f"saw {summary.work_orders_seen} of his own work orders")
        summary.work_order_id, summary.slot = await file_request(
            customer, description="Portal demo: the alarm on the tank keeps going off."
        )
        summary.steps.append(
            f"filed {summary.work_order_id} from the portal (window {summary.slot or 'by date'})"
        )
        r = await http.get(f"/api/v1/repairs/{summary.work_order_id}", headers=office)
        r.raise_for_status()
        summary.status = r.json()["status"]
        summary.steps.append(
            f"{summary.work_order_id} is {summary.status} (RepairWorkflow repair-{summary.work_order_id})"
        )
    for step in summary.steps:
        console.print(f"[cyan]portal[/cyan] {step}")
    return summary
