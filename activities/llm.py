"""LLM helper activities (seed 004 Phase 2): one activity answers every helper kind through the
one :class:`~activities.llm_service.LlmService`; the survey capability gets its own two helpers.

- ``run_llm_helper`` (:data:`RUN_LLM_HELPER`): reads the facts of ``kind`` (the repair's
  Temporal history for a timeline), asks the service and returns the validated answer with its
  facts and source. It runs for the API's ``LlmHelperWorkflow``.
- ``write_survey_message`` (:data:`WRITE_SURVEY_MESSAGE`): the post-service survey text of a
  work order, for SurveyWorkflow (no customer name in it: it can be sent as is).
- :meth:`LlmActivities.score_sentiment` (a method, not an activity, because its argument is the
  customer's own words, which never go into a workflow history): call it from the activity
  that stores a survey answer or review.

Facts are read in one transaction that is closed before the model is asked.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from activities.errors import failure
from activities.llm_c360 import customer_words, prepare_maintenance, prepare_profitability
from activities.llm_facts import (
    MESSAGE_CHARS,
    Prepared,
    history_events,
    prepare_followups,
    prepare_greeting,
    prepare_sentiment,
    prepare_survey,
    prepare_timeline,
    privacy_of,
)
from activities.llm_match import prepare_match
from activities.llm_service import Answered, LlmService, Privacy
from config import Settings
from db.repositories import customer_records, customers, work_orders
from db.session import transaction
from domain.access import EVERYTHING
from domain.contracts.llm import (
    ANSWER_MODELS,
    RUN_LLM_HELPER,
    WRITE_SURVEY_MESSAGE,
    Answer,
    HelperInput,
    HelperKind,
    HelperResult,
    Sentiment,
    SurveyMessage,
    WriteSurveyInput,
    WriteSurveyResult,
)
from domain.contracts.shared import CommonFailure
from domain.llm_privacy import has_contact_details

#: helpers about a work order (the others are about a customer or an appliance)
WORK_ORDER_KINDS = frozenset({HelperKind.TIMELINE_SUMMARY, HelperKind.TECHNICIAN_MATCH, HelperKind.SURVEY})


def message_check(max_chars: int):
    """A check for generated messages: at most ``max_chars`` characters and no contact detail."""

    def check(answer: Answer) -> str | None:
        text = getattr(answer, "message", "")
        if len(text) > max_chars:
            return f"message is {len(text)} characters; at most {max_chars}"
        if has_contact_details(text):
            return "message holds a phone number or email address"
        return None

    return check


class LlmActivities:
    """The LLM helpers; ``service`` defaults to one built from ``settings``."""

    def __init__(
        self, sessions: sessionmaker[Session], settings: Settings, *, service: LlmService | None = None
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self.service = service or LlmService(sessions, settings)

    @activity.defn(name=RUN_LLM_HELPER.name)
    async def run_llm_helper(self, inp: HelperInput) -> HelperResult:
        """Answer one helper request (module docstring). Raises ``CommonFailure.NOT_FOUND`` when
        the work order, customer or appliance does not exist."""
        history: list[HistoryEvent] = []
        if inp.kind is HelperKind.TIMELINE_SUMMARY and inp.work_order_id:
            workflow_id = await asyncio.to_thread(self._workflow_id_of, inp.work_order_id)
            if workflow_id:
                history = await repair_history(activity.client(), workflow_id)
        return await asyncio.to_thread(self.answer, inp, history)

    def _workflow_id_of(self, work_order_id: str) -> str | None:
        with transaction(self._sessions) as session:
            wo = work_orders.get(session, work_order_id)
            return wo.workflow_id if wo is not None else None

    def answer(self, inp: HelperInput, history: list[HistoryEvent] | None = None) -> HelperResult:
        """The synchronous body of :meth:`run_llm_helper`: facts, then the service's answer."""
        prepared, check = self._prepare(inp, history or [])
        answered = self.service.answer(
            kind=inp.kind,
            subject=prepared.subject,
            context=prepared.context,
            output=ANSWER_MODELS[inp.kind],
            fallback=prepared.fallback,
            privacy=prepared.privacy,
            check=check,
        )
        return _result(inp.kind, prepared, answered)

    def _prepare(self, inp: HelperInput, history: list[HistoryEvent]) -> tuple[Prepared, Any]:
        with transaction(self._sessions) as session:
            wo = None
            if inp.kind in WORK_ORDER_KINDS:
                wo = work_orders.get(session, inp.work_order_id or "")
                if wo is None:
                    raise failure(CommonFailure.NOT_FOUND, f"work order {inp.work_order_id} not found")
            appliance = None
            if inp.kind is HelperKind.MAINTENANCE and inp.appliance_id is not None:
                appliance = customer_records.appliance(session, inp.appliance_id, scope=EVERYTHING)
                if appliance is None:
                    raise failure(CommonFailure.NOT_FOUND, f"appliance {inp.appliance_id} not found")
            customer_id = (
                wo.customer_id if wo is not None else appliance.customer_id if appliance else inp.customer_id
            )
            customer = customers.get(session, customer_id or 0)
            if customer is None:
                raise failure(CommonFailure.NOT_FOUND, f"customer {customer_id} not found")
            check = None
            if inp.kind is HelperKind.TIMELINE_SUMMARY:
                assert wo is not None
                prepared = prepare_timeline(session, wo, history_events(history))
            elif inp.kind is HelperKind.TECHNICIAN_MATCH:
                assert wo is not None
                prepared = prepare_match(session, wo, customer, inp.as_of, self._settings)
            elif inp.kind is HelperKind.SURVEY:
                assert wo is not None
                prepared = prepare_survey(
                    session, wo, customer, self._settings.timezone, inp.channel, inp.language
                )
                check = message_check(prepared.facts["max_chars"])
            elif inp.kind is HelperKind.FOLLOWUP_SUGGESTIONS:
                prepared = prepare_followups(session, customer, inp.as_of, self._settings.timezone)
            elif inp.kind is HelperKind.GREETING:
                prepared = prepare_greeting(
                    session, customer, inp.as_of, self._settings.timezone, inp.channel, inp.language
                )
                check = message_check(prepared.facts["max_chars"])
            elif inp.kind is HelperKind.SENTIMENT:
                prepared = prepare_sentiment(session, customer, customer_words(session, customer.id))
            elif inp.kind is HelperKind.MAINTENANCE:
                prepared = prepare_maintenance(
                    session, customer, inp.as_of, self._settings.timezone, appliance
                )
            else:
                prepared = prepare_profitability(session, customer)
            return prepared, check

    @activity.defn(name=WRITE_SURVEY_MESSAGE.name)
    def write_survey_message(self, inp: WriteSurveyInput) -> WriteSurveyResult:
        """The public "write survey message" helper: the survey text of ``inp.work_order_id``
        in the customer's channel and language (unless given), written by the model or the
        fallback template. Raises ``CommonFailure.NOT_FOUND`` for an unknown work order."""
        with transaction(self._sessions) as session:
            wo = work_orders.get(session, inp.work_order_id)
            customer = customers.get(session, wo.customer_id) if wo is not None else None
            if wo is None or customer is None:
                raise failure(CommonFailure.NOT_FOUND, f"work order {inp.work_order_id} not found")
            prepared = prepare_survey(
                session, wo, customer, self._settings.timezone, inp.channel, inp.language
            )
        answered = self.service.answer(
            kind=HelperKind.SURVEY,
            subject=prepared.subject,
            context=prepared.context,
            output=SurveyMessage,
            fallback=prepared.fallback,  # type: ignore[arg-type]
            privacy=prepared.privacy,
            check=message_check(MESSAGE_CHARS[prepared.facts["channel"]]),
        )
        return WriteSurveyResult(
            message=answered.value.message,
            questions=answered.value.questions,
            channel=prepared.facts["channel"],
            language=prepared.facts["language"],
            source=answered.source,
        )

    def score_sentiment(
        self, text: str, *, subject: str, customer_id: int | None = None
    ) -> Answered[Sentiment]:
        """The public "score sentiment" helper: the sentiment (-1..1, label, themes, summary) of
        a customer's ``text``, by the model with a key, else the VADER lexicon; ``subject`` is the
        business id it is accounted under (e.g. ``survey:WO-…``). With ``customer_id`` the
        customer's names and contacts are scrubbed from the prompt and logs as well."""
        privacy = None
        if customer_id is not None:
            with transaction(self._sessions) as session:
                customer = customers.get(session, customer_id)
                privacy = privacy_of(customer) if customer is not None else None
        if privacy is None:
            return self.service.sentiment(text, subject=subject)
        return self.service.sentiment(text, subject=subject, privacy=privacy)

    def all(self) -> list:
        """The bound activity methods, for worker registration."""
        return [self.run_llm_helper, self.write_survey_message]


async def repair_history(client: Client, workflow_id: str) -> list[HistoryEvent]:
    """The events of a repair's workflow (``work_orders.workflow_id``; empty when Temporal no
    longer has it)."""
    try:
        history = await client.get_workflow_handle(workflow_id).fetch_history()
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return []
        raise
    return list(history.events)


def _scrubbed(value: Any, privacy: Privacy) -> Any:
    """``value`` (an answer's JSON) with every string scrubbed of the customer's contact details."""
    if isinstance(value, str):
        return privacy.scrub(value)
    if isinstance(value, list):
        return [_scrubbed(v, privacy) for v in value]
    if isinstance(value, dict):
        return {k: _scrubbed(v, privacy) for k, v in value.items()}
    return value


def _result(kind: HelperKind, prepared: Prepared, answered: Answered) -> HelperResult:
    """The activity's result; the answer is scrubbed once more, as it goes into the history."""
    return HelperResult(
        kind=kind,
        subject=prepared.subject,
        answer=_scrubbed(answered.value.model_dump(mode="json"), prepared.privacy),
        facts=prepared.facts,
        source=answered.source,
        model=answered.model,
        fallback_reason=answered.fallback_reason,
    )
