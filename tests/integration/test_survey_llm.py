"""The survey's message and sentiment from the LLM service: the real openai SDK against the
loopback fake writes the opening and scores the comment; the link and the rating line always come
from the template; no name or contact detail reaches the model; a failing model falls back to the
template and the lexicon."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from activities.llm_service import LlmService
from activities.messaging import MessageSender, OutboxProvider
from activities.survey import SurveyActivities
from activities.survey_text import LlmSentimentScorer, LlmSurveyWriter
from db.models import Customer, Message, Review
from db.repositories import surveys
from db.session import transaction
from domain.contracts.survey import SendSurveyInput, SurveyRef
from tests.integration.fake_openai import FakeOpenAI, Reply, ok
from tests.integration.test_surveys import SURVEY_LINK, completed_repair

pytestmark = pytest.mark.integration


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


def activities_for(stack, fake: FakeOpenAI) -> SurveyActivities:
    settings = stack.settings.model_copy(
        update={
            "llm_api_key": SecretStr("sk-test"),
            "llm_base_url": fake.base_url,
            "llm_model": "fake-model",
            "llm_max_retries": 0,
        }
    )
    service = LlmService(stack.sessions, settings)
    outbox = OutboxProvider()
    sender = MessageSender(stack.sessions, {"sms": outbox, "email": outbox})
    return SurveyActivities(
        stack.sessions,
        sender,
        settings,
        writer=LlmSurveyWriter(stack.sessions, service),
        scorer=LlmSentimentScorer(service),
    )


async def test_the_model_writes_the_opening_and_scores_the_comment(stack, fake):
    wo, customer_id, _ = await completed_repair(stack)
    acts = activities_for(stack, fake)
    ref = SurveyRef(work_order_id=wo, workflow_id=f"survey-llm-{uuid.uuid4().hex[:6]}")
    fake.replies.append(
        ok(
            {
                "message": "Thanks for trusting us with your maintenance visit today.",
                "questions": ["Rate us 1-5?", "What could be better?"],
            }
        )
    )
    sent = acts.send_survey(
        SendSurveyInput(**ref.model_dump(), expires_at=datetime.now(UTC) + timedelta(hours=1))
    )
    assert sent.outcome == "sent"
    with transaction(stack.sessions) as session:
        body = session.scalars(
            select(Message.body).where(Message.idempotency_key == f"{ref.workflow_id}:survey-request")
        ).one()
        customer = session.get(Customer, customer_id)
        name, phone = customer.last_name, customer.phone
    assert "Thanks for trusting us with your maintenance visit today." in body
    assert "Reply 1 (poor) to 5 (great)" in body and SURVEY_LINK.search(body)
    prompt = json.dumps(fake.requests[0]["body"])
    assert fake.requests[0]["body"]["model"] == "fake-model" and phone not in prompt and name not in prompt

    with transaction(stack.sessions) as session:
        link = surveys.link_of(session, work_order_id=wo)
        assert surveys.claim(
            session,
            link_id=link.id,
            rating=4,
            comment=f"Great crew, call me at {phone}",
            via="page",
            at=datetime.now(UTC),
        )
    fake.replies.append(
        ok({"score": 0.8, "label": "positive", "themes": ["crew"], "summary": "Happy with the crew."})
    )
    recorded = acts.record_survey_answer(ref)
    assert recorded.sentiment == Decimal("0.650")  # half the rating's 0.5, half the model's 0.8
    assert phone not in json.dumps(fake.requests[-1]["body"])  # the comment is redacted for the model
    with transaction(stack.sessions) as session:
        review = session.scalars(select(Review).where(Review.work_order_id == wo)).one()
        assert review.sentiment_score == Decimal("0.650") and review.rating == 4


async def test_a_failing_model_falls_back_to_the_template_and_the_lexicon(stack, fake):
    wo, _, _ = await completed_repair(stack)
    acts = activities_for(stack, fake)
    ref = SurveyRef(work_order_id=wo, workflow_id=f"survey-llm-{uuid.uuid4().hex[:6]}")
    fake.replies.extend([Reply(status=500), Reply(status=500)])  # every try of the message fails
    assert (
        acts.send_survey(
            SendSurveyInput(**ref.model_dump(), expires_at=datetime.now(UTC) + timedelta(hours=1))
        ).outcome
        == "sent"
    )
    with transaction(stack.sessions) as session:
        body = session.scalars(
            select(Message.body).where(Message.idempotency_key == f"{ref.workflow_id}:survey-request")
        ).one()
        assert re.search(r"how did \w+ do on " + wo, body)  # the template's own wording
        link = surveys.link_of(session, work_order_id=wo)
        surveys.claim(
            session, link_id=link.id, rating=1, comment="Late and rude", via="page", at=datetime.now(UTC)
        )
    fake.replies.extend([Reply(status=500), Reply(status=500)])
    assert acts.record_survey_answer(ref).sentiment == Decimal("-1.000")
