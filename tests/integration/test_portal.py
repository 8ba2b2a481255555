"""The customer portal over HTTP: magic-link sign-in (GET shows, POST signs in, single use),
session and CSRF, every page showing only the signed-in customer's records, estimates answered
through the workflow, service requests with photos started as ``source=portal`` repairs, and no
login token in the access log or in any workflow history."""

from __future__ import annotations

import logging
import re
import uuid
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select

from db.models import Invoice, InvoiceLine, Payment, PortalPhoto, ServiceRequest, WorkOrder
from db.session import transaction
from devstack.portal_demo import csrf_of, demo_photo, file_request, latest_login_link, log_in, request_link
from tests.integration.conftest import CapturedLog
from tests.integration.test_repair_api import new_customer, wait_status

pytestmark = pytest.mark.integration


async def portal_customer(stack, **overrides) -> tuple[int, str]:
    """A new customer with an email of his own: (id, email)."""
    email = f"portal-{uuid.uuid4().hex[:10]}@example.com"
    return await new_customer(stack, email=email, **overrides), email


def browser(stack) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=str(stack.http.base_url), timeout=60)


async def pending_repair(stack, customer_id: int, repair_count: int = 2) -> str:
    r = await stack.http.post(
        "/api/v1/repairs",
        json={"customer_id": customer_id, "job_type": "repair", "repair_count": repair_count},
        headers=stack.office,
    )
    assert r.status_code == 201, r.text
    await wait_status(stack, r.json()["id"], {"pending_approval"})
    return r.json()["id"]


def make_invoice(stack, customer_id: int, number: str, paid: Decimal = Decimal("0")) -> int:
    """An issued invoice row of ``customer_id`` with one line, and a card payment of ``paid`` if
    any (billing's own tests cover how invoices and payments are made)."""
    from datetime import UTC, date, datetime

    with transaction(stack.sessions) as s:
        inv = Invoice(
            number=number,
            customer_id=customer_id,
            period_key=f"test-{number}",
            workflow_id=f"test-{number}",
            status="issued",
            payment_terms="NET_30",
            issue_date=date(2026, 11, 1),
            due_date=date(2026, 12, 1),
            issued_at=datetime.now(UTC),
            subtotal=Decimal("100.00"),
            tax_rate=Decimal("0.0825"),
            tax_amount=Decimal("8.25"),
            total=Decimal("108.25"),
            amount_paid=paid,
            balance=Decimal("108.25") - paid,
        )
        s.add(inv)
        s.flush()
        wo = s.scalars(select(WorkOrder.id).where(WorkOrder.customer_id == customer_id)).first()
        if wo is not None:
            s.add(
                InvoiceLine(
                    invoice_id=inv.id,
                    line_no=1,
                    work_order_id=wo,
                    description="Repair, 2 repairs",
                    quantity=Decimal("1"),
                    unit_price=Decimal("100.00"),
                    amount=Decimal("100.00"),
                )
            )
        if paid:
            s.add(
                Payment(
                    invoice_id=inv.id,
                    method="CARD",
                    amount=paid,
                    reference=f"ref-{number}",
                    fingerprint="0" * 64,
                    recorded_by="test",
                )
            )
        return inv.id


async def test_sign_in_by_magic_link_get_shows_post_signs_in_once(stack):
    # a handler of this test's own: another test's uvicorn server re-configures logging and drops
    # the stack's capture; the redaction filter sits on the logger, so every handler sees it
    # (and may leave its level above INFO)
    logger = logging.getLogger("uvicorn.access")
    access_log, level = CapturedLog(), logger.level
    logger.addHandler(access_log)
    logger.setLevel(logging.INFO)
    try:
        await _sign_in_once(stack, access_log)
    finally:
        logger.removeHandler(access_log)
        logger.setLevel(level)


