"""What writes a survey message and what scores an answer's sentiment, behind two small
interfaces (seed 004 Phase 2 "LLM Integration": ``generate-survey``, ``analyze-sentiment``).

The language-model service (``s15-llm``) was not available when surveys were built, so the
implementations here are the fallbacks the issue names: the message comes from the ``survey``
templates (``activities/message_templates``), and sentiment from the lexicon scorer
(``domain.survey.lexicon_sentiment``). A language-model writer or scorer plugs in by implementing
the same protocol and being passed to ``SurveyActivities``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from activities.templating import RenderedMessage, render
from domain.survey import lexicon_sentiment


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
    """Scores an answer in [-1, 1] (negative to positive)."""

    name: str

    def score(self, rating: int, comment: str | None, language: str) -> Decimal: ...


class TemplateSurveyWriter:
    """The ``survey`` Jinja2 templates in the customer's language (a reminder says so first)."""

    name = "template"

    def write(self, context: SurveyContext, channel: str) -> RenderedMessage:
        """The rendered message; ValueError for an unknown channel or language."""
        rendered = render(
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
            },
        )
        return rendered


class LexiconSentimentScorer:
    """``domain.survey.lexicon_sentiment`` (English and Spanish word lists)."""

    name = "lexicon"

    def score(self, rating: int, comment: str | None, language: str) -> Decimal:
        """The rating's sentiment moved by the comment's words."""
        return lexicon_sentiment(rating, comment)
