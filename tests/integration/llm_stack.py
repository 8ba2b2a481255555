"""What the LLM helper API tests share: a second stack whose settings point the real ``openai``
SDK at a loopback fake of chat-completions (the ``keyed`` fixture), the fake's answer per helper
schema, and a customer with one completed repair made through the API."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from pydantic import SecretStr
from temporalio.common import SearchAttributeKey
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from domain.ids import SEARCH_ATTRIBUTES
from tests.conftest import wheel_binary
from tests.integration.conftest import free_port
from tests.integration.fake_openai import FakeOpenAI, Reply, ok
from tests.integration.test_repair_api import new_customer, wait_status
from worker import build_workers

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
    client: Any = None  # the second stack's Temporal client


@asynccontextmanager
async def keyed_stack(stack) -> AsyncIterator[Keyed]:
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
        yield Keyed(http, stack.office, fake, stack.sessions, env.client)
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
