"""SurveyWorkflow's contract (``survey-{work_order_id}``): start input, the answer update, the
status query, activity payloads and the failure catalog (issue 9 post-service survey).

Histories carry ids, ratings, outcomes and sentiment scores only: the customer's comment stays in
the database (``survey_links`` until recorded, then ``reviews``), and the link token never leaves
the activity that sends it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from domain.contracts.shared import ActivitySpec, FailureType

SURVEY_WORKFLOW = "SurveyWorkflow"
SURVEY_ANSWER_UPDATE = "answer_survey"
SURVEY_STATUS_QUERY = "survey_status"
#: Re-check a held survey this many times at most before giving it up (``withheld``).
MAX_HOLD_CHECKS = 60


def survey_workflow_id(work_order_id: str) -> str:
    """``survey-{work_order_id}``."""
    return f"survey-{work_order_id}"


class SurveyTimings(BaseModel):
    """Waits of a survey in seconds (settings ``survey_*``, fixed when the repair started): the
    delay after completion, the reminder and the deadline after the first send, and how often a
    held survey re-checks its hold."""

    delay_seconds: int = Field(default=2 * 86400, ge=0)
    reminder_seconds: int = Field(default=2 * 86400, gt=0)
    expiry_seconds: int = Field(default=7 * 86400, gt=0)
    hold_recheck_seconds: int = Field(default=12 * 3600, gt=0)


class SurveyInput(BaseModel):
    """Start argument of ``survey-{work_order_id}`` (started by the repair at completion)."""

    work_order_id: str
    customer_id: int
    timings: SurveyTimings = Field(default_factory=SurveyTimings)


SurveyState = Literal[
    "waiting", "held", "sent", "answered", "expired", "opted_out", "unreachable", "withheld"
]


class SurveyStatus(BaseModel):
    """Answer of the ``survey_status`` query and of the answer update."""

    work_order_id: str
    state: SurveyState = "waiting"
    hold_reason: str | None = None
    reminders_sent: int = 0
    rating: int | None = None
    answered_via: str | None = None
    sentiment: Decimal | None = None
    follow_up_opened: bool = False


class SurveyAnswer(BaseModel):
    """The customer's answer (the comment, if any, is already stored on the survey link):
    ``via`` is ``page`` or ``sms``."""

    rating: int = Field(ge=1, le=5)
    via: Literal["page", "sms"]


class SurveyFailure(FailureType):
    """What answering a survey can fail with."""

    CLOSED = (
        "SurveyClosed",
        409,
        False,
        "the survey is not waiting for an answer (answered, expired, not sent)",
    )


# ---- activity payloads ---------------------------------------------------------------------


class SurveyRef(BaseModel):
    """A survey named by its work order; ``workflow_id`` keys its messages."""

    work_order_id: str
    workflow_id: str


class HoldResult(BaseModel):
    """Why the survey must wait (``domain.survey.hold_reason``), or None."""

    reason: str | None = None


class SendSurveyInput(SurveyRef):
    """Send the survey (``reminder`` False, issuing its link with ``expires_at``) or its reminder."""

    reminder: bool = False
    expires_at: datetime


class SendSurveyResult(BaseModel):
    """``sent``, ``suppressed`` (opted out of surveys), ``unreachable`` (no address), ``refused``
    (no SMS consent or a cap) or ``answered`` (a reminder whose link was used meanwhile)."""

    outcome: Literal["sent", "suppressed", "unreachable", "refused", "answered"]
    channel: str | None = None


class RecordAnswerResult(BaseModel):
    """The stored answer: sentiment in [-1, 1], whether a follow-up for the manager was opened."""

    rating: int
    sentiment: Decimal
    follow_up_opened: bool


#: How an unanswered survey ends.
SurveyClosing = Literal["expired", "withheld", "opted_out", "unreachable"]


class CloseSurveyInput(SurveyRef):
    """Close an unanswered survey: its link stops working, the follow-up records no answer."""

    outcome: SurveyClosing


CHECK_SURVEY_HOLD: ActivitySpec[SurveyRef, HoldResult] = ActivitySpec(
    "check_survey_hold",
    SurveyRef,
    HoldResult,
    lambda i: f"Check return visits and disputes of {i.work_order_id}",
)
SEND_SURVEY: ActivitySpec[SendSurveyInput, SendSurveyResult] = ActivitySpec(
    "send_survey",
    SendSurveyInput,
    SendSurveyResult,
    lambda i: f"Send survey {'reminder ' if i.reminder else ''}for {i.work_order_id}",
)
RECORD_SURVEY_ANSWER: ActivitySpec[SurveyRef, RecordAnswerResult] = ActivitySpec(
    "record_survey_answer",
    SurveyRef,
    RecordAnswerResult,
    lambda i: f"Record survey answer of {i.work_order_id} (review, rating, follow-up)",
)
CLOSE_SURVEY: ActivitySpec[CloseSurveyInput, None] = ActivitySpec(
    "close_survey", CloseSurveyInput, None, lambda i: f"Close survey of {i.work_order_id} ({i.outcome})"
)
