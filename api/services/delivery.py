"""Delivery reports from Twilio and SendGrid: signatures checked, each event applied once.

Twilio signs ``X-Twilio-Signature`` = HMAC-SHA1 (auth token) over the URL it posted to plus the
sorted form parameters; the URL is rebuilt from ``FIELDOPS_PUBLIC_BASE_URL`` (what Twilio was
given), never from the request's Host header. SendGrid signs
``X-Twilio-Email-Event-Webhook-Signature`` = ECDSA P-256/SHA-256 over timestamp + raw body with
the key shown in its mail settings; a timestamp older (or further ahead) than
``FIELDOPS_WEBHOOK_MAX_AGE_SECONDS`` is refused, so a captured batch cannot be replayed later.
Anything unsigned, forged, stale or undecodable is a 403 problem (never a 500). A repeated event
(SendGrid repeats them; key ``sg_event_id``) is stored and applied once.
"""

from __future__ import annotations

import binascii
import json
import logging
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from api.errors import Problem
from config import Settings
from db.repositories import message_events
from domain.delivery import from_sendgrid, from_twilio

log = logging.getLogger(__name__)


class Forbidden(Problem):
    """403 for a webhook request whose signature is missing, wrong or stale."""

    def __init__(self, detail: str) -> None:
        super().__init__(403, detail)


def public_url(settings: Settings, path: str, query: str = "") -> str:
    """The URL the provider was given for ``path`` (and posted to)."""
    return f"{settings.public_base_url.rstrip('/')}{path}" + (f"?{query}" if query else "")


def check_twilio(settings: Settings, url: str, params: dict[str, str], signature: str | None) -> None:
    """Forbidden unless ``signature`` is Twilio's for ``url`` and ``params`` (the SDK's
    ``RequestValidator``); also when no auth token is configured (nothing to check against)."""
    from twilio.request_validator import RequestValidator

    if not settings.twilio_auth_token:
        raise Forbidden("Twilio webhooks are not configured (FIELDOPS_TWILIO_AUTH_TOKEN)")
    if not signature:
        raise Forbidden("missing X-Twilio-Signature")
    if not RequestValidator(settings.twilio_auth_token).validate(url, params, signature):
        raise Forbidden("invalid X-Twilio-Signature")


def twilio_status(session: Session, params: dict[str, str]) -> str | None:
    """Apply one Twilio status callback (``MessageSid``, ``MessageStatus``, ``ErrorCode``);
    returns the message's new status, or None (repeat, unknown message, no progress)."""
    sid, reported = params.get("MessageSid", ""), params.get("MessageStatus", "")
    status = from_twilio(reported)
    if not sid or status is None:
        return None
    error = params.get("ErrorCode")
    reason = f"Twilio: {reported}" + (f" (error {error})" if error else "")
    if not message_events.record(
        session,
        event_key=f"twilio:{sid}:{reported}",
        provider="twilio",
        provider_message_id=sid,
        status=status,
        detail=reason,
    ):
        return None
    return message_events.apply_status(
        session,
        provider="twilio",
        provider_message_id=sid,
        status=status,
        reason=reason,
        at=datetime.now(UTC),
    )


def check_sendgrid(settings: Settings, raw: bytes, signature: str | None, timestamp: str | None) -> str:
    """The body as text once its signature and timestamp check out; Forbidden otherwise."""
    from sendgrid.helpers.eventwebhook import EventWebhook

    if not settings.sendgrid_webhook_public_key:
        raise Forbidden("SendGrid webhooks are not configured (FIELDOPS_SENDGRID_WEBHOOK_PUBLIC_KEY)")
    if not signature or not timestamp:
        raise Forbidden("missing X-Twilio-Email-Event-Webhook-Signature or -Timestamp")
    try:
        signed_at = int(timestamp)
    except ValueError:
        raise Forbidden("the webhook timestamp is not a Unix time") from None
    if abs(datetime.now(UTC).timestamp() - signed_at) > settings.webhook_max_age_seconds:
        raise Forbidden("stale webhook timestamp")
    try:
        payload = raw.decode("utf-8")
        verifier = EventWebhook(settings.sendgrid_webhook_public_key)
        valid = verifier.verify_signature(payload, signature, timestamp)
    except (UnicodeDecodeError, binascii.Error, ValueError) as err:
        raise Forbidden(f"unverifiable webhook: {type(err).__name__}") from None
    if not valid:
        raise Forbidden("invalid SendGrid event signature")
    return payload


def sendgrid_events(session: Session, payload: str) -> int:
    """Apply a verified batch of SendGrid events; returns how many moved a message. A malformed
    batch (signed, so SendGrid's own) is a 422."""
    try:
        events = json.loads(payload)
    except json.JSONDecodeError:
        raise Problem(422, "the event batch is not JSON") from None
    if not isinstance(events, list):
        raise Problem(422, "the event batch must be a JSON array")
    moved = 0
    for event in events:
        if not isinstance(event, dict):
            continue
        status = from_sendgrid(str(event.get("event", "")))
        event_id, sg_message_id = event.get("sg_event_id"), event.get("sg_message_id")
        if status is None or not event_id or not sg_message_id:
            continue
        provider_message_id = str(sg_message_id).split(".", 1)[0]  # X-Message-Id + ".filter…"
        reason = f"SendGrid: {event.get('event')}" + (f" ({event['reason']})" if event.get("reason") else "")
        if message_events.record(
            session,
            event_key=f"sendgrid:{event_id}",
            provider="sendgrid",
            provider_message_id=provider_message_id,
            status=status,
            detail=reason,
        ) and message_events.apply_status(
            session,
            provider="sendgrid",
            provider_message_id=provider_message_id,
            status=status,
            reason=reason,
            at=datetime.now(UTC),
        ):
            moved += 1
    return moved
