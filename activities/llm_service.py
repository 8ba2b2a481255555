"""The one LLM service (seed 004 Phase 2 "LLM Helper Service"): prompt templates, the OpenAI SDK,
retries, the PostgreSQL cache, token and cost accounting, and the deterministic fallback.

:meth:`LlmService.answer` for one request:

1. renders ``activities/llm_prompts/{kind}.system.txt`` and ``{kind}.user.txt`` (Jinja2,
   strict placeholders) with facts that hold ids, dates, amounts and counts, and passes the
   result through ``domain.llm_privacy.redact`` with the customer's known names and contacts,
   so no contact detail reaches the model or the log;
2. hashes model, kind, messages and the answer's JSON schema (sha256): the cache key;
3. without ``FIELDOPS_LLM_API_KEY``: the fallback answers (source ``fallback``);
4. a cached answer that has not expired answers (source ``cache``; no request is made);
5. otherwise the chat-completions API (any OpenAI-compatible ``FIELDOPS_LLM_BASE_URL``) is
   asked for a JSON object (``response_format`` json_object). The SDK retries connection
   errors, timeouts, 408/409/429 and 5xx ``FIELDOPS_LLM_MAX_RETRIES`` times with exponential
   backoff and jitter, honouring ``Retry-After``; each request times out after
   ``FIELDOPS_LLM_TIMEOUT_SECONDS``. The answer is validated with the kind's pydantic model; a
   malformed one is asked for once more (with the validation errors), then the fallback answers.
   A valid answer is cached for ``FIELDOPS_LLM_CACHE_TTL_SECONDS`` (expired rows are deleted
   as each new answer is stored);
6. every request is recorded in ``llm_calls``: source, model, attempts, prompt and completion
   tokens, cost in USD (``FIELDOPS_LLM_{INPUT,OUTPUT}_USD_PER_MILLION_TOKENS``), duration and
   the fallback reason. Prompt and answer are logged (``fieldops.llm``) after redaction.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Generic, TypeVar

import openai
from jinja2 import Environment, PackageLoader, StrictUndefined
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from config import Settings
from db.repositories import llm as repo
from db.session import transaction
from domain.contracts.llm import Answer, AnswerSource, HelperKind, Sentiment
from domain.engagement import sentiment_label
from domain.llm_privacy import redact

log = logging.getLogger("fieldops.llm")
A = TypeVar("A", bound=Answer)
MILLION = Decimal(1_000_000)
COST_QUANTUM = Decimal("0.000001")
#: the answers a malformed answer may be retried into: the first and one more
MAX_ANSWER_ATTEMPTS = 2

_PROMPTS = Environment(
    loader=PackageLoader("activities", "llm_prompts"),
    undefined=StrictUndefined,
    autoescape=False,  # noqa: S701 - plain-text prompts for a model, never HTML
    keep_trailing_newline=False,
)
_VADER = SentimentIntensityAnalyzer()


def render_prompt(name: str, context: dict[str, Any]) -> str:
    """Render ``activities/llm_prompts/{name}.txt`` with ``context`` (a missing placeholder raises
    ``jinja2.UndefinedError``); also used for the fallback texts (``{kind}.fallback.txt``)."""
    return _PROMPTS.get_template(f"{name}.txt").render(context).strip()


def lexicon_sentiment(text: str) -> tuple[float, str]:
    """VADER's compound score (-1..1, rounded to 3 places) of ``text`` and its label
    (``domain.engagement.sentiment_label``). English lexicon; other words count as neutral."""
    score = round(float(_VADER.polarity_scores(text)["compound"]), 3)
    return score, sentiment_label(score)


@dataclass(frozen=True, slots=True)
class Privacy:
    """The customer's known names (first, last, company) and contacts (address, phone, email)
    that :func:`domain.llm_privacy.redact` removes from prompts, answers and logs."""

    names: tuple[str | None, ...] = ()
    contacts: tuple[str | None, ...] = ()

    def scrub(self, text: str) -> str:
        """``text`` without these names and contacts, nor anything shaped like an email or phone."""
        return redact(text, names=self.names, contacts=self.contacts)


@dataclass(frozen=True, slots=True)
class Answered(Generic[A]):
    """A validated answer and where it came from; ``fallback_reason`` says why the model's
    answer was not used (None when it was, or came from the cache)."""

    value: A
    source: AnswerSource
    model: str | None
    prompt_hash: str
    fallback_reason: str | None = None


@dataclass(slots=True)
class _Usage:
    attempts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


class LlmService:
    """LLM answers with cache, accounting and fallback (module docstring); ``client`` overrides
    the OpenAI client built from ``settings`` (None and no key: every answer is the fallback)."""

    def __init__(
        self, sessions: sessionmaker[Session], settings: Settings, *, client: openai.OpenAI | None = None
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
        if client is None and key:
            client = openai.OpenAI(
                api_key=key,
                base_url=settings.llm_base_url or None,
                timeout=settings.llm_timeout_seconds,
                max_retries=settings.llm_max_retries,
            )
        self._client = client

    @property
    def enabled(self) -> bool:
        """Whether a model is configured (an API key is set)."""
        return self._client is not None

    @property
    def model(self) -> str:
        """The configured model name."""
        return self._settings.llm_model

    def answer(
        self,
        *,
        kind: HelperKind,
        subject: str,
        context: dict[str, Any],
        output: type[A],
        fallback: Callable[[], A],
        privacy: Privacy = Privacy(),
        check: Callable[[A], str | None] | None = None,
    ) -> Answered[A]:
        """The ``output`` answer to prompt ``kind`` about ``subject`` (a business id for the
        accounting, e.g. ``work_order:WO-…``) rendered with ``context``; steps in the module
        docstring. ``check`` returns what is wrong with a schema-valid answer (too long for the
        channel, a contact detail in it), which makes it malformed too. Never raises for the
        model's failures (the fallback answers); database errors propagate."""
        system = privacy.scrub(render_prompt(f"{kind.value}.system", context))
        user = privacy.scrub(render_prompt(f"{kind.value}.user", context))
        schema = output.model_json_schema()
        messages: list[dict[str, str]] = [
            {
                "role": "system",
                "content": f"{system}\n\nAnswer with one JSON object matching this JSON schema:\n{json.dumps(schema)}",
            },
            {"role": "user", "content": user},
        ]
        prompt_hash = _hash(self.model, kind.value, messages)
        started = time.monotonic()
        if self._client is None:
            return self._fall_back(kind, subject, prompt_hash, fallback, _Usage(), started, None, privacy)
        now = datetime.now(UTC)
        with transaction(self._sessions) as session:
            cached = repo.cached_answer(session, prompt_hash=prompt_hash, now=now)
        if cached is not None:
            try:
                value = output.model_validate(cached)
            except ValidationError:
                value = None  # an answer of an older schema: ask again
            if value is not None:
                self._record(kind, subject, prompt_hash, "cache", _Usage(), started, None)
                log.info("llm %s %s: cache hit %s", kind.value, subject, prompt_hash[:12])
                return Answered(value, "cache", self.model, prompt_hash)
        log.info("llm %s %s prompt: %s", kind.value, subject, json.dumps(messages))
        usage = _Usage()
        reason: str | None = None
        for _ in range(MAX_ANSWER_ATTEMPTS):
            try:
                content = self._complete(messages, usage)
            except openai.APIError as err:
                reason = _describe_error(err)
                break
            log.info("llm %s %s answer: %s", kind.value, subject, privacy.scrub(content))
            try:
                value = output.model_validate_json(content)
                problem = check(value) if check is not None else None
                if problem:
                    raise ValueError(problem)
            except (ValidationError, ValueError) as err:
                reason = f"malformed answer: {_errors(err)}"[:200]
                messages = [
                    *messages,
                    {"role": "assistant", "content": content},
                    {
                        "role": "user",
                        "content": "That answer did not match the schema "
                        f"({_errors(err)}). Answer again with only the JSON object.",
                    },
                ]
                continue
            with transaction(self._sessions) as session:
                repo.purge_expired(session, now=now)  # the table holds live answers only
                repo.store_answer(
                    session,
                    prompt_hash=prompt_hash,
                    kind=kind.value,
                    model=self.model,
                    answer=value.model_dump(mode="json"),
                    expires_at=now + timedelta(seconds=self._settings.llm_cache_ttl_seconds),
                )
            self._record(kind, subject, prompt_hash, "model", usage, started, None)
            return Answered(value, "model", self.model, prompt_hash)
        return self._fall_back(kind, subject, prompt_hash, fallback, usage, started, reason, privacy)

    def sentiment(self, text: str, *, subject: str, privacy: Privacy = Privacy()) -> Answered[Sentiment]:
        """Sentiment of a customer's ``text`` (a survey answer, a review comment): the model with
        a key, else the VADER lexicon (the public "score sentiment" helper; seed 004 Phase 2)."""
        return self.answer(
            kind=HelperKind.SENTIMENT,
            subject=subject,
            context={"texts": [privacy.scrub(text)]},
            output=Sentiment,
            fallback=lambda: lexicon_answer([text]),
            privacy=privacy,
        )

    # ---- internals ------------------------------------------------------------------------

    def _complete(self, messages: list[dict[str, str]], usage: _Usage) -> str:
        assert self._client is not None
        usage.attempts += 1
        response = self._client.chat.completions.create(
            model=self.model,
            messages=messages,  # type: ignore[arg-type]
            response_format={"type": "json_object"},
            temperature=0.2,
        )
        if response.usage is not None:
            usage.prompt_tokens += response.usage.prompt_tokens
            usage.completion_tokens += response.usage.completion_tokens
        content = response.choices[0].message.content if response.choices else None
        return content or ""

    def _fall_back(
        self,
        kind: HelperKind,
        subject: str,
        prompt_hash: str,
        fallback: Callable[[], A],
        usage: _Usage,
        started: float,
        reason: str | None,
        privacy: Privacy,
    ) -> Answered[A]:
        value = fallback()
        self._record(kind, subject, prompt_hash, "fallback", usage, started, reason or "no API key")
        log.info(
            "llm %s %s fallback (%s): %s",
            kind.value,
            subject,
            reason or "no API key",
            privacy.scrub(value.model_dump_json()),
        )
        return Answered(value, "fallback", None, prompt_hash, reason)

    def _record(
        self,
        kind: HelperKind,
        subject: str,
        prompt_hash: str,
        source: AnswerSource,
        usage: _Usage,
        started: float,
        reason: str | None,
    ) -> None:
        s = self._settings
        cost = (
            Decimal(usage.prompt_tokens) * s.llm_input_usd_per_million_tokens
            + Decimal(usage.completion_tokens) * s.llm_output_usd_per_million_tokens
        ) / MILLION
        with transaction(self._sessions) as session:
            repo.record_call(
                session,
                kind=kind.value,
                subject=subject,
                prompt_hash=prompt_hash,
                source=source,
                model=self.model if self._client is not None else None,
                attempts=usage.attempts,
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                cost_usd=cost.quantize(COST_QUANTUM, ROUND_HALF_UP),
                duration_ms=round((time.monotonic() - started) * 1000),
                fallback_reason=reason,
            )


