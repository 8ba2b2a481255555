"""A customer approves or declines an estimate from the link, on a phone-sized screen."""

from __future__ import annotations

import os
import tempfile

import pytest

from tests.integration.test_repair_api import approval_link, new_customer, wait_status

pytestmark = pytest.mark.integration
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}


async def pending_repair(stack, repair_count: int) -> str:
    customer = await new_customer(stack)
    r = await stack.http.post(
        "/api/v1/repairs",
        json={"customer_id": customer, "job_type": "repair", "repair_count": repair_count},
        headers=stack.office,
    )
    wo = r.json()["id"]
    await wait_status(stack, wo, {"pending_approval"})
    return wo


async def test_customer_approves_on_a_phone(stack, browser):
    wo = await pending_repair(stack, 2)
    link = await approval_link(stack, wo)
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(link)
    assert await page.locator("h1 .wo").inner_text() == wo
    assert (
        "CST" in await page.locator(".note").inner_text() or "CDT" in await page.locator(".note").inner_text()
    )
    assert await page.locator("#total").inner_text() == "$185.00"
    assert await page.locator("table tr").count() == 4  # catalog, two tiered repairs, total
    shot = os.path.join(os.environ.get("FIELDOPS_SCREENSHOTS", tempfile.gettempdir()), "approval-page.png")
    await page.screenshot(path=shot, full_page=True)
    approve = page.get_by_role("button", name="Approve $185.00")
    box = await approve.bounding_box()
    assert box["width"] > 120 and box["height"] >= 40  # a thumb-sized button
    await approve.click()
    await page.wait_for_selector("#result")
    assert await page.locator("#result").inner_text() == "Approved"
    state = await wait_status(stack, wo, {"assigned", "awaiting_assignment"})
    assert state["approval_mode"] == "customer_link"
    await page.goto(link)  # the link was single use
    assert await page.locator("#result").inner_text() == "Already answered"
    assert errors == []
    await context.close()


async def test_customer_declines(stack, browser):
    wo = await pending_repair(stack, 3)
    link = await approval_link(stack, wo)
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    await page.goto(link)
    await page.get_by_role("button", name="Decline").click()
    await page.wait_for_selector("#result")
    assert await page.locator("#result").inner_text() == "Declined"
    assert (await wait_status(stack, wo, {"declined"}))["status"] == "declined"
    await context.close()
