"""Every LLM helper endpoint with and without a key (seed 004 Phase 2, issue 11).

Without a key (the shared stack): the deterministic fallback answers from the real records.
With a key: a stack of its own (Temporal dev server, workers and API) whose settings point the
real ``openai`` SDK at a loopback fake of chat-completions; the fake answers each helper's
schema, so the answer, the cache and the accounting are checked end to end, and no request
to the fake may hold the customer's name, phone, email or address.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import pytest_asyncio
import uvicorn
from pydantic import SecretStr
from temporalio.common import SearchAttributeKey
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from activities.llm import LlmActivities
from api.app import create_app
from db.repositories import llm as llm_repo
from db.session import transaction
from devstack.llm_demo import demo_subjects, play_llm_helpers
from domain.contracts.llm import WriteSurveyInput
from domain.ids import SEARCH_ATTRIBUTES
from tests.conftest import wheel_binary
from tests.integration.conftest import free_port
from tests.integration.fake_openai import FakeOpenAI, Reply, ok
from tests.integration.test_repair_api import new_customer, wait_status
from worker import build_workers

pytestmark = pytest.mark.integration

#: what the fake model answers per answer schema (the schema's title is in the system prompt)
MODEL_ANSWERS: dict[str, dict[str, Any]] = {
    "TimelineSummary": {
        "summary": "Model: the repair went smoothly.",
        "highlights": ["approved", "completed"],
    },
    "FollowupSuggestions": {
        "suggestions": [
            {"action": "Model: ask how it went", "reason": "recent job", "due_in_days": 1, "channel": "sms"}
        ]
    },
    "Greeting": {"message": "Hi [customer], model greeting!"},
    "Sentiment": {"score": -0.6, "label": "negative", "themes": ["delay"], "summary": "Model: unhappy."},
    "MatchExplanation": {"explanation": "Model: the closest skilled technician.", "factors": ["drive"]},
    "SurveyMessage": {"message": "Model: how did we do? Reply 1-5.", "questions": ["Rate us 1-5", "Why?"]},
    "ProfitabilityNarrative": {"summary": "Model: thin margin.", "recommendations": ["Raise prices"]},
    "MaintenanceAdvice": {"overview": "Model: book the grease trap.", "advice": {}},
}


def answer_for(body: dict[str, Any]) -> Reply:
    title = re.search(r'"title": "(\w+)", "type": "object"}$', body["messages"][0]["content"])
    assert title, "the system prompt ends with the answer's JSON schema"
    return ok(MODEL_ANSWERS[title.group(1)])


@dataclass
class Api:
    """What ``new_customer`` and ``wait_status`` need of a stack."""

    http: httpx.AsyncClient
    office: dict[str, str]


@dataclass
class Keyed:
    http: httpx.AsyncClient
    office: dict[str, str]
    fake: FakeOpenAI
    sessions: Any


@pytest_asyncio.fixture(scope="module")
async def keyed(stack) -> AsyncIterator[Keyed]:
    """A second stack on the same database with ``FIELDOPS_LLM_API_KEY`` set and the base URL of
    the fake."""
    fake = FakeOpenAI(responder=answer_for).start()
    port = free_port()
    settings = stack.settings.model_copy(
        update={
            "api_port": port,
            "llm_api_key": SecretStr("sk-fake"),
            "llm_base_url": fake.base_url,
            "llm_model": "fake-model",
            "llm_max_retries": 0,
        }
    )
    env = await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=wheel_binary("temporal"),
        search_attributes=[
            SearchAttributeKey.for_float(n) if kind == "Double" else SearchAttributeKey.for_keyword(n)
            for n, kind in SEARCH_ATTRIBUTES.items()
        ],
    )
    workers = build_workers(env.client, stack.sessions, settings)
    tasks = [asyncio.create_task(w.run()) for w in workers]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, sessions=stack.sessions, temporal=env.client),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.05)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
        yield Keyed(http, stack.office, fake, stack.sessions)
    server.should_exit = True
    await serving
    for w in workers:
        await w.shutdown()
    await asyncio.gather(*tasks, return_exceptions=True)
    await env.shutdown()
    fake.stop()


async def completed_repair(
    http: httpx.AsyncClient, office: dict, tech_keys: dict, customer: int, words: str
) -> str:
    """A repair auto-approved, assigned, started and completed through the API."""
    r = await http.post(
        "/api/v1/repairs",
        json={"customer_id": customer, "job_type": "repair", "repair_count": 1, "description": words},
        headers=office,
    )
    assert r.status_code == 201, r.text
    wo = r.json()["id"]
    api = Api(http, office)
    assigned = await wait_status(api, wo, {"assigned"})
    tech = {"X-API-Key": tech_keys[assigned["technician_id"]]}
    assert (await http.post(f"/api/v1/repairs/{wo}/start", json={}, headers=tech)).status_code == 200
    done = await http.post(f"/api/v1/repairs/{wo}/complete", json={"labor_minutes": 45}, headers=tech)
    assert done.status_code == 200, done.text
    await wait_status(api, wo, {"completed"})
    return wo


async def customer_with_job(http, office, tech_keys, words: str) -> tuple[int, str, dict]:
    surname = f"Quintero{uuid.uuid4().hex[:6]}"
    phone = f"+1512555{uuid.uuid4().int % 10_000:04d}"
    contact = {
        "first_name": "Marisol",
        "last_name": surname,
        "email": f"{surname}@example.org",
        "phone": phone,
    }
    customer = await new_customer(
        Api(http, office),
        **contact,
        address="4410 Elmhurst Dr",
        max_auto_approve_amount="1000.00",
        require_photo_for_approval=False,
    )
    wo = await completed_repair(http, office, tech_keys, customer, words)
    return customer, wo, {**contact, "address": "4410 Elmhurst Dr"}


def endpoints(customer: int, wo: str) -> dict[str, str]:
    """The helper endpoints about one customer and one of its repairs, by answer schema."""
    return {
        "ProfitabilityNarrative": f"/api/v1/customers/{customer}/profitability-analysis",
        "MaintenanceAdvice": f"/api/v1/customers/{customer}/predict-maintenance",
        "TimelineSummary": f"/api/v1/repairs/{wo}/timeline-summary",
        "MatchExplanation": f"/api/v1/repairs/{wo}/match-technician",
        "SurveyMessage": f"/api/v1/repairs/{wo}/generate-survey",
        "FollowupSuggestions": f"/api/v1/customers/{customer}/followup-suggestions",
        "Greeting": f"/api/v1/customers/{customer}/generate-greeting",
        "Sentiment": f"/api/v1/customers/{customer}/analyze-sentiment",
    }


async def test_every_helper_answers_without_a_key(stack):
    words = "Third backup this month, the crew was late and the yard is a terrible mess"
    customer, wo, _ = await customer_with_job(stack.http, stack.office, stack.tech_keys, words)
    answers = {}
    for name, path in endpoints(customer, wo).items():
        r = await stack.http.post(path, headers=stack.office)
        assert r.status_code == 200, (path, r.text)
        body = r.json()
        assert body["source"] == "fallback" and body["model"] is None and body["fallback_reason"] is None
        answers[name] = body

    timeline = answers["TimelineSummary"]
    assert timeline["subject"] == f"work_order:{wo}" and wo in timeline["answer"]["summary"]
    whats = [e["what"] for e in timeline["facts"]["events"]]
    assert (
        whats.count("workflow started") == 1 and whats.count("workflow completed") == 1
    )  # the Temporal history
    assert whats.index("update complete accepted") < whats.index("workflow completed")
    assert any(w.startswith("update start") for w in whats) and any(
        w.startswith("update complete") for w in whats
    )
    assert any(e["source"] == "audit" for e in timeline["facts"]["events"])
    assert timeline["facts"]["status"] == "completed" and "completed" in timeline["answer"]["summary"]

    match = answers["MatchExplanation"]
    best = match["facts"]["best_technician_id"]
    assert match["facts"]["candidates"][0]["technician_id"] == best
    assert match["answer"]["explanation"].startswith(f"{best} fits {wo} best")

    survey = answers["SurveyMessage"]["answer"]
    assert "repair" in survey["message"] and len(survey["questions"]) == 3 and "1" in survey["questions"][0]

    followups = answers["FollowupSuggestions"]["answer"]["suggestions"]
    assert followups[0]["action"].startswith("Ask how the repair") and followups[0]["channel"] == "sms"

    greeting = answers["Greeting"]
    assert greeting["facts"]["occasion"] == "welcome"  # the only job, completed today
    assert greeting["answer"]["message"].startswith("Hi Marisol, welcome aboard!")

    sentiment = answers["Sentiment"]
    assert sentiment["answer"]["label"] == "negative" and sentiment["facts"]["texts_analyzed"] == 1
    assert "terrible" in sentiment["answer"]["themes"]

    spanish = await stack.http.post(
        f"/api/v1/customers/{customer}/generate-greeting",
        params={"language": "es", "channel": "email"},
        headers=stack.office,
    )
    assert spanish.json()["answer"]["message"].startswith("Hola Marisol, ¡bienvenido!")


async def test_unknown_records_and_bad_options(stack):
    assert (
        await stack.http.post("/api/v1/customers/999999/generate-greeting", headers=stack.office)
    ).status_code == 404
    assert (
        await stack.http.post("/api/v1/repairs/WO-NOPE/timeline-summary", headers=stack.office)
    ).status_code == 404
    bad = await stack.http.post(
        "/api/v1/customers/1/generate-greeting", params={"channel": "fax"}, headers=stack.office
    )
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"


async def test_every_helper_answers_from_the_model_with_a_key(stack, keyed):
    words = "The crew was late again and nobody called me back"
    customer, wo, contact = await customer_with_job(keyed.http, keyed.office, stack.tech_keys, words)
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


async def test_maintenance_and_profitability_from_the_customer_360_records(stack):
    customer, wo, _ = await customer_with_job(stack.http, stack.office, stack.tech_keys, "fine")
    today = date.fromisoformat(
        (
            await stack.http.post(f"/api/v1/customers/{customer}/predict-maintenance", headers=stack.office)
        ).json()["facts"]["as_of"]
    )
    made = {}
    for kind, body in {
        "grease": {"type": "grease trap", "last_service_date": str(today - timedelta(days=100))},
        "septic": {"type": "septic tank", "installed_on": str(today - timedelta(days=2 * 365))},
        "heater": {"type": "water heater"},
    }.items():
        r = await stack.http.post(
            "/api/v1/appliances", json={"customer_id": customer, **body}, headers=stack.office
        )
        assert r.status_code == 201, r.text
        made[kind] = r.json()["id"]
    expense = {"work_order_id": wo, "category": "disposal", "amount": "400.00", "incurred_on": str(today)}
    assert (await stack.http.post("/api/v1/expenses", json=expense, headers=stack.office)).status_code == 201
    review = {"work_order_id": wo, "rating": 1, "comment": "Awful, the yard was left filthy"}
    assert (await stack.http.post("/api/v1/reviews", json=review, headers=stack.office)).status_code == 201

    one = (
        await stack.http.post(
            f"/api/v1/appliances/{made['grease']}/predict-maintenance", headers=stack.office
        )
    ).json()
    assert one["subject"] == f"appliance:{made['grease']}" and one["source"] == "fallback"
    (grease,) = one["facts"]["predictions"]
    assert grease["status"] == "overdue" and grease["interval_days"] == 90 and grease["days_until_due"] == -10
    assert grease["due"] == str(today - timedelta(days=10))
    assert one["answer"]["advice"][str(made["grease"])].startswith("The grease trap was due on")

    every = (
        await stack.http.post(f"/api/v1/customers/{customer}/predict-maintenance", headers=stack.office)
    ).json()
    order = [(p["appliance_id"], p["status"]) for p in every["facts"]["predictions"]]
    assert order == [(made["grease"], "overdue"), (made["heater"], "unknown"), (made["septic"], "ok")]
    septic = every["facts"]["predictions"][2]
    assert septic["due"] == str(today - timedelta(days=2 * 365) + timedelta(days=3 * 365))
    assert every["answer"]["overview"].startswith("2 of 3 appliance(s) need service now")

    money = (
        await stack.http.post(f"/api/v1/customers/{customer}/profitability-analysis", headers=stack.office)
    ).json()
    totals = money["facts"]["totals_usd"]
    financials = (
        await stack.http.get(f"/api/v1/customers/{customer}/financials", headers=stack.office)
    ).json()
    assert Decimal(totals["margin"]) == Decimal(str(financials["totals"]["margin"]))  # the customer 360 rules
    assert Decimal(totals["margin"]) < 0 and money["facts"]["expenses_by_category_usd"] == {
        "disposal": "400.00"
    }
    assert any(r.startswith("Review pricing of repair") for r in money["answer"]["recommendations"])

    mood = (
        await stack.http.post(f"/api/v1/customers/{customer}/analyze-sentiment", headers=stack.office)
    ).json()
    assert mood["facts"]["texts_analyzed"] == 2 and mood["answer"]["label"] == "negative"

    assert (
        await stack.http.post("/api/v1/appliances/999999/predict-maintenance", headers=stack.office)
    ).status_code == 404


async def test_the_demo_helper_prints_one_answer_of_each_kind(stack, capsys):
    customer, wo, _ = await customer_with_job(
        stack.http, stack.office, stack.tech_keys, "Quick and friendly crew, thank you"
    )
    body = {"customer_id": customer, "type": "grease trap", "last_service_date": "2026-09-01"}
    assert (await stack.http.post("/api/v1/appliances", json=body, headers=stack.office)).status_code == 201
    lines = await play_llm_helpers(stack.http, stack.office, customer_id=customer, work_order_id=wo)
    printed = capsys.readouterr().out.strip().splitlines()
    assert printed == list(lines.values()) and len(printed) == 9
    assert all("[fallback]" in line for line in printed)
    with capsys.disabled():
        print("\n" + "\n".join(printed))


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


async def test_the_demo_helper_finds_the_fleet_customer_itself(stack, capsys):
    customer, wo = await demo_subjects(stack.http, stack.office)
    fleet = (await stack.http.get(f"/api/v1/customers/{customer}", headers=stack.office)).json()
    assert fleet["fleet_size"] > 0
    lines = await play_llm_helpers(stack.http, stack.office)
    assert f"timeline-summary work_order:{wo}" in lines and f"generate-greeting customer:{customer}" in lines
    with capsys.disabled():
        print("\n" + "\n".join(lines.values()))
