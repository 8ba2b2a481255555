"""Outbound SMS and email through the outbox: claim under a business key, then send once.

A send first inserts its ``messages`` row (status ``claimed``) under the idempotency key
``{workflow_id}:{purpose}`` and commits; only then is the provider called. A retried activity
finds the row: ``sent`` is returned as is; ``failed`` (the provider refused it, so it was
certainly not sent) is claimed again and sent; ``claimed`` (a crash or a lost answer between
claim and provider) is reconciled — the outbox provider has no external effect, Twilio is asked
whether the message went out, SendGrid cannot say so an operator must — and never blindly resent
(Twilio and SendGrid have no idempotency keys).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from activities.errors import failure
from config import Settings
from db.repositories import communication_preferences, messages
from db.session import transaction
from domain.contracts.messaging import MessagingFailure

log = logging.getLogger(__name__)


#: Provider answers that mean "try later", not "never".
RETRYABLE_STATUSES = frozenset({408, 409, 425, 429})


class DeliveryUncertain(Exception):
    """A claimed message may or may not have gone out; an operator must look (not retried blindly)."""


class DefiniteFailure(Exception):
    """The provider answered and refused the message: it was certainly not sent."""


class SendRefused(DefiniteFailure):
    """The send was refused before the provider (no SMS consent, a send cap) and recorded as
    ``refused``: certainly not sent, so callers that handle DefiniteFailure handle it too."""


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """What to send; ``channel`` is ``sms`` or ``email``; ``key`` is the idempotency key; ``body``
    the SMS or the email's text part, ``html`` the email's HTML part (not kept at rest);
    ``category`` a ``domain.communication.Category`` value."""

    key: str
    channel: str
    to_address: str
    body: str
    purpose: str
    subject: str | None = None
    work_order_id: str | None = None
    customer_id: int | None = None
    secrets: tuple[str, ...] = ()
    html: str | None = None
    category: str | None = None

    def stored_body(self, provider: str) -> str:
        """The body as kept at rest: with a real provider, ``secrets`` (link tokens) are redacted;
        the outbox provider keeps them, since its row is the delivery."""
        body = self.body
        if provider != "outbox":
            for secret in self.secrets:
                body = body.replace(secret, "[redacted]")
        return body


class Provider(Protocol):
    """A delivery channel: returns the provider's message id or raises."""

    name: str

    def send(self, message: OutboundMessage) -> str: ...

    def find_sent(self, message: OutboundMessage, since: datetime) -> str | None: ...


class OutboxProvider:
    """Default provider: the ``messages`` row is the delivery (viewable through the API)."""

    name = "outbox"

    def send(self, message: OutboundMessage) -> str:
        return f"outbox:{message.key}"

    def find_sent(self, message: OutboundMessage, since: datetime) -> str | None:
        return f"outbox:{message.key}"


class TwilioSmsProvider:
    """SMS through the Twilio SDK (``FIELDOPS_TWILIO_*`` settings)."""

    name = "twilio"

    def __init__(self, settings: Settings) -> None:
        from twilio.rest import Client

        if not (settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_from_number):
            raise ValueError(
                "twilio provider needs FIELDOPS_TWILIO_ACCOUNT_SID, _AUTH_TOKEN and _FROM_NUMBER"
            )
        self._client = Client(settings.twilio_account_sid, settings.twilio_auth_token)
        if settings.twilio_api_base_url:  # a regional proxy, or a loopback fake in tests
            self._client.api.base_url = settings.twilio_api_base_url
        self._from = settings.twilio_from_number
        #: Twilio posts each status change here (api/routers/webhooks.py checks its signature)
        self._status_callback = f"{settings.public_base_url}/webhooks/twilio/status"

    def send(self, message: OutboundMessage) -> str:
        from twilio.base.exceptions import TwilioRestException

        try:
            sent = self._client.messages.create(
                to=message.to_address,
                from_=self._from,
                body=message.body,
                status_callback=self._status_callback,
            )
        except TwilioRestException as err:
            # only the status and Twilio's error code: its message can quote the phone number
            if 400 <= err.status < 500 and err.status not in RETRYABLE_STATUSES:
                raise DefiniteFailure(
                    f"Twilio refused the message: HTTP {err.status}, code {err.code}"
                ) from None
            raise ConnectionError(f"Twilio answered HTTP {err.status}, code {err.code}") from None
        return str(sent.sid)

    def find_sent(self, message: OutboundMessage, since: datetime) -> str | None:
        for sent in self._client.messages.list(
            to=message.to_address, from_=self._from, date_sent_after=since - timedelta(minutes=1), limit=50
        ):
            if sent.body == message.body:
                return str(sent.sid)
        return None