def lexicon_answer(texts: Iterable[str]) -> Sentiment:
    """The fallback sentiment of ``texts``: VADER's compound score of each, averaged; themes are
    the lexicon's strongest words found (up to five). No text: neutral 0."""
    items = [t for t in texts if t.strip()]
    if not items:
        return Sentiment(score=0.0, label="neutral", themes=[], summary="No customer feedback on record.")
    scores = [lexicon_sentiment(t)[0] for t in items]
    score = round(sum(scores) / len(scores), 3)
    words: dict[str, float] = {}
    for text in items:
        for word in {w.strip(".,!?;:'\"()").lower() for w in text.split()}:
            valence = _VADER.lexicon.get(word)
            if valence is not None and abs(valence) >= 1.5:
                words[word] = valence
    themes = sorted(words, key=lambda w: (-abs(words[w]), w))[:5]
    label = sentiment_label(score)
    summary = render_prompt(
        "sentiment.fallback", {"label": label, "score": score, "count": len(items), "themes": themes}
    )
    return Sentiment(score=score, label=label, themes=themes, summary=summary)  # type: ignore[arg-type]


def _hash(model: str, kind: str, messages: list[dict[str, str]]) -> str:
    payload = json.dumps({"model": model, "kind": kind, "messages": messages}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _errors(err: ValidationError | ValueError) -> str:
    if not isinstance(err, ValidationError):
        return str(err)
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'answer'}: {e['msg']}" for e in err.errors()[:5]
    )


def _describe_error(err: openai.APIError) -> str:
    status = getattr(err, "status_code", None)
    return f"{type(err).__name__}{f' {status}' if status else ''}"
