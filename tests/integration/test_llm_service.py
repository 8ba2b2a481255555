"""The LLM service with the real ``openai`` SDK against a loopback fake of chat-completions:
answers, the PostgreSQL cache and its TTL, token and cost accounting, a malformed answer
(retried once, then the fallback), a 429 (retried after Retry-After), a timeout, no key, and
no contact detail in any prompt."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from pydantic import SecretStr

from activities.llm_service import LlmService, Privacy
from config import Settings
from db.repositories import llm as repo
from db.session import transaction
from domain.contracts.llm import Greeting, HelperKind, Sentiment
from tests.integration.fake_openai import FakeOpenAI, Reply, ok

pytestmark = pytest.mark.integration


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


def settings_for(fake: FakeOpenAI | None, **kw) -> Settings:
    values = {
        "profile": "test",
        "llm_model": "fake-model",
        "llm_timeout_seconds": 2.0,
        "llm_max_retries": 1,
        "llm_input_usd_per_million_tokens": Decimal("0.50"),
        "llm_output_usd_per_million_tokens": Decimal("1.50"),
    }
    if fake is not None:
        values |= {"llm_api_key": SecretStr("sk-test"), "llm_base_url": fake.base_url}
    return Settings(**(values | kw))


def greet(service: LlmService, subject: str, *, occasion: str = "welcome", privacy: Privacy = Privacy()):
    context = {
        "occasion": occasion,
        "because": "first job completed",
        "as_of": "2026-11-25",
        "fleet": False,
        "completed_jobs": 1,
        "last_job": "septic pump out",
        "channel": "sms",
        "language": "en",
        "max_chars": 300,
    }
    return service.answer(
        kind=HelperKind.GREETING,
        subject=subject,
        context=context,
        output=Greeting,
        fallback=lambda: Greeting(message="Hi [customer], welcome aboard!"),
        privacy=privacy,
    )


def calls(database, subject: str):
    with transaction(database.sessions) as session:
        return repo.calls(session, subject=subject)


def test_answer_is_validated_cached_and_accounted(database, fake):
    service = LlmService(database.sessions, settings_for(fake))
    subject = f"test:{uuid.uuid4()}"
    fake.replies.append(ok({"message": "Hi [customer], welcome! Thanks for your first pump out."}))
    first = greet(service, subject)
    assert first.source == "model" and first.model == "fake-model"
    assert first.value.message.startswith("Hi [customer], welcome!")
    request = fake.requests[-1]
    assert request["auth"] == "Bearer sk-test"
    assert request["body"]["model"] == "fake-model"
    assert request["body"]["response_format"] == {"type": "json_object"}

    second = greet(service, subject)  # same prompt: from the cache, no request
    assert second.source == "cache" and second.value == first.value
    assert len(fake.requests) == 1

    rows = calls(database, subject)
    assert [r.source for r in rows] == ["model", "cache"]
    model_row = rows[0]
    assert (model_row.attempts, model_row.prompt_tokens, model_row.completion_tokens) == (1, 120, 40)
    # 120 x 0.50 / 1e6 + 40 x 1.50 / 1e6 = 0.000120
    assert model_row.cost_usd == Decimal("0.000120")
    assert rows[1].cost_usd == 0 and rows[1].attempts == 0


def test_expired_cache_asks_again(database, fake):
    service = LlmService(database.sessions, settings_for(fake, llm_cache_ttl_seconds=0))
    subject = f"test:{uuid.uuid4()}"
    fake.replies.extend([ok({"message": "Hi [customer], one."}), ok({"message": "Hi [customer], two."})])
    assert greet(service, subject, occasion="check_in").value.message == "Hi [customer], one."
    assert greet(service, subject, occasion="check_in").value.message == "Hi [customer], two."
    assert [r.source for r in calls(database, subject)] == ["model", "model"]


def test_malformed_answer_is_retried_once(database, fake):
    service = LlmService(database.sessions, settings_for(fake))
    subject = f"test:{uuid.uuid4()}"
    fake.replies.extend([ok("Sure! Here is a greeting: Hi there"), ok({"message": "Hi [customer], thanks!"})])
    answered = greet(service, subject, occasion="thank_you")
    assert answered.source == "model" and answered.value.message == "Hi [customer], thanks!"
    assert len(fake.requests) == 2
    retry = fake.requests[1]["body"]["messages"]
    assert retry[-2] == {"role": "assistant", "content": "Sure! Here is a greeting: Hi there"}
    assert "did not match the schema" in retry[-1]["content"]
    (row,) = calls(database, subject)
    assert row.attempts == 2 and row.prompt_tokens == 240 and row.source == "model"


def test_malformed_twice_falls_back(database, fake):
    service = LlmService(database.sessions, settings_for(fake))
    subject = f"test:{uuid.uuid4()}"
    fake.replies.extend([ok({"text": "wrong key"}), ok({"message": ""})])
    answered = greet(service, subject, occasion="anniversary")
    assert answered.source == "fallback" and answered.value.message == "Hi [customer], welcome aboard!"
    assert answered.fallback_reason and answered.fallback_reason.startswith("malformed answer")
    (row,) = calls(database, subject)
    assert row.source == "fallback" and row.attempts == 2 and row.fallback_reason.startswith("malformed")
    with transaction(database.sessions) as session:  # nothing malformed is cached
        assert repo.cached_answer(session, prompt_hash=row.prompt_hash, now=row.created_at) is None


def test_rate_limited_request_is_retried_after_retry_after(database, fake):
    service = LlmService(database.sessions, settings_for(fake))
    subject = f"test:{uuid.uuid4()}"
    fake.replies.extend(
        [
            Reply(status=429, headers={"retry-after-ms": "50"}),
            ok({"message": "Hi [customer], happy holidays!"}),
        ]
    )
    answered = greet(service, subject, occasion="holiday_season")
    assert answered.source == "model" and answered.value.message == "Hi [customer], happy holidays!"
    assert len(fake.requests) == 2


def test_rate_limited_beyond_the_retries_falls_back(database, fake):
    service = LlmService(database.sessions, settings_for(fake, llm_max_retries=1))
    subject = f"test:{uuid.uuid4()}"
    fake.replies.extend([Reply(status=429, headers={"retry-after-ms": "10"})] * 2)
    answered = greet(service, subject, occasion="win_back")
    assert answered.source == "fallback" and answered.fallback_reason == "RateLimitError 429"
    assert len(fake.requests) == 2


def test_timeout_falls_back(database, fake):
    service = LlmService(database.sessions, settings_for(fake, llm_timeout_seconds=0.3, llm_max_retries=1))
    subject = f"test:{uuid.uuid4()}"
    fake.replies.extend([Reply(content='{"message": "late"}', delay_seconds=1.5)] * 2)
    answered = greet(service, subject, occasion="check_in")
    assert answered.source == "fallback" and answered.fallback_reason == "APITimeoutError"
    assert len(fake.requests) == 2  # the first try and the SDK's one retry
    (row,) = calls(database, subject)
    assert row.source == "fallback" and row.fallback_reason == "APITimeoutError"


def test_without_a_key_the_fallback_answers_without_a_request(database, fake):
    service = LlmService(database.sessions, settings_for(None))
    assert not service.enabled
    subject = f"test:{uuid.uuid4()}"
    answered = greet(service, subject)
    assert answered.source == "fallback" and answered.fallback_reason is None
    assert fake.requests == []
    (row,) = calls(database, subject)
    assert (row.source, row.model, row.attempts, row.fallback_reason) == ("fallback", None, 0, "no API key")


def test_no_contact_detail_reaches_the_model(database, fake, caplog):
    service = LlmService(database.sessions, settings_for(fake))
    privacy = Privacy(
        names=("Maribel", "Quintanilla", None),
        contacts=("4410 Elmhurst Dr", "+15125550143", "mq@example.org"),
    )
    words = "Maribel Quintanilla here, at 4410 Elmhurst Dr. Call (512) 555-0143, mq@example.org or my son at kid.q@mail.example.net: the crew was great!"
    fake.replies.append(
        ok({"score": 0.8, "label": "positive", "themes": ["crew"], "summary": "Happy with the crew."})
    )
    caplog.set_level("INFO", logger="fieldops.llm")
    answered = service.sentiment(words, subject=f"test:{uuid.uuid4()}", privacy=privacy)
    assert answered.source == "model" and answered.value.label == "positive"
    (prompt,) = fake.prompts()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in ("Maribel", "Quintanilla", "Elmhurst", "555-0143", "mq@example.org", "kid.q@"):
        assert secret not in prompt and secret not in logged
    assert "[customer] [customer] here, at [contact]. Call [phone], [contact] or my son at [email]" in prompt


def test_lexicon_sentiment_without_a_key(database):
    service = LlmService(database.sessions, settings_for(None))
    bad = service.sentiment(
        "The technician was late and rude. Terrible service.", subject=f"test:{uuid.uuid4()}"
    )
    good = service.sentiment("Great job, very friendly and quick!", subject=f"test:{uuid.uuid4()}")
    assert isinstance(bad.value, Sentiment) and bad.source == "fallback"
    assert bad.value.label == "negative" and bad.value.score < -0.5 and "terrible" in bad.value.themes
    assert good.value.label == "positive" and good.value.score > 0.5