class SendGridEmailProvider:
    """Email through the SendGrid SDK (``FIELDOPS_SENDGRID_API_KEY``)."""

    name = "sendgrid"

    def __init__(self, settings: Settings) -> None:
        from sendgrid import SendGridAPIClient

        if not settings.sendgrid_api_key:
            raise ValueError("sendgrid provider needs FIELDOPS_SENDGRID_API_KEY")
        if settings.sendgrid_api_host:  # a proxy, or a loopback fake in tests
            self._client = SendGridAPIClient(settings.sendgrid_api_key, host=settings.sendgrid_api_host)
        else:
            self._client = SendGridAPIClient(settings.sendgrid_api_key)
        self._from = settings.email_from

    def send(self, message: OutboundMessage) -> str:
        from sendgrid.helpers.mail import Mail

        mail = Mail(
            from_email=self._from,
            to_emails=message.to_address,
            subject=message.subject or "fieldops",
            plain_text_content=message.body,
            html_content=message.html,
        )
        from python_http_client.exceptions import HTTPError

        try:
            response = self._client.send(mail)
        except HTTPError as err:
            if 400 <= err.status_code < 500 and err.status_code not in RETRYABLE_STATUSES:
                raise DefiniteFailure(f"SendGrid refused the message: HTTP {err.status_code}") from None
            raise ConnectionError(f"SendGrid answered HTTP {err.status_code}") from None
        return str(response.headers.get("X-Message-Id", ""))

    def find_sent(self, message: OutboundMessage, since: datetime) -> str | None:
        raise DeliveryUncertain(
            f"email {message.key} was claimed but its SendGrid answer was lost; check the SendGrid activity feed"
        )


def providers_from_settings(settings: Settings) -> dict[str, Provider]:
    """Provider per channel as configured (``sms_provider``, ``email_provider``)."""
    outbox = OutboxProvider()
    sms: Provider = TwilioSmsProvider(settings) if settings.sms_provider == "twilio" else outbox
    email: Provider = SendGridEmailProvider(settings) if settings.email_provider == "sendgrid" else outbox
    return {"sms": sms, "email": email}


#: A check run inside the claim's transaction: the reason to refuse the send, or None.
Gate = Callable[[Session, OutboundMessage], "str | None"]


def sms_consent_gate(session: Session, message: OutboundMessage) -> str | None:
    """Refuse an SMS to a customer who replied STOP (his preferences row is share-locked until
    the claim commits, so a STOP landing meanwhile waits for it, and the next send sees it)."""
    if message.channel != "sms" or message.customer_id is None:
        return None
    prefs = communication_preferences.get(session, message.customer_id, lock=True)
    if prefs is not None and not prefs.sms_consent:
        return "the customer replied STOP: no consent to SMS"
    return None


class SmsCaps:
    """Per-phone and per-day SMS caps (SMS pumping protection), checked inside the claim under an
    advisory lock: at most ``per_phone`` SMS to one number and ``per_day`` in total in any 24 h
    (rolling). Messages that may have gone out count (``claimed`` too); refused ones do not."""

    def __init__(self, per_phone: int, per_day: int) -> None:
        self.per_phone = per_phone
        self.per_day = per_day

    def __call__(self, session: Session, message: OutboundMessage) -> str | None:
        """The reason to refuse ``message``, or None (emails are not capped)."""
        if message.channel != "sms":
            return None
        messages.lock_sms_counters(session, to_address=message.to_address)
        row = messages.by_key(session, key=message.key)
        row_id = row.id if row is not None else -1
        since = datetime.now(UTC) - timedelta(days=1)
        to_phone = messages.sms_sent_since(
            session, since=since, to_address=message.to_address, exclude_id=row_id
        )
        if to_phone >= self.per_phone:
            return f"per-phone cap: {to_phone} SMS to this number in 24 h (limit {self.per_phone})"
        total = messages.sms_sent_since(session, since=since, exclude_id=row_id)
        if total >= self.per_day:
            return f"daily cap: {total} SMS in 24 h (limit {self.per_day})"
        return None


def gates_from_settings(settings: Settings) -> list[Gate]:
    """The gates every send passes: SMS consent, then the SMS caps of ``settings``."""
    return [sms_consent_gate, SmsCaps(settings.sms_max_per_phone_per_day, settings.sms_max_per_day)]