async def _sign_in_once(stack, access_log: CapturedLog) -> None:
    customer_id, email = await portal_customer(stack)
    async with browser(stack) as alice:
        assert (await alice.get("/portal")).headers["location"] == "/portal/login"  # not signed in
        sent = await request_link(alice, email.upper())
        assert sent.status_code == 200 and "Check your email" in sent.text
        _, link = await latest_login_link(stack.http, stack.office, customer_id)
        path = httpx.URL(link).path
        for _ in range(2):  # a mail scanner opening the link does not use it up
            shown = await alice.get(path)
            assert shown.status_code == 200 and "Sign in" in shown.text
        assert (await alice.get("/portal")).status_code == 303  # a GET never signs in
        refused = await alice.post(path, data={"csrf_token": "forged"})
        assert refused.status_code == 403
        done = await alice.post(path, data={"csrf_token": csrf_of(shown.text)})
        assert done.status_code == 303 and done.headers["location"] == "/portal"
        cookie = done.headers["set-cookie"]
        assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Path=/portal" in cookie
        home = await alice.get("/portal")
        assert home.status_code == 200 and "Hello, Rosa" in home.text
        assert home.headers["referrer-policy"] == "no-referrer"
        csp = home.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp and "frame-ancestors 'none'" in csp
        again = await alice.post(path, data={"csrf_token": csrf_of(home.text)})
        assert again.status_code == 410 and "used or has expired" in again.text
        # sign out ends the session on the server: the old cookie no longer works
        old_cookies = dict(alice.cookies)
        out = await alice.post("/portal/logout", data={"csrf_token": csrf_of(home.text)})
        assert out.status_code == 303
    async with browser(stack) as replay:
        replay.cookies.update(old_cookies)
        assert (await replay.get("/portal")).status_code == 303
    # the token is in no log line and no workflow history
    token = path.rsplit("/", 1)[1]
    assert not [line for line in access_log.lines if token in line]
    assert any("/portal/login/[redacted]" in line for line in access_log.lines)
    handle = stack.client.get_workflow_handle(f"portal-login-{await _link_id(stack, customer_id)}")
    history = await handle.fetch_history()
    assert token not in history.to_json()
    assert email not in history.to_json()


async def _link_id(stack, customer_id: int) -> int:
    from db.models import PortalLoginLink

    with transaction(stack.sessions) as s:
        return s.scalars(select(PortalLoginLink.id).where(PortalLoginLink.customer_id == customer_id)).first()


async def test_unknown_address_gets_the_same_answer_and_no_message(stack):
    async with browser(stack) as visitor:
        r = await request_link(visitor, f"nobody-{uuid.uuid4().hex[:8]}@example.com")
        assert r.status_code == 200 and "If that address belongs to one of our customers" in r.text
        bad = await request_link(visitor, "not an address")
        assert bad.status_code == 422 and "Enter the email address or mobile number" in bad.text


async def test_sign_in_by_sms(stack):
    phone_digits = f"512{uuid.uuid4().int % 10_000_000:07d}"
    customer_id = await new_customer(stack, email=None, phone=f"+1{phone_digits}")
    async with browser(stack) as bob:
        typed = f"({phone_digits[:3]}) {phone_digits[3:6]}-{phone_digits[6:]}"
        link = await log_in(bob, stack.http, stack.office, customer_id=customer_id, address=typed)
        assert "/portal/login/" in link
        r = await stack.http.get(
            "/api/v1/messages",
            params={"customer_id": customer_id, "purpose": "portal-login"},
            headers=stack.office,
        )
        assert r.json()["items"][0]["channel"] == "sms"
        assert (await bob.get("/portal")).status_code == 200


