"""LLM helpers' contract (seed 004 Phase 2): the helper kinds, the activity that answers them,
the structured answers every helper must produce, and the survey helpers other workflows call.

Every answer has one pydantic model here. The model's JSON (``response_format`` json_object)
is validated against it; a malformed answer is asked for once more, then the deterministic
fallback answers with the same model. Inputs carry ids only: the activity reads the facts,
and neither a prompt nor a history ever holds a customer's name, phone, email or address.
Generated text addresses the customer through the :data:`CUSTOMER_PLACEHOLDER`, which the API
fills in outside the workflow.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.contracts.shared import ActivitySpec

#: LlmHelperWorkflow's type name; its id is built by :func:`helper_workflow_id`
LLM_HELPER_WORKFLOW = "LlmHelperWorkflow"
#: stands for the customer's first name (or company) in generated text; filled in by the API
CUSTOMER_PLACEHOLDER = "[customer]"


class HelperKind(StrEnum):
    """The LLM helpers of seed 004 Phase 2 ("New LLM-Powered API Endpoints"); the value names
    the prompt templates (``activities/llm_prompts/{kind}.*``)."""

    TIMELINE_SUMMARY = "timeline_summary"
    FOLLOWUP_SUGGESTIONS = "followup_suggestions"
    GREETING = "greeting"
    SENTIMENT = "sentiment"
    PROFITABILITY = "profitability"
    MAINTENANCE = "maintenance"
    TECHNICIAN_MATCH = "technician_match"
    SURVEY = "survey"


def helper_workflow_id(kind: HelperKind, subject: str, digest: str) -> str:
    """``llm-{kind}-{subject}-{digest}``: identical requests running at once join one run."""
    return f"llm-{kind.value.replace('_', '-')}-{subject.replace(':', '-')}-{digest}"


# ---- structured answers ---------------------------------------------------------------------


class Answer(BaseModel):
    """Base of the structured answers: unknown keys are refused, so a drifting answer is malformed."""

    model_config = ConfigDict(extra="forbid")


class TimelineSummary(Answer):
    """A work order's story in a few sentences and up to six highlights."""

    summary: str = Field(min_length=1, max_length=1200)
    highlights: list[str] = Field(default_factory=list, max_length=6)


class FollowupSuggestion(Answer):
    """One proposed follow-up: what to do, why (from the data), when (days from today), how."""

    action: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=300)
    due_in_days: int = Field(ge=0, le=365)
    channel: Literal["sms", "email", "phone"]


class FollowupSuggestions(Answer):
    """Up to five follow-ups, most urgent first."""

    suggestions: list[FollowupSuggestion] = Field(max_length=5)


class Greeting(Answer):
    """A message for the occasion; addresses the customer as :data:`CUSTOMER_PLACEHOLDER`."""

    message: str = Field(min_length=1, max_length=480)


class Sentiment(Answer):
    """Sentiment of the customer's words: ``score`` from -1 (negative) to 1 (positive)."""

    score: float = Field(ge=-1, le=1)
    label: Literal["positive", "neutral", "negative"]
    themes: list[str] = Field(default_factory=list, max_length=5)
    summary: str = Field(min_length=1, max_length=400)


class ProfitabilityNarrative(Answer):
    """Reading of a customer's figures: a summary and up to four recommendations."""

    summary: str = Field(min_length=1, max_length=800)
    recommendations: list[str] = Field(default_factory=list, max_length=4)


class MaintenanceAdvice(Answer):
    """Advice for the computed due dates: one sentence per appliance id, and an overview."""

    overview: str = Field(min_length=1, max_length=600)
    advice: dict[str, str] = Field(default_factory=dict)


class MatchExplanation(Answer):
    """Why the model's best technician fits the job, in plain words, and the deciding factors."""

    explanation: str = Field(min_length=1, max_length=800)
    factors: list[str] = Field(default_factory=list, max_length=5)


class SurveyMessage(Answer):
    """A post-service survey: the message and up to four questions (the first asks 1-5)."""

    message: str = Field(min_length=1, max_length=480)
    questions: list[str] = Field(min_length=1, max_length=4)


#: the answer model of each helper
ANSWER_MODELS: dict[HelperKind, type[Answer]] = {
    HelperKind.TIMELINE_SUMMARY: TimelineSummary,
    HelperKind.FOLLOWUP_SUGGESTIONS: FollowupSuggestions,
    HelperKind.GREETING: Greeting,
    HelperKind.SENTIMENT: Sentiment,
    HelperKind.PROFITABILITY: ProfitabilityNarrative,
    HelperKind.MAINTENANCE: MaintenanceAdvice,
    HelperKind.TECHNICIAN_MATCH: MatchExplanation,
    HelperKind.SURVEY: SurveyMessage,
}

AnswerSource = Literal["model", "cache", "fallback"]


# ---- the activity ---------------------------------------------------------------------------


class HelperInput(BaseModel):
    """One helper request: ``kind`` about ``customer_id`` and/or ``work_order_id`` /
    ``appliance_id``; ``as_of`` is the day the answer is for (company zone), ``channel`` the
    channel a message is written for (None: the customer's preferred one), ``language`` None:
    the customer's."""

    kind: HelperKind
    customer_id: int | None = None
    work_order_id: str | None = None
    appliance_id: int | None = None
    as_of: date
    channel: Literal["sms", "email"] | None = None
    language: Literal["en", "es"] | None = None
    requested_by: str = "api"


class HelperResult(BaseModel):
    """The validated answer (``ANSWER_MODELS[kind]`` as JSON), the deterministic facts it was
    written from (ids, dates, amounts, counts; no contact details), where it came from and,
    for a fallback with a key set, why."""

    kind: HelperKind
    subject: str
    answer: dict[str, Any]
    facts: dict[str, Any] = Field(default_factory=dict)
    source: AnswerSource
    model: str | None = None
    fallback_reason: str | None = None


def _describe(inp: HelperInput) -> str:
    target = inp.work_order_id or (f"appliance {inp.appliance_id}" if inp.appliance_id else None)
    return f"LLM {inp.kind.value} for {target or f'customer {inp.customer_id}'}"


RUN_LLM_HELPER = ActivitySpec("run_llm_helper", HelperInput, HelperResult, _describe)


class WriteSurveyInput(BaseModel):
    """Write the post-service survey of ``work_order_id`` (for SurveyWorkflow); ``channel`` and
    ``language`` None: the customer's preferred ones."""

    work_order_id: str
    channel: Literal["sms", "email"] | None = None
    language: Literal["en", "es"] | None = None


class WriteSurveyResult(BaseModel):
    """The survey text (no customer name: it can be sent as is) and where it came from."""

    message: str
    questions: list[str]
    channel: Literal["sms", "email"]
    language: Literal["en", "es"]
    source: AnswerSource


WRITE_SURVEY_MESSAGE = ActivitySpec(
    "write_survey_message",
    WriteSurveyInput,
    WriteSurveyResult,
    lambda i: f"Write survey message for {i.work_order_id}",
)