class MessageSender:
    """Sends each ``OutboundMessage.key`` at most once; returns the ``messages`` row id.

    ``gates`` run inside the claim's transaction, before the provider is called; the first
    reason one gives refuses the send (default: SMS consent only).
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        providers: dict[str, Provider],
        gates: Sequence[Gate] = (sms_consent_gate,),
    ) -> None:
        self._sessions = sessions
        self._providers = providers
        self._gates = tuple(gates)

    def send_once_if(self, message: OutboundMessage, guard: Callable[[Session], bool]) -> int | None:
        """Like :meth:`send_once`, but a new claim is made only if ``guard(session)`` holds inside
        the claim's transaction (it may lock rows, e.g. re-read an invoice's balance under its row
        lock); returns None, sending nothing, when it does not. A message already claimed or sent
        under the key is carried on as :meth:`send_once` would, without asking the guard again."""
        return self._send(message, guard)

    def send_once(self, message: OutboundMessage) -> int:
        """Claim, send, record; returns the ``messages`` row id.

        Row status: ``claimed`` (in flight, or its outcome was lost) → ``sent``, or ``failed`` when
        the provider refused it (certainly not sent, so a later attempt may send again), or
        ``refused`` when a gate said no (no SMS consent, a send cap: ``status_reason``).
        Raises SendRefused for a gate's no, DefiniteFailure when the provider refuses,
        DeliveryUncertain when a lost claim cannot be reconciled, and the provider's error when
        its answer was lost.
        """
        sent = self._send(message, None)
        assert sent is not None  # without a guard every call claims or finds the row
        return sent

    def _send(self, message: OutboundMessage, guard: Callable[[Session], bool] | None) -> int | None:
        provider = self._providers[message.channel]
        with transaction(self._sessions) as session:
            if guard is not None and messages.status_of(session, key=message.key) in (
                None,
                "failed",
                "refused",
                "pending",
            ):
                if not guard(session):
                    return None
            claim = messages.claim(
                session,
                key=message.key,
                values={
                    "channel": message.channel,
                    "provider": provider.name,
                    "purpose": message.purpose,
                    "to_address": message.to_address,
                    "subject": message.subject,
                    "body": message.stored_body(provider.name),
                    "work_order_id": message.work_order_id,
                    "customer_id": message.customer_id,
                    "category": message.category,
                },
            )
            refusal = None
            if claim.claimed_now:
                refusal = next((r for gate in self._gates if (r := gate(session, message))), None)
                if refusal is not None:
                    messages.mark_refused(session, row_id=claim.row_id, reason=refusal, at=datetime.now(UTC))
        if refusal is not None:
            log.info("message %s refused: %s", claim.row_id, refusal)
            raise SendRefused(refusal)
        row_id = claim.row_id
        if not claim.claimed_now and claim.status != "claimed":  # sent (and maybe delivered since)
            return row_id
        provider_id: str | None = None
        if not claim.claimed_now:  # an earlier attempt claimed it and did not record the outcome
            provider_id = provider.find_sent(message, claim.created_at)
            if provider_id is not None:
                log.info("reconciled message %s: already sent as %s", row_id, provider_id)
        if provider_id is None:
            try:
                provider_id = provider.send(message)
            except Exception as err:
                with transaction(self._sessions) as session:
                    messages.mark_failed(
                        session,
                        row_id=row_id,
                        error=f"{type(err).__name__}: {err}",
                        refused=isinstance(err, DefiniteFailure),
                    )
                raise
        with transaction(self._sessions) as session:
            messages.mark_sent(session, row_id=row_id, provider_message_id=provider_id, at=datetime.now(UTC))
        return row_id


def send_once_or_fail(sender: MessageSender, message: OutboundMessage) -> int:
    """``sender.send_once(message)`` with its errors as the activity failures workflows handle:
    a refusal or definite failure is non-retryable, an uncertain delivery is reconciled, a
    provider that is down (``ConnectionError``: 5xx, 429) is retried by the caller's policy.
    Returns the outbox message id."""
    try:
        return sender.send_once(message)
    except SendRefused as err:
        raise failure(MessagingFailure.SEND_REFUSED, str(err)) from err
    except DefiniteFailure as err:
        raise failure(MessagingFailure.DEFINITE_FAILURE, str(err)) from err
    except DeliveryUncertain as err:
        raise failure(MessagingFailure.DELIVERY_UNCERTAIN, str(err)) from err
    except ConnectionError as err:
        raise failure(MessagingFailure.PROVIDER_UNAVAILABLE, str(err)) from err
