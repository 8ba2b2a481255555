"""Customer approval by link: issue the single-use link and send it (and its reminder).

The token is derived here, sent in the message and stored only as a hash; it never enters the
workflow history (the activity returns the channel and message id only).
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.contacts import load_contact
from activities.errors import failure
from activities.messaging import (
    MessageSender,
    OutboundMessage,
    send_once_or_fail,
)
from activities.templating import job_name, render
from config import Settings
from db.repositories import approval_tokens, customers
from db.repositories import work_orders as repo
from db.session import transaction
from domain.approval_links import derive_token, hash_token, new_nonce
from domain.communication import category_of, choose_channel
from domain.contracts.approval import (
    REQUEST_CUSTOMER_APPROVAL,
    SEND_APPROVAL_REMINDER,
    ApprovalReminderInput,
    ApprovalRequestInput,
    ApprovalRequestResult,
)
from domain.contracts.messaging import MessagingFailure
from domain.contracts.shared import CommonFailure
from domain.ids import message_key


class ApprovalActivities:
    """Sends approval links through ``MessageSender`` by the customer's preferred channel, from the
    ``approval_request``/``approval_reminder`` templates in the customer's language."""

    def __init__(self, sessions: sessionmaker[Session], sender: MessageSender, settings: Settings) -> None:
        self._sessions = sessions
        self._sender = sender
        self._settings = settings

    def _send(self, message: OutboundMessage) -> int:
        return send_once_or_fail(self._sender, message)

    def _compose(
        self, work_order_id: str, estimate_version: int, reminder: bool, workflow_id: str, expires_at=None
    ) -> OutboundMessage | None:
        with transaction(self._sessions) as session:
            wo = repo.get(session, work_order_id)
            if wo is None:
                raise failure(CommonFailure.NOT_FOUND, f"work order {work_order_id} not found")
            token_row = approval_tokens.current(
                session, work_order_id=wo.id, estimate_version=estimate_version
            )
            if token_row is None:
                if expires_at is None:
                    return None  # answered or withdrawn meanwhile: nothing to remind about
                nonce = new_nonce()
                token_row = approval_tokens.issue(
                    session,
                    work_order_id=wo.id,
                    estimate_version=estimate_version,
                    token_hash=hash_token(derive_token(self._settings.secret_key, nonce)),
                    nonce=nonce,
                    expires_at=expires_at,
                )
            token = derive_token(self._settings.secret_key, token_row.nonce)
            customer = customers.get(session, wo.customer_id)
            if customer is None:
                raise failure(CommonFailure.NOT_FOUND, f"customer {wo.customer_id} not found")
            contact = load_contact(session, customer, self._settings.timezone)
            channel = choose_channel(contact.prefs, phone=contact.phone, email=contact.email)
            if channel is None:
                raise failure(
                    MessagingFailure.NO_CONTACT,
                    f"customer {customer.id} has no email and no phone that accepts SMS",
                )
            to = contact.email if channel == "email" else contact.phone
            assert to is not None
            event = "approval_reminder" if reminder else "approval_request"
            language = contact.prefs.language
            rendered = render(
                event,
                channel,
                language,
                contact.prefs.time_zone,
                {
                    "company": self._settings.company_name,
                    "job": job_name(wo.job_type, language),
                    "work_order_id": wo.id,
                    "amount": wo.estimate_amount,
                    "link": f"{self._settings.public_base_url}/approve/{token}",
                    "name": contact.name,
                    "lines": wo.estimate_lines,
                    "expires": token_row.expires_at,
                },
            )
            purpose = f"approval-{'reminder' if reminder else 'request'}-v{estimate_version}"
            return OutboundMessage(
                secrets=(token,),
                key=message_key(workflow_id, purpose),
                channel=channel,
                to_address=to,
                body=rendered.text,
                subject=rendered.subject,
                html=rendered.html,
                category=category_of(event).value,
                purpose=purpose,
                work_order_id=wo.id,
                customer_id=customer.id,
            )

    @activity.defn(name=REQUEST_CUSTOMER_APPROVAL.name)
    def request_customer_approval(self, inp: ApprovalRequestInput) -> ApprovalRequestResult:
        """Issue (once) the link for this estimate version and send it; idempotent on the workflow id."""
        message = self._compose(
            inp.work_order_id, inp.estimate_version, False, inp.workflow_id, inp.expires_at
        )
        return ApprovalRequestResult(channel=message.channel, message_id=self._send(message))

    @activity.defn(name=SEND_APPROVAL_REMINDER.name)
    def send_approval_reminder(self, inp: ApprovalReminderInput) -> None:
        """Resend the same live link as a reminder (once per estimate version); skipped when the
        link was answered or withdrawn meanwhile."""
        message = self._compose(inp.work_order_id, inp.estimate_version, True, inp.workflow_id)
        if message is not None:
            self._send(message)

    def all(self) -> list:
        """The bound activity methods, for worker registration."""
        return [self.request_customer_approval, self.send_approval_reminder]
