"""Every LLM helper endpoint with a key (seed 004 Phase 2, issue 11): a stack of its own whose
settings point the real ``openai`` SDK at a loopback fake of chat-completions (``keyed`` in
llm_stack.py). The answer, the cache and the accounting are checked end to end, a failing
model still answers with the fallback, and no request to the fake holds the customer's name,
phone, email or address.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from pydantic import SecretStr
from temporalio.exceptions import ApplicationError

from activities.llm import LlmActivities
from db.repositories import llm as llm_repo
from db.session import transaction
from domain.contracts.llm import WriteSurveyInput
from tests.integration.fake_openai import Reply, ok
from tests.integration.llm_stack import (
    MODEL_ANSWERS,
    Keyed,
    customer_with_job,
    endpoints,
    keyed_stack,
)

pytestmark = pytest.mark.integration


@pytest_asyncio.fixture(scope="module")
async def keyed(stack) -> AsyncIterator[Keyed]:
    """The stack with a key, for this module."""
    async with keyed_stack(stack) as running:
        yield running


async def test_every_helper_answers_from_the_model_with_a_key(stack, keyed):
    words = "The crew was late again and nobody called me back"
    customer, wo, contact = await customer_with_job(keyed.http, keyed.office, stack.tech_keys, words)
    # the repair tells its customer of the completion in a task of its own (status updates); let
    # it close first, so the timeline's facts (its history) are the same for both calls below
    await keyed.client.get_workflow_handle(f"repair-{wo}").result()
    before = len(keyed.fake.requests)
    for name, path in endpoints(customer, wo).items():
        r = await keyed.http.post(path, headers=keyed.office)
        assert r.status_code == 200, (path, r.text)
        body = r.json()
        assert body["source"] == "model" and body["model"] == "fake-model", (path, body)
        expected = dict(MODEL_ANSWERS[name])
        if name == "Greeting":
            expected = {"message": "Hi Marisol, model greeting!"}  # the API fills the placeholder
        assert {k: body["answer"][k] for k in expected} == expected

        again = await keyed.http.post(path, headers=keyed.office)
        assert again.json()["source"] == "cache" and again.json()["answer"] == body["answer"]
    appliance = await keyed.http.post(
        "/api/v1/appliances", json={"customer_id": customer, "type": "grease trap"}, headers=keyed.office
    )
    r = await keyed.http.post(
        f"/api/v1/appliances/{appliance.json()['id']}/predict-maintenance", headers=keyed.office
    )
    assert r.status_code == 200 and r.json()["source"] == "model"
    assert r.json()["facts"]["predictions"][0]["status"] == "unknown"
    requests = keyed.fake.requests[before:]
    assert len(requests) == 9  # one per helper; the repeats came from the cache
    sent = json.dumps([r["body"] for r in requests])
    for secret in (*contact.values(), contact["phone"][2:]):
        assert secret not in sent, secret
    assert "nobody called me back" in sent  # the customer's own words, without his details

    with transaction(keyed.sessions) as session:
        rows = llm_repo.calls(session, subject=f"customer:{customer}") + llm_repo.calls(
            session, subject=f"work_order:{wo}"
        )
    assert sorted(r.source for r in rows) == ["cache"] * 8 + ["model"] * 8
    model_rows = [r for r in rows if r.source == "model"]
    assert all(r.prompt_tokens == 120 and r.completion_tokens == 40 and r.cost_usd > 0 for r in model_rows)


async def test_a_failing_model_still_answers_with_the_fallback(stack, keyed):
    customer, wo, contact = await customer_with_job(
        keyed.http, keyed.office, stack.tech_keys, "all good, thanks"
    )
    # a contact detail the model writes never reaches the history nor the answer
    surname = contact["last_name"]
    keyed.fake.replies.append(
        ok(
            {
                "score": 0.5,
                "label": "positive",
                "themes": [],
                "summary": f"{surname} is pleased, call 512 555 0199",
            }
        )
    )
    r = await keyed.http.post(f"/api/v1/customers/{customer}/analyze-sentiment", headers=keyed.office)
    assert r.json()["source"] == "model"
    assert r.json()["answer"]["summary"] == "[customer] is pleased, call [phone]"
    keyed.fake.replies.extend([Reply(status=429, headers={"retry-after-ms": "10"})])
    r = await keyed.http.post(f"/api/v1/repairs/{wo}/generate-survey", headers=keyed.office)
    assert r.status_code == 200
    body = r.json()
    assert body["source"] == "fallback" and body["fallback_reason"] == "RateLimitError 429"
    assert body["answer"]["message"].startswith("Thank you for choosing us for your repair")
    # a prompt not cached yet (greetings of the same occasion share prompts: no names in them)
    keyed.fake.replies.extend([ok({"message": "Hola, llámenos al 512-555-0100!"}), ok("not json")])
    r = await keyed.http.post(
        f"/api/v1/customers/{customer}/generate-greeting",
        params={"channel": "email", "language": "es"},
        headers=keyed.office,
    )
    body = r.json()
    assert body["source"] == "fallback" and body["fallback_reason"].startswith("malformed answer")
    assert body["answer"]["message"].startswith("Hola Marisol")


async def test_survey_helpers_for_the_survey_workflow(stack, keyed):
    """The public helpers another capability calls: ``write_survey_message`` (an activity) and
    ``score_sentiment`` (a method: the customer's words stay out of histories)."""
    customer, wo, contact = await customer_with_job(stack.http, stack.office, stack.tech_keys, "ok")
    plain = LlmActivities(stack.sessions, stack.settings)
    survey = await asyncio.to_thread(
        plain.write_survey_message, WriteSurveyInput(work_order_id=wo, language="es")
    )
    assert survey.source == "fallback" and survey.channel == "sms" and survey.language == "es"
    assert (
        survey.message.startswith("Gracias por elegirnos para su reparación") and len(survey.questions) == 3
    )
    mood = await asyncio.to_thread(
        plain.score_sentiment,
        f"{contact['first_name']} says: terrible, slow and rude",
        subject=f"survey:{wo}",
        customer_id=customer,
    )
    assert mood.source == "fallback" and mood.value.label == "negative"

    keyed_settings = stack.settings.model_copy(
        update={
            "llm_api_key": SecretStr("sk-fake"),
            "llm_base_url": keyed.fake.base_url,
            "llm_max_retries": 0,
        }
    )
    with_key = LlmActivities(stack.sessions, keyed_settings)
    survey = await asyncio.to_thread(
        with_key.write_survey_message, WriteSurveyInput(work_order_id=wo, channel="email")
    )
    assert survey.source == "model" and survey.message == MODEL_ANSWERS["SurveyMessage"]["message"]
    before = len(keyed.fake.requests)
    mood = await asyncio.to_thread(
        with_key.score_sentiment,
        f"{contact['first_name']} here: the crew was late",
        subject=f"survey:{wo}",
        customer_id=customer,
    )
    assert mood.source == "model" and mood.value.label == "negative"
    (sent,) = keyed.fake.prompts()[before:]
    assert "[customer] here: the crew was late" in sent and contact["first_name"] not in sent
    with pytest.raises(ApplicationError) as missing:
        await asyncio.to_thread(plain.write_survey_message, WriteSurveyInput(work_order_id="WO-NONE"))
    assert missing.value.type == "NotFound"