async def test_every_page_shows_only_the_signed_in_customers_records(stack):
    alice_id, alice_email = await portal_customer(stack, first_name="Alice")
    bob_id, _ = await portal_customer(stack, first_name="Bob")
    alice_wo = await pending_repair(stack, alice_id)
    bob_wo = await pending_repair(stack, bob_id, repair_count=3)
    alice_inv = make_invoice(stack, alice_id, f"T-{uuid.uuid4().hex[:8]}")
    bob_inv = make_invoice(stack, bob_id, f"T-{uuid.uuid4().hex[:8]}")
    async with browser(stack) as alice:
        await log_in(alice, stack.http, stack.office, customer_id=alice_id, address=alice_email)
        home = await alice.get("/portal")
        assert alice_wo in home.text and bob_wo not in home.text
        assert "Waiting for your approval" in home.text
        assert (await alice.get(f"/portal/work-orders/{alice_wo}")).status_code == 200
        invoices = await alice.get("/portal/invoices")
        assert (
            f"/portal/invoices/{alice_inv}" in invoices.text
            and f"/portal/invoices/{bob_inv}" not in invoices.text
        )
        pdf = await alice.get(f"/portal/invoices/{alice_inv}/pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        csrf = csrf_of(home.text)
        # Bob's ids in the URL or the form: 404, and none of his data
        for path in (
            f"/portal/work-orders/{bob_wo}",
            f"/portal/invoices/{bob_inv}",
            f"/portal/invoices/{bob_inv}/pdf",
        ):
            r = await alice.get(path)
            assert r.status_code == 404, path
            assert bob_wo not in r.text and "Bob" not in r.text and "%PDF" not in r.text
        r = await alice.post(
            f"/portal/estimates/{bob_wo}",
            data={"decision": "approve", "estimate_version": 1, "csrf_token": csrf},
        )
        assert r.status_code == 404 and bob_wo not in r.text
        assert (await wait_status(stack, bob_wo, {"pending_approval"}))["status"] == "pending_approval"
        # and his photo
        bob_photo = _photo_of_someone_else(stack, bob_id)
        assert (await alice.get(f"/portal/photos/{bob_photo}")).status_code == 404
        # a form without the CSRF value is refused
        r = await alice.post(
            f"/portal/estimates/{alice_wo}", data={"decision": "approve", "estimate_version": 1}
        )
        assert r.status_code == 403
        # a form cannot name another customer: the request is hers, Bob's preferences untouched
        form = await alice.get("/portal/request")
        slot = re.search(r'name="slot" value="([^"]+)"', form.text).group(1)
        r = await alice.post(
            "/portal/request",
            data={"csrf_token": csrf, "job_type": "repair", "slot": slot, "customer_id": str(bob_id)},
        )
        assert r.status_code == 303
        filed = r.headers["location"].split("/portal/work-orders/")[1].split("?")[0]
        assert (await stack.http.get(f"/api/v1/repairs/{filed}", headers=stack.office)).json()[
            "customer_id"
        ] == alice_id
        prefs = await alice.get("/portal/preferences")
        r = await alice.post(
            "/portal/preferences",
            data={
                "channel": "email",
                "language": "es",
                "frequency": "immediate",
                "csrf_token": csrf,
                "customer_id": str(bob_id),
            },
        )
        assert r.status_code == 303 and "Bob" not in prefs.text
        bob_prefs = (
            await stack.http.get(
                f"/api/v1/customers/{bob_id}/communication-preferences", headers=stack.office
            )
        ).json()
        assert bob_prefs["language"] == "en"
        # her own estimate: approved through the workflow update the approval link uses
        r = await alice.post(
            f"/portal/estimates/{alice_wo}",
            data={"decision": "approve", "estimate_version": 1, "csrf_token": csrf},
        )
        assert r.status_code == 303 and r.headers["location"] == "/portal?done=approved"
        state = await wait_status(stack, alice_wo, {"assigned", "awaiting_assignment"})
        assert state["approval_mode"] == "customer_link"
        assert state["approved_by"] == f"customer:{alice_id}:portal"


def _photo_of_someone_else(stack, customer_id: int) -> int:
    with transaction(stack.sessions) as s:
        request = ServiceRequest(customer_id=customer_id, service_type="repair", source="portal")
        s.add(request)
        s.flush()
        photo = PortalPhoto(
            customer_id=customer_id,
            service_request_id=request.id,
            content_type="image/png",
            size_bytes=3,
            sha256="0" * 64,
            data=b"png",
        )
        s.add(photo)
        s.flush()
        return photo.id


async def test_service_request_with_photo_starts_a_portal_repair(stack):
    customer_id, email = await portal_customer(stack)
    async with browser(stack) as carol:
        await log_in(carol, stack.http, stack.office, customer_id=customer_id, address=email)
        form = await carol.get("/portal/request", params={"job_type": "repair"})
        assert form.status_code == 200 and 'name="slot"' in form.text  # windows from the slots logic
        wo, slot = await file_request(carol, description="tank alarm keeps going off")
        assert slot is not None
        state = await wait_status(
            stack, wo, {"pending_approval", "approved", "awaiting_assignment", "assigned"}
        )
        assert state["customer_id"] == customer_id
        with transaction(stack.sessions) as s:
            request = s.scalars(select(ServiceRequest).where(ServiceRequest.work_order_id == wo)).one()
            assert request.source == "portal" and request.requested_by == f"customer:{customer_id}:portal"
            assert len(request.photos) == 1 and re.search(r"/portal/photos/\d+$", request.photos[0])
            photo_id = int(request.photos[0].rsplit("/", 1)[1])
        page = await carol.get(f"/portal/work-orders/{wo}")
        assert page.status_code == 200 and f"/portal/photos/{photo_id}" in page.text
        img = await carol.get(f"/portal/photos/{photo_id}")
        assert img.status_code == 200 and img.headers["content-type"] == "image/png"
        assert img.content == demo_photo()
        history = await stack.client.get_workflow_handle(f"repair-{wo}").fetch_history()
        assert "tank alarm" not in history.to_json() and email not in history.to_json()
        # a file that is not an image (whatever its name says) is refused and nothing is recorded
        form = await carol.get("/portal/request")
        data = {"csrf_token": csrf_of(form.text), "job_type": "repair", "description": "x"}
        slot_value = re.search(r'name="slot" value="([^"]+)"', form.text).group(1)
        data["slot"] = slot_value
        r = await carol.post(
            "/portal/request",
            data=data,
            files=[("photos", ("leak.jpg", b"MZ\x90\x00not an image", "image/jpeg"))],
        )
        assert r.status_code == 422 and "only JPEG, PNG or WebP" in r.text
        fake_png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # the right magic number, but no image
        r = await carol.post(
            "/portal/request", data=data, files=[("photos", ("a.png", fake_png, "image/png"))]
        )
        assert r.status_code == 422 and "could not be read as an image" in r.text
        big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (5 * 1024 * 1024)
        r = await carol.post("/portal/request", data=data, files=[("photos", ("big.png", big, "image/png"))])
        assert r.status_code == 422 and "larger than 5 MB" in r.text
        home = await carol.get("/portal")
        assert home.text.count('class="card work-order"') == 1


async def test_preferences_are_saved_through_the_preferences_service(stack):
    customer_id, email = await portal_customer(stack)
    async with browser(stack) as dana:
        await log_in(dana, stack.http, stack.office, customer_id=customer_id, address=email)
        page = await dana.get("/portal/preferences")
        r = await dana.post(
            "/portal/preferences",
            data={
                "channel": "email",
                "language": "es",
                "frequency": "daily_digest",
                "surveys": "yes",
                "csrf_token": csrf_of(page.text),
            },
        )
        assert r.status_code == 303
        prefs = (
            await stack.http.get(
                f"/api/v1/customers/{customer_id}/communication-preferences", headers=stack.office
            )
        ).json()
        assert (
            prefs["channel"] == "email" and prefs["language"] == "es" and prefs["frequency"] == "daily_digest"
        )
        assert prefs["opted_out"] == ["status_updates"]
        assert 'value="es" selected' in (await dana.get("/portal/preferences")).text


async def test_guessing_tokens_is_limited_per_ip(stack):
    """On an app of its own (the limiter is per app), so other tests keep their allowance."""
    from api.app import create_app

    app = create_app(stack.settings, sessions=stack.sessions, temporal=stack.client)
    app.state.sessions, app.state.temporal, app.state.settings = stack.sessions, stack.client, stack.settings
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as guesser:
        answers = [(await guesser.get(f"/portal/login/{'A' * 21}{c}")).status_code for c in "BCDEFGHIJKLM"]
        assert answers[:10] == [404] * 10 and answers[10:] == [429, 429]
        r = await guesser.get(f"/portal/login/{'A' * 22}")
        assert r.status_code == 429 and r.headers["retry-after"] == "600"
    other = httpx.ASGITransport(app=app, client=("198.51.100.9", 40000))
    async with httpx.AsyncClient(transport=other, base_url="http://portal.test") as neighbour:
        assert (await neighbour.get(f"/portal/login/{'A' * 22}")).status_code == 404


async def test_the_demo_helper_signs_in_and_files_a_request(stack):
    from io import StringIO

    from rich.console import Console

    from devstack.portal_demo import play_portal

    customer_id, _ = await portal_customer(stack, first_name="Demo")
    out = StringIO()
    summary = await play_portal(stack.http, stack.office, customer_id=customer_id, console=Console(file=out))
    assert summary.logged_in and summary.work_orders_seen == 0 and summary.work_order_id
    assert summary.status in {"requested", "pending_approval", "approved", "awaiting_assignment", "assigned"}
    printed = out.getvalue()
    assert f"customer {customer_id} signed in by magic link (email)" in printed
    assert f"filed {summary.work_order_id} from the portal" in printed
