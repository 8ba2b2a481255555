"""Post-service survey activities (issue 9): holds, sending the survey with its single-use link,
recording an answer into the seed 004 tables, and closing an unanswered survey.

The link token is derived here (``domain.approval_links``: HMAC of a random nonce, stored only as
a hash) and never enters the workflow history. The message goes out through the outbox like every
customer message, claimed under ``{workflow_id}:survey-request`` / ``:survey-reminder``; a customer
who opted out of surveys is recorded ``suppressed`` and gets nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.contacts import load_contact
from activities.errors import failure
from activities.messaging import MessageSender, OutboundMessage, send_once_or_fail
from activities.survey_text import (
    LexiconSentimentScorer,
    SentimentScorer,
    SurveyContext,
    SurveyWriter,
    TemplateSurveyWriter,
)
from activities.templating import job_name
from config import Settings
from db.models import WorkOrder
from db.repositories import customers, messages, surveys, technicians, webhooks
from db.repositories import work_orders as repo
from db.session import transaction
from domain.approval_links import derive_token, hash_token, new_nonce
from domain.communication import Category, choose_channel, opted_out
from domain.contracts.messaging import MessagingFailure
from domain.contracts.shared import CommonFailure
from domain.contracts.survey import (
    CHECK_SURVEY_HOLD,
    CLOSE_SURVEY,
    RECORD_SURVEY_ANSWER,
    SEND_SURVEY,
    CloseSurveyInput,
    HoldResult,
    RecordAnswerResult,
    SendSurveyInput,
    SendSurveyResult,
    SurveyRef,
)
from domain.ids import message_key
from domain.survey import hold_reason, is_low

#: Days the technician's manager has to call back after a low rating.
LOW_RATING_FOLLOW_UP_DAYS = 1


def survey_url(settings: Settings, token: str) -> str:
    """The survey page of ``token``."""
    return f"{settings.public_base_url}/survey/{token}"


class SurveyActivities:
    """Survey holds, sends, answers and closes; the writer and scorer are injected (template and
    lexicon by default, ``activities/survey_text.py``)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        sender: MessageSender,
        settings: Settings,
        writer: SurveyWriter | None = None,
        scorer: SentimentScorer | None = None,
    ) -> None:
        self._sessions = sessions
        self._sender = sender
        self._settings = settings
        self._writer = writer or TemplateSurveyWriter()
        self._scorer = scorer or LexiconSentimentScorer()

    def _work_order(self, session: Session, work_order_id: str) -> WorkOrder:
        wo = repo.get(session, work_order_id)
        if wo is None:
            raise failure(CommonFailure.NOT_FOUND, f"work order {work_order_id} not found")
        return wo

    @activity.defn(name=CHECK_SURVEY_HOLD.name)
    def check_survey_hold(self, inp: SurveyRef) -> HoldResult:
        """Why the survey must wait now (open return visit, open invoice dispute), or None."""
        with transaction(self._sessions) as session:
            wo = self._work_order(session, inp.work_order_id)
            return HoldResult(
                reason=hold_reason(
                    surveys.open_return_visits(session, work_order=wo),
                    surveys.disputed_invoices(session, work_order_id=wo.id),
                )
            )

    @activity.defn(name=SEND_SURVEY.name)
    def send_survey(self, inp: SendSurveyInput) -> SendSurveyResult:
        """Issue the link (once, expiring at ``inp.expires_at``) and send the survey or its
        reminder by the customer's preferred channel; idempotent on the workflow id. A customer
        who opted out of surveys, or cannot be reached, gets nothing (recorded ``suppressed``)."""
        purpose = "survey-reminder" if inp.reminder else "survey-request"
        key = message_key(inp.workflow_id, purpose)
        with transaction(self._sessions) as session:
            wo = self._work_order(session, inp.work_order_id)
            customer = customers.get(session, wo.customer_id)
            if customer is None:
                raise failure(CommonFailure.NOT_FOUND, f"customer {wo.customer_id} not found")
            contact = load_contact(session, customer, self._settings.timezone)
            channel = choose_channel(contact.prefs, phone=contact.phone, email=contact.email)
            values: dict[str, object] = {
                "channel": channel or contact.prefs.channel,
                "provider": "none",
                "purpose": purpose,
                "to_address": (contact.email if channel == "email" else contact.phone) or "",
                "work_order_id": wo.id,
                "customer_id": customer.id,
                "category": Category.SURVEYS.value,
                "body": "",
            }
            if opted_out(contact.prefs, "survey") or channel is None:
                why = (
                    "the customer opted out of surveys"
                    if channel
                    else "no email and no phone that accepts SMS"
                )
                messages.record_unsent(session, key=key, status="suppressed", reason=why, values=values)
                return SendSurveyResult(outcome="suppressed" if channel else "unreachable")
            link = surveys.link_of(session, work_order_id=wo.id)
            if link is None:
                nonce = new_nonce()
                link = surveys.issue_link(
                    session,
                    work_order_id=wo.id,
                    customer_id=customer.id,
                    token_hash=hash_token(derive_token(self._settings.secret_key, nonce)),
                    nonce=nonce,
                    expires_at=inp.expires_at,
                )
            if inp.reminder and (link.used_at is not None or link.revoked_at is not None):
                return SendSurveyResult(outcome="answered", channel=channel)
            token = derive_token(self._settings.secret_key, link.nonce)
            customer_id = customer.id
            technician = technicians.get(session, wo.technician_id) if wo.technician_id else None
            context = SurveyContext(
                company=self._settings.company_name,
                name=contact.name,
                job=job_name(wo.job_type, contact.prefs.language),
                technician=technician.first_name if technician else "",
                work_order_id=wo.id,
                link=survey_url(self._settings, token),
                language=contact.prefs.language,
                time_zone=contact.prefs.time_zone,
                reminder=inp.reminder,
            )
            if not inp.reminder:  # the satisfaction check the office sees until it is answered
                surveys.upsert_follow_up(
                    session,
                    key=f"{inp.workflow_id}:satisfaction",
                    work_order=wo,
                    reason="Post-service survey sent; waiting for the customer's rating",
                    status="open",
                    due_date=inp.expires_at.astimezone(UTC).date(),
                )
        # written outside the transaction: with a key the writer calls the model (retries, up to
        # the LLM timeout), which must not hold a database connection open meanwhile
        rendered = self._writer.write(context, channel)
        message = OutboundMessage(
            key=key,
            channel=channel,
            to_address=str(values["to_address"]),
            body=rendered.text,
            subject=rendered.subject,
            html=rendered.html,
            purpose=purpose,
            category=Category.SURVEYS.value,
            work_order_id=context.work_order_id,
            customer_id=customer_id,
            secrets=(token,),
        )
        try:
            send_once_or_fail(self._sender, message)
        except Exception as err:
            if getattr(err, "type", None) == MessagingFailure.SEND_REFUSED.value:
                return SendSurveyResult(outcome="refused", channel=channel)
            raise
        return SendSurveyResult(outcome="sent", channel=channel)

    @activity.defn(name=RECORD_SURVEY_ANSWER.name)
    def record_survey_answer(self, inp: SurveyRef) -> RecordAnswerResult:
        """Store the answer the link holds: the review (with sentiment), the customer's rating of
        the technician, the satisfaction follow-up done with rating and feedback, and on a low
        rating an open follow-up for the technician's manager (the office queue when he has
        none); raises the ``survey.answered`` webhook event. Idempotent (keys per work order)."""
        with transaction(self._sessions) as session:
            wo = self._work_order(session, inp.work_order_id)
            link = surveys.link_of(session, work_order_id=wo.id)
            if link is None or link.rating is None:
                raise failure(CommonFailure.NOT_FOUND, f"no survey answer stored for {wo.id}")
            rating, comment = link.rating, link.comment
            customer = customers.get(session, wo.customer_id)
            language = "en"
            if customer is not None:
                language = load_contact(session, customer, self._settings.timezone).prefs.language
            sentiment = self._scorer.score(rating, comment, language, customer)
            actor = f"customer:{wo.customer_id}:{link.answered_via}"
            if wo.technician_id is not None:
                surveys.store_review(
                    session, work_order=wo, rating=rating, comment=comment, sentiment=sentiment, actor=actor
                )
            now = datetime.now(UTC)
            surveys.upsert_follow_up(
                session,
                key=f"{inp.workflow_id}:satisfaction",
                work_order=wo,
                reason=f"Post-service survey answered: {rating}/5 by {link.answered_via}",
                status="done",
                due_date=link.expires_at.date(),
                rating=rating,
                feedback=comment,
                at=now,
            )
            low = is_low(rating)
            if low:
                manager = (
                    surveys.manager_of(session, technician_id=wo.technician_id) if wo.technician_id else None
                )
                surveys.upsert_follow_up(
                    session,
                    key=f"{inp.workflow_id}:low-rating",
                    work_order=wo,
                    reason=(
                        f"Low survey rating {rating}/5 for {wo.id} (technician {wo.technician_id}): "
                        "call the customer back"
                    ),
                    status="open",
                    due_date=(now + timedelta(days=LOW_RATING_FOLLOW_UP_DAYS)).date(),
                    assigned_to=manager,
                    rating=rating,
                    feedback=comment,
                )
            webhooks.record_event(
                session,
                event_type="survey.answered",
                event_key=f"{wo.id}:survey",
                payload={
                    "event": "survey.answered",
                    "id": f"{wo.id}:survey",
                    "occurred_at": (link.used_at or now).isoformat(),
                    "data": {
                        "work_order_id": wo.id,
                        "customer_id": wo.customer_id,
                        "technician_id": wo.technician_id,
                        "rating": rating,
                        "sentiment": str(sentiment),
                        "via": link.answered_via,
                    },
                },
            )
        return RecordAnswerResult(rating=rating, sentiment=sentiment, follow_up_opened=low)

    @activity.defn(name=CLOSE_SURVEY.name)
    def close_survey(self, inp: CloseSurveyInput) -> None:
        """The link stops working; the satisfaction follow-up (if the survey went out) is done
        with no answer."""
        now = datetime.now(UTC)
        with transaction(self._sessions) as session:
            wo = self._work_order(session, inp.work_order_id)
            surveys.revoke(session, work_order_id=wo.id, at=now)
            if surveys.link_of(session, work_order_id=wo.id) is not None:
                surveys.upsert_follow_up(
                    session,
                    key=f"{inp.workflow_id}:satisfaction",
                    work_order=wo,
                    reason=f"Post-service survey closed without an answer ({inp.outcome})",
                    status="done",
                    due_date=now.date(),
                    at=now,
                )

    def all(self) -> list:
        """The bound activity methods, for worker registration."""
        return [self.check_survey_hold, self.send_survey, self.record_survey_answer, self.close_survey]


def survey_activities(
    sessions: sessionmaker[Session], sender: MessageSender, settings: Settings
) -> SurveyActivities:
    """The survey activities as the worker runs them: message and sentiment by the LLM service
    (which answers from the template and lexicon itself without ``FIELDOPS_LLM_API_KEY``)."""
    from activities.llm_service import LlmService
    from activities.survey_text import LlmSentimentScorer, LlmSurveyWriter

    service = LlmService(sessions, settings)
    return SurveyActivities(
        sessions,
        sender,
        settings,
        writer=LlmSurveyWriter(sessions, service),
        scorer=LlmSentimentScorer(service),
    )
