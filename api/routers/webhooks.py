"""Provider webhooks: Twilio SMS status callbacks and SendGrid event webhooks.

These routes take no API key: they authenticate by the provider's signature
(``api/services/delivery.py``), and anything unsigned, forged or stale is a 403 problem.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response, status

from api.deps import AppSettings, DbSession, TemporalClient
from api.services import delivery, inbound_sms

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


@router.post(
    "/twilio/status",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Twilio SMS status callback",
)
async def twilio_status(
    request: Request,
    db: DbSession,
    settings: AppSettings,
    x_twilio_signature: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """Signed by Twilio (``X-Twilio-Signature``); moves the message to queued, carrier_sent,
    delivered or undelivered. 403 when the signature is missing or wrong."""
    form = await request.form()
    params = {k: v for k, v in form.items() if isinstance(v, str)}
    url = delivery.public_url(settings, request.url.path, request.url.query)
    delivery.check_twilio(settings, url, params, x_twilio_signature)
    delivery.twilio_status(db, params)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/sendgrid/events",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="SendGrid event webhook",
)
async def sendgrid_events(
    request: Request,
    db: DbSession,
    settings: AppSettings,
    x_twilio_email_event_webhook_signature: Annotated[str | None, Header(max_length=500)] = None,
    x_twilio_email_event_webhook_timestamp: Annotated[str | None, Header(max_length=20)] = None,
) -> Response:
    """Signed by SendGrid (ECDSA over timestamp + body); each ``sg_event_id`` is applied once.
    403 when the signature is missing, wrong or older than the allowed age."""
    raw = await request.body()
    payload = delivery.check_sendgrid(
        settings, raw, x_twilio_email_event_webhook_signature, x_twilio_email_event_webhook_timestamp
    )
    delivery.sendgrid_events(db, payload)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


TWIML = "application/xml"


@router.post(
    "/twilio/inbound",
    response_class=Response,
    summary="Twilio inbound SMS",
    responses={200: {"description": "the TwiML reply", "content": {TWIML: {"schema": {"type": "string"}}}}},
)
async def twilio_inbound(
    request: Request,
    db: DbSession,
    client: TemporalClient,
    settings: AppSettings,
    x_twilio_signature: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """A customer's SMS, signed by Twilio: YES/NO answer his one pending estimate, STOP/START
    change consent, HELP and anything else get a helpful answer (TwiML). 403 when unsigned."""
    from twilio.twiml.messaging_response import MessagingResponse

    form = await request.form()
    params = {k: v for k, v in form.items() if isinstance(v, str)}
    delivery.check_twilio(
        settings,
        delivery.public_url(settings, request.url.path, request.url.query),
        params,
        x_twilio_signature,
    )
    text = await inbound_sms.handle(
        db, client=client, settings=settings, from_phone=params.get("From", ""), body=params.get("Body", "")
    )
    twiml = MessagingResponse()
    twiml.message(text)
    return Response(content=str(twiml), media_type=TWIML)
