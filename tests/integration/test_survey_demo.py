"""devstack/survey_demo.py against the real stack: completed repairs' surveys answered by page and
by SMS digit (signed inbound webhook), one left unanswered, counted by rating."""

from __future__ import annotations

import pytest

from devstack.survey_demo import play_surveys
from tests.integration.test_communications import unique_phone
from tests.integration.test_delivery_webhooks import signed  # noqa: F401 - fixture
from tests.integration.test_surveys import FAST, completed_repair, fast_survey

pytestmark = pytest.mark.integration


async def test_play_surveys_answers_by_page_and_sms_and_counts_by_rating(stack, signed):  # noqa: F811
    # customer A: two jobs (page, then SMS for the last); B: one (SMS); C: one (left unanswered)
    a, b, c = unique_phone(), unique_phone(), unique_phone()
    jobs = []
    for phone in (a, a, b, c):
        wo, customer, _ = await completed_repair(stack, phone=phone)
        await fast_survey(stack, wo, customer, FAST)
        jobs.append(wo)
    report = await play_surveys(stack.http, stack.office, jobs, settings=stack.settings, wait_seconds=30)
    assert report["sent"] == 4 and report["not_sent"] == {}
    assert report["answered"] == 3 and report["unanswered"] == 1
    assert report["answered_by_page"] == 1 and report["answered_by_sms"] == 2
    assert report["recorded"] == 3
    assert sum(report["by_rating"].values()) == 3 and report["by_rating"]["5"] == 1
    assert report["low_rating_follow_ups"] == 1  # the third answer is a 2
