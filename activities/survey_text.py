"""What writes a survey message and what scores an answer's sentiment, behind two small
interfaces (seed 004 Phase 2 "LLM Integration": ``generate-survey``, ``analyze-sentiment``).

- :class:`LlmSurveyWriter` / :class:`LlmSentimentScorer`: the LLM service of
  ``activities/llm_service.py`` (the openai SDK with base URL and model from settings, retries,
  cache, accounting, names and contacts redacted) when ``FIELDOPS_LLM_API_KEY`` is set;
- :class:`TemplateSurveyWriter` / :class:`LexiconSentimentScorer`: the ``survey`` Jinja2 templates
  and ``domain.survey.lexicon_sentiment`` (English and Spanish words, weighed with the rating),
  used without a key and whenever the model's answer falls back.

The model writes the survey's opening and questions only: the link and "reply 1 to 5" line always
come from the template, so the SMS digit and the page work whatever the model wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from activities.llm import message_check
from activities.llm_facts import MESSAGE_CHARS, prepare_survey, privacy_of
from activities.llm_service import LlmService, Privacy
from activities.templating import RenderedMessage, render
from db.models import Customer
from db.repositories import customers, work_orders
from db.session import transaction
from domain.contracts.llm import HelperKind, SurveyMessage
from domain.survey import COMMENT_WEIGHT, RATING_SENTIMENT, check_rating, lexicon_sentiment


@dataclass(frozen=True, slots=True)
class SurveyContext:
    """What a survey message may say: the customer's first name, the job, the technician's first
    name, the work order id, the link, the company; ``language`` ``en``/``es``; ``reminder``
    True for the one reminder."""

    company: str
    name: str
    job: str
    technician: str
    work_order_id: str
    link: str
    language: str
    time_zone: str
    reminder: bool = False


class SurveyWriter(Protocol):
    """Writes the survey message for a channel (``sms`` or ``email``)."""

    name: str

    def write(self, context: SurveyContext, channel: str) -> RenderedMessage: ...


class SentimentScorer(Protocol):
    """Scores an answer in [-1, 1] (negative to positive); ``customer`` (when known) has his
    names and contacts redacted before any model sees the comment."""

    name: str

    def score(
        self, rating: int, comment: str | None, language: str, customer: Customer | None = None
    ) -> Decimal: ...


class TemplateSurveyWriter:
    """The ``survey`` Jinja2 templates in the customer's language (a reminder says so first)."""

    name = "template"

    def write(
        self,
        context: SurveyContext,
        channel: str,
        intro: str | None = None,
        questions: list[str] | None = None,
    ) -> RenderedMessage:
        """The rendered message (with a written ``intro`` and ``questions`` when given);
        ValueError for an unknown channel or language."""
        return render(
            "survey",
            channel,
            context.language,
            context.time_zone,
            {
                "company": context.company,
                "name": context.name,
                "job": context.job,
                "technician": context.technician,
                "work_order_id": context.work_order_id,
                "link": context.link,
                "reminder": context.reminder,
                "intro": intro,
                "questions": questions or [],
            },
        )


class LexiconSentimentScorer:
    """``domain.survey.lexicon_sentiment`` (English and Spanish word lists)."""

    name = "lexicon"

    def score(
        self, rating: int, comment: str | None, language: str, customer: Customer | None = None
    ) -> Decimal:
        """The rating's sentiment moved by the comment's words."""
        return lexicon_sentiment(rating, comment)


class LlmSurveyWriter:
    """The model writes the opening and questions (``HelperKind.SURVEY``, cached per prompt);
    the template adds the link and the rating line. Without a key, or when the model's answer
    falls back, the template writes it all."""

    name = "llm"

    def __init__(self, sessions: sessionmaker[Session], service: LlmService) -> None:
        self._sessions = sessions
        self._service = service
        self._template = TemplateSurveyWriter()

    def write(self, context: SurveyContext, channel: str) -> RenderedMessage:
        """The rendered message for ``channel``."""
        if not self._service.enabled:
            return self._template.write(context, channel)
        with transaction(self._sessions) as session:
            wo = work_orders.get(session, context.work_order_id)
            customer = customers.get(session, wo.customer_id) if wo is not None else None
            if wo is None or customer is None:
                return self._template.write(context, channel)
            prepared = prepare_survey(session, wo, customer, context.time_zone, channel, context.language)
        answered = self._service.answer(
            kind=HelperKind.SURVEY,
            subject=prepared.subject,
            context=prepared.context,
            output=SurveyMessage,
            fallback=prepared.fallback,  # type: ignore[arg-type]
            privacy=prepared.privacy,
            check=message_check(MESSAGE_CHARS[channel]),
        )
        if answered.source == "fallback":
            return self._template.write(context, channel)
        return self._template.write(
            context, channel, intro=answered.value.message, questions=answered.value.questions[1:]
        )


class LlmSentimentScorer:
    """The model's score of the comment (``LlmService.sentiment``, names and contacts redacted),
    weighed with the rating as the lexicon scorer weighs its words; the lexicon scorer without a
    key, without a comment, or when the model's answer falls back."""

    name = "llm"

    def __init__(self, service: LlmService) -> None:
        self._service = service
        self._lexicon = LexiconSentimentScorer()

    def score(
        self, rating: int, comment: str | None, language: str, customer: Customer | None = None
    ) -> Decimal:
        """Sentiment in [-1, 1] with 3 decimals."""
        base = RATING_SENTIMENT[check_rating(rating)]
        if not self._service.enabled or not (comment or "").strip():
            return self._lexicon.score(rating, comment, language)
        answered = self._service.sentiment(
            comment or "",
            subject=f"customer:{customer.id}" if customer else "survey",
            privacy=privacy_of(customer) if customer else Privacy(),
        )
        if answered.source == "fallback":
            return self._lexicon.score(rating, comment, language)
        model = Decimal(str(answered.value.score))
        score = (1 - COMMENT_WEIGHT) * base + COMMENT_WEIGHT * model
        return max(Decimal("-1"), min(Decimal("1"), score)).quantize(Decimal("0.001"))
