"""Stub survey activities under the real names, recording every call."""

from __future__ import annotations

from datetime import datetime

from temporalio import activity

from domain.contracts import messaging
from domain.contracts import survey as contract
from domain.contracts.messaging import ContactTimeInput, ContactTimeResult
from domain.contracts.survey import (
    CloseSurveyInput,
    HoldResult,
    RecordAnswerResult,
    SendSurveyInput,
    SendSurveyResult,
    SurveyRef,
)
from domain.survey import is_low, lexicon_sentiment


class SurveyStubs:
    """``holds``: hold reasons returned in turn (then None); ``send_outcome`` what a send
    answers; ``quiet_until``: contact-window openings as in ``StubActivities``; ``rating``: what
    the stored answer holds."""

    def __init__(
        self,
        *,
        holds: list[str] | None = None,
        send_outcome: str = "sent",
        quiet_until: list[datetime] | None = None,
        rating: int = 4,
    ) -> None:
        self.holds = list(holds or [])
        self.send_outcome = send_outcome
        self.quiet_until = list(quiet_until or [])
        self.rating = rating
        self.calls: list[tuple[str, object, datetime]] = []

    def _log(self, name: str, arg: object) -> None:
        self.calls.append((name, arg, activity.info().current_attempt_scheduled_time))

    def at(self, name: str) -> list[datetime]:
        return [t for n, _, t in self.calls if n == name]

    def args(self, name: str) -> list:
        return [a for n, a, _ in self.calls if n == name]

    @activity.defn(name=contract.CHECK_SURVEY_HOLD.name)
    async def check_survey_hold(self, inp: SurveyRef) -> HoldResult:
        self._log(contract.CHECK_SURVEY_HOLD.name, inp)
        return HoldResult(reason=self.holds.pop(0) if self.holds else None)

    @activity.defn(name=contract.SEND_SURVEY.name)
    async def send_survey(self, inp: SendSurveyInput) -> SendSurveyResult:
        self._log(contract.SEND_SURVEY.name, inp)
        return SendSurveyResult(outcome=self.send_outcome, channel="sms")  # type: ignore[arg-type]

    @activity.defn(name=contract.RECORD_SURVEY_ANSWER.name)
    async def record_survey_answer(self, inp: SurveyRef) -> RecordAnswerResult:
        self._log(contract.RECORD_SURVEY_ANSWER.name, inp)
        return RecordAnswerResult(
            rating=self.rating,
            sentiment=lexicon_sentiment(self.rating, None),
            follow_up_opened=is_low(self.rating),
        )

    @activity.defn(name=contract.CLOSE_SURVEY.name)
    async def close_survey(self, inp: CloseSurveyInput) -> None:
        self._log(contract.CLOSE_SURVEY.name, inp)

    @activity.defn(name=messaging.NEXT_CONTACT_TIME.name)
    async def next_contact_time(self, inp: ContactTimeInput) -> ContactTimeResult:
        self._log(messaging.NEXT_CONTACT_TIME.name, inp)
        ahead = [t for t in self.quiet_until if t > inp.at]
        return ContactTimeResult(allowed_at=ahead[0] if ahead else inp.at)

    def all(self) -> list:
        return [
            self.check_survey_hold,
            self.send_survey,
            self.record_survey_answer,
            self.close_survey,
            self.next_contact_time,
        ]
