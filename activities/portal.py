"""Customer portal: send the magic link a customer asked for on the login page.

The token is derived here from the link's stored nonce (``domain.portal.login_token``), put in
the message and passed to the outbox as a secret (redacted at rest with a real provider); the
activity returns the channel and message id only, so the token never enters a workflow history.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.contacts import load_contact
from activities.errors import failure
from activities.messaging import MessageSender, OutboundMessage, send_once_or_fail
from activities.templating import render
from config import Settings
from db.repositories import customers, messages, portal_auth
from db.session import transaction
from domain.communication import category_of
from domain.contracts.portal import SEND_PORTAL_LOGIN_LINK, SendLoginLinkInput, SendLoginLinkResult
from domain.contracts.shared import CommonFailure
from domain.ids import message_key
from domain.portal import login_token

PURPOSE = "portal-login"


class PortalActivities:
    """Sends portal login links through ``MessageSender`` from the ``portal_login`` template, in
    the customer's language, on the channel he typed an address for."""

    def __init__(self, sessions: sessionmaker[Session], sender: MessageSender, settings: Settings) -> None:
        self._sessions = sessions
        self._sender = sender
        self._settings = settings

    def _compose(self, inp: SendLoginLinkInput) -> OutboundMessage | None:
        key = message_key(inp.workflow_id, PURPOSE)
        with transaction(self._sessions) as session:
            row = portal_auth.link(session, inp.link_id)
            if row is None:
                raise failure(CommonFailure.NOT_FOUND, f"portal login link {inp.link_id} not found")
            already = messages.status_of(session, key=key)
            if already is None and (row.used_at is not None or row.expires_at <= datetime.now(UTC)):
                return None  # nothing claimed yet and the link is dead: do not send it
            customer = customers.get(session, row.customer_id)
            if customer is None:
                raise failure(CommonFailure.NOT_FOUND, f"customer {row.customer_id} not found")
            contact = load_contact(session, customer, self._settings.timezone)
            token = login_token(self._settings.secret_key, row.nonce)
            language = contact.prefs.language
            rendered = render(
                "portal_login",
                row.channel,
                language,
                contact.prefs.time_zone,
                {
                    "company": self._settings.company_name,
                    "name": contact.name,
                    "link": f"{self._settings.public_base_url}/portal/login/{token}",
                    "expires": row.expires_at,
                },
            )
            return OutboundMessage(
                secrets=(token,),
                key=key,
                channel=row.channel,
                to_address=row.to_address,
                body=rendered.text,
                subject=rendered.subject,
                html=rendered.html,
                category=category_of("portal_login").value,
                purpose=PURPOSE,
                customer_id=customer.id,
            )

    @activity.defn(name=SEND_PORTAL_LOGIN_LINK.name)
    def send_portal_login_link(self, inp: SendLoginLinkInput) -> SendLoginLinkResult:
        """Send login link ``inp.link_id`` once (outbox key ``{workflow_id}:portal-login``);
        ``sent`` False when it was used or expired before anything was claimed."""
        message = self._compose(inp)
        if message is None:
            return SendLoginLinkResult(sent=False, channel="none")
        return SendLoginLinkResult(
            sent=True, channel=message.channel, message_id=send_once_or_fail(self._sender, message)
        )

    def all(self) -> list:
        """The bound activity methods, for worker registration."""
        return [self.send_portal_login_link]
