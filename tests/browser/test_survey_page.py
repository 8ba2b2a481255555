"""A customer answers the post-service survey from its SMS link on a phone-sized screen."""

from __future__ import annotations

import os
import tempfile

import pytest

from tests.integration.test_surveys import SURVEY_LINK, completed_repair, fast_survey, survey_message

pytestmark = pytest.mark.integration
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}


def shot_path(name: str) -> str:
    return os.path.join(os.environ.get("FIELDOPS_SCREENSHOTS", tempfile.gettempdir()), name)


async def test_customer_rates_the_visit_on_a_phone(stack, browser):
    wo, customer, _ = await completed_repair(stack)
    handle = await fast_survey(stack, wo, customer)
    link = SURVEY_LINK.search((await survey_message(stack, wo)).body).group(0)
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(link)
    assert await page.locator("h1 .wo").inner_text() == wo
    labels = page.locator(".stars label")
    assert await labels.count() == 5
    for i in range(5):  # thumb-sized targets, all in one row inside the screen
        box = await labels.nth(i).bounding_box()
        assert box["width"] >= 56 and box["height"] >= 44 and box["x"] + box["width"] <= 390
    await page.locator("label[for=rating-4]").click()
    await page.fill("#comment", "Friendly and quick, thank you")
    await page.screenshot(path=shot_path("survey-page.png"), full_page=True)
    await page.get_by_role("button", name="Send my rating").click()
    await page.wait_for_selector("#result")
    assert await page.locator("#result").inner_text() == "Thank you!"
    await page.screenshot(path=shot_path("survey-done.png"), full_page=True)
    result = await handle.result()
    assert result.state == "answered" and result.rating == 4 and result.sentiment > 0
    await page.goto(link)  # single use
    assert await page.locator("#result").inner_text() == "Already answered"
    assert errors == []
    await context.close()


async def test_the_rating_is_required(stack, browser):
    wo, customer, _ = await completed_repair(stack)
    await fast_survey(stack, wo, customer)
    link = SURVEY_LINK.search((await survey_message(stack, wo)).body).group(0)
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    await page.goto(link)
    await page.get_by_role("button", name="Send my rating").click()  # the browser refuses: no rating
    assert await page.locator("#result").count() == 0 and page.url == link
    await context.close()
