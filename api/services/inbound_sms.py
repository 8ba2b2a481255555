"""Inbound SMS from customers (Twilio webhook): YES/NO answer the one pending estimate as the
approval link would, a digit 1-5 rates the sender's one open post-service survey (as its page
would, without a comment), STOP/START change SMS consent, HELP and anything else get a helpful answer.

A YES or NO acts only when the sender's number has exactly one estimate waiting: it claims that
estimate's live link (single use, like the link's POST) and sends the same workflow update the
link sends (actor ``customer:{id}:sms``); a refused update releases the link. With several
estimates waiting the answer lists their links (in the reply only: never logged); with none it
says so. Replies are in the customer's language.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy.orm import Session
from temporalio.client import Client

from api.errors import Problem
from api.services import repair_live, survey_answers
from api.services.survey_answers import Answered
from config import Settings
from db.repositories import approval_tokens, communication_preferences, surveys
from domain.access import EVERYTHING
from domain.approval_links import derive_token
from domain.contracts.approval import ApproveRequest, DeclineRequest
from domain.inbound_sms import Reply, classify
from domain.survey import is_low, parse_sms_rating
from domain.work_status import StaffAction

log = logging.getLogger(__name__)

TEXTS = {
    "en": {
        "approved": "Thank you: estimate {wo} is approved. We will text you the visit time.",
        "declined": "Estimate {wo} is declined. Reply HELP if that was a mistake and we will call you.",
        "none": "You have no estimate waiting for an answer.",
        "several": "You have {n} estimates waiting; answer each at its link:\n{links}",
        "refused": "We could not record your answer for {wo}: {why}",
        "retry": "We could not record your answer just now; please reply again in a few minutes.",
        "stop": "You will get no more texts from {company}. Reply START to receive them again.",
        "start": "Texts from {company} are back on. Reply STOP to stop them.",
        "help": "{company}: reply YES to approve or NO to decline your estimate, STOP to stop texts. "
        "Questions? Reply here and the office will call you.",
        "unknown": "{company}: we could not read that. Reply YES to approve or NO to decline your "
        "estimate, HELP for help, STOP to stop texts.",
        "unknown_number": "{company}: this number is not on file with us. Please call the office.",
        "rated": "Thank you for rating {wo} {rating}/5.",
        "rated_low": "Thank you for rating {wo} {rating}/5. We are sorry; a manager will call you.",
        "no_survey": "You have no survey waiting for a rating.",
        "several_surveys": "You have {n} surveys waiting; rate each at its link:\n{links}",
        "survey_closed": "That survey has closed. Thank you anyway.",
    },
    "es": {
        "approved": "Gracias: el presupuesto {wo} fue aprobado. Le enviaremos la hora de la visita.",
        "declined": "El presupuesto {wo} fue rechazado. Responda AYUDA si fue un error y le llamaremos.",
        "none": "No tiene presupuestos esperando respuesta.",
        "several": "Tiene {n} presupuestos esperando; responda cada uno en su enlace:\n{links}",
        "refused": "No pudimos registrar su respuesta para {wo}: {why}",
        "retry": "No pudimos registrar su respuesta; responda de nuevo en unos minutos.",
        "stop": "No recibirá más mensajes de {company}. Responda START para volver a recibirlos.",
        "start": "Los mensajes de {company} están activos. Responda STOP para detenerlos.",
        "help": "{company}: responda SI para aprobar o NO para rechazar su presupuesto, STOP para "
        "no recibir mensajes.",
        "unknown": "{company}: no entendimos. Responda SI para aprobar o NO para rechazar su "
        "presupuesto, AYUDA para ayuda, STOP para no recibir mensajes.",
        "unknown_number": "{company}: este número no está registrado. Llame a la oficina.",
        "rated": "Gracias por calificar {wo} con {rating}/5.",
        "rated_low": "Gracias por calificar {wo} con {rating}/5. Lo sentimos; un gerente le llamará.",
        "no_survey": "No tiene encuestas esperando calificación.",
        "several_surveys": "Tiene {n} encuestas esperando; califique cada una en su enlace:\n{links}",
        "survey_closed": "Esa encuesta ya cerró. Gracias de todos modos.",
    },
}


def _language(session: Session, customer_ids: list[int]) -> str:
    for customer_id in customer_ids:
        row = communication_preferences.get(session, customer_id)
        if row is not None:
            return row.language
    return "en"


async def handle(session: Session, *, client: Client, settings: Settings, from_phone: str, body: str) -> str:
    """The reply text to an SMS ``body`` from ``from_phone``; acts as the module says."""
    now = datetime.now(UTC)
    reply = classify(body)
    customers = communication_preferences.customers_with_phone(session, from_phone)
    ids = [c.id for c in customers]
    text = TEXTS[_language(session, ids)]
    company = settings.company_name
    if not ids:
        return text["unknown_number"].format(company=company)
    rating = parse_sms_rating(body)
    if rating is not None:
        return await _rate(
            session, client=client, settings=settings, text=text, customer_ids=ids, rating=rating
        )
    if reply in (Reply.STOP, Reply.START):
        communication_preferences.set_sms_consent(
            session, phone=from_phone, consent=reply == Reply.START, at=now
        )
        return text[reply.value].format(company=company)
    if reply in (Reply.HELP, Reply.UNKNOWN):
        return text[reply.value].format(company=company)
    waiting = approval_tokens.live_for_customers(session, customer_ids=ids, now=now)
    if not waiting:
        return text["none"]
    if len(waiting) > 1:
        links = "\n".join(
            f"{wo.id}: {settings.public_base_url}/approve/{derive_token(settings.secret_key, token.nonce)}"
            for token, wo in waiting
        )
        return text["several"].format(n=len(waiting), links=links)
    ((token, wo),) = waiting
    if not approval_tokens.claim(session, token_id=token.id, at=now):
        return text["none"]
    session.commit()
    actor = f"customer:{wo.customer_id}:sms"
    payload: ApproveRequest | DeclineRequest
    if reply == Reply.APPROVE:
        update, payload = (
            StaffAction.APPROVE,
            ApproveRequest(
                actor=actor, estimate_version=token.estimate_version, reason="approved by SMS reply"
            ),
        )
    else:
        update, payload = (
            StaffAction.DECLINE,
            DeclineRequest(
                actor=actor, estimate_version=token.estimate_version, reason="declined by SMS reply"
            ),
        )
    try:
        await repair_live.act(
            session, client=client, work_order_id=wo.id, scope=EVERYTHING, update=update, payload=payload
        )
    except Problem as err:
        session.rollback()
        approval_tokens.release(session, token_id=token.id)
        session.commit()
        log.info("SMS answer for %s refused: %s", wo.id, err.status)
        return text["refused" if err.status == 409 else "retry"].format(wo=wo.id, why=err.detail)
    return text["approved" if reply == Reply.APPROVE else "declined"].format(wo=wo.id)


async def _rate(
    session: Session,
    *,
    client: Client,
    settings: Settings,
    text: dict[str, str],
    customer_ids: list[int],
    rating: int,
) -> str:
    """A digit 1-5 answers the sender's one open survey (several: the reply lists their links)."""
    waiting = surveys.open_for_customers(session, customer_ids=customer_ids, now=datetime.now(UTC))
    if not waiting:
        return text["no_survey"]
    if len(waiting) > 1:
        links = "\n".join(
            f"{link.work_order_id}: {settings.public_base_url}/survey/{derive_token(settings.secret_key, link.nonce)}"
            for link in waiting
        )
        return text["several_surveys"].format(n=len(waiting), links=links)
    (link,) = waiting
    outcome = await survey_answers.answer(
        session, client=client, link=link, rating=rating, comment=None, via="sms"
    )
    if outcome == Answered.RECORDED:
        return text["rated_low" if is_low(rating) else "rated"].format(wo=link.work_order_id, rating=rating)
    if outcome == Answered.RETRY:
        return text["retry"]
    return text["survey_closed"]
