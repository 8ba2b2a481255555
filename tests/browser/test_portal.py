"""The customer portal on a phone-sized screen in headless Chromium: sign in by magic link, see
only one's own work orders, open an invoice and its PDF, file a request with a photo. Each page
is saved as a screenshot (``FIELDOPS_SCREENSHOTS``, default the temp directory)."""

from __future__ import annotations

import os
import tempfile
import uuid
from decimal import Decimal

import pytest

from devstack.portal_demo import demo_photo, latest_login_link
from tests.integration.test_portal import make_invoice, pending_repair, portal_customer

pytestmark = pytest.mark.integration
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}


def shot(name: str) -> str:
    return os.path.join(os.environ.get("FIELDOPS_SCREENSHOTS", tempfile.gettempdir()), f"portal-{name}.png")


async def sign_in(stack, page, customer_id: int, email: str) -> None:
    base = str(stack.http.base_url).rstrip("/")
    await page.goto(f"{base}/portal")  # not signed in: the login form
    assert page.url.endswith("/portal/login")
    await page.screenshot(path=shot("1-login"), full_page=True)
    await page.get_by_label("Email or mobile number").fill(email)
    await page.get_by_role("button", name="Send me a sign-in link").click()
    await page.wait_for_selector("#result")
    assert await page.locator("#result").inner_text() == "Check your email"
    await page.screenshot(path=shot("2-link-sent"), full_page=True)
    _, link = await latest_login_link(stack.http, stack.office, customer_id)
    await page.goto(link)
    await page.screenshot(path=shot("3-confirm"), full_page=True)
    button = page.get_by_role("button", name="Sign in")
    box = await button.bounding_box()
    assert box["width"] > 300 and box["height"] >= 40  # a thumb-sized button across the phone
    await button.click()
    await page.wait_for_url(f"{base}/portal")


async def test_customer_signs_in_sees_his_own_work_and_files_a_request(stack, browser):
    customer_id, email = await portal_customer(stack, first_name="Maria")
    other_id, _ = await portal_customer(stack, first_name="Victor")
    mine = await pending_repair(stack, customer_id)
    theirs = await pending_repair(stack, other_id)
    invoice_id = make_invoice(stack, customer_id, f"INV-T-{uuid.uuid4().hex[:6]}", paid=Decimal("50.00"))
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "console", lambda m: errors.append(f"{m.text} {m.location.get('url')}") if m.type == "error" else None
    )  # CSP violations show up here
    await sign_in(stack, page, customer_id, email)
    base = str(stack.http.base_url).rstrip("/")

    # home: only her work orders; the estimate can be answered here
    assert await page.locator("h1").inner_text() == "Hello, Maria"
    rows = page.locator("#work-orders .work-order")
    assert await rows.count() == 1 and mine in await rows.first.inner_text()
    assert theirs not in await page.content()
    assert await page.get_by_role("button", name="Approve $185.00").is_visible()
    await page.screenshot(path=shot("4-home"), full_page=True)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing runs off the side of the phone

    # another customer's work order by URL: not found, nothing of his
    response = await page.goto(f"{base}/portal/work-orders/{theirs}")
    assert response.status == 404 and "Victor" not in await page.content()

    # her work order with its live status
    await page.goto(f"{base}/portal/work-orders/{mine}")
    assert await page.locator("#status").inner_text() == "Waiting for your approval"
    await page.screenshot(path=shot("5-work-order"), full_page=True)

    # invoices: list, one invoice, its PDF
    await page.get_by_role("link", name="Invoices").click()
    await page.screenshot(path=shot("6-invoices"), full_page=True)
    await page.locator(f"a[href='/portal/invoices/{invoice_id}']").click()
    assert await page.locator("#total").inner_text() == "$108.25"
    assert await page.locator("#balance").inner_text() == "$58.25"
    assert "CARD" in await page.locator(".payment").inner_text()  # the payment history
    await page.screenshot(path=shot("7-invoice"), full_page=True)
    pdf = await context.request.get(f"{base}/portal/invoices/{invoice_id}/pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert (await pdf.body()).startswith(b"%PDF")

    # preferences
    await page.get_by_role("link", name="Messages").click()
    await page.screenshot(path=shot("8-preferences"), full_page=True)

    # a service request with a photo, in the first bookable window
    await page.get_by_role("link", name="Request service").click()
    assert await page.locator("#slots input[type=radio]").count() > 0
    await page.locator("#description").fill("The tank alarm keeps going off at night.")
    photo = {"name": "alarm.png", "mimeType": "image/png", "buffer": demo_photo(320, 240)}
    await page.locator("#photos").set_input_files(photo)
    await page.screenshot(path=shot("9-request"), full_page=True)
    await page.get_by_role("button", name="Send request").click()
    await page.wait_for_selector("#wo")
    new_wo = await page.locator("#wo").inner_text()
    assert new_wo not in (mine, theirs)
    requested = await page.locator("#requested").inner_text()  # the window chosen on the form
    assert requested.split(",")[0] in ("Morning", "Afternoon") and ("CST" in requested or "CDT" in requested)
    assert await page.locator(".photos img").count() == 1
    natural = await page.locator(".photos img").evaluate("img => img.naturalWidth")
    assert natural == 320  # the photo loads under the page's Content-Security-Policy
    await page.screenshot(path=shot("10-request-sent"), full_page=True)
    r = await stack.http.get(f"/api/v1/repairs/{new_wo}", headers=stack.office)
    assert r.json()["customer_id"] == customer_id

    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(f"{base}/portal/login")
    expected = f"404 (Not Found) {base}/portal/work-orders/{theirs}"  # the foreign work order we opened
    assert [e for e in errors if not e.endswith(expected)] == []
    await context.close()
