"""Customer notifications by preference: status updates of a work order, the contact-time rule
the workflows sleep on, and the daily digest (seed 004 Phase 1-2, seed 001 Sprint 3).

A status update (``domain.communication.EVENTS``) of a customer who opted out of its category is
recorded ``suppressed``; one of a customer on the daily digest is recorded ``held`` (with its
rendered subject as the digest line); otherwise it is sent through the outbox like every
message (claimed under ``{workflow_id}:notify-{event}``). Quiet hours are not checked here: the
workflow waits for :meth:`next_contact_time` before asking, so nothing is dropped.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.contacts import Contact, load_contact
from activities.errors import failure
from activities.messaging import (
    MessageSender,
    OutboundMessage,
    send_once_or_fail,
)
from activities.templating import job_name, render
from config import Settings
from db.models import Message, WorkOrder
from db.repositories import customers, messages, technicians
from db.repositories import work_orders as repo
from db.session import transaction
from domain.communication import (
    DIGEST_EVENT,
    EVENTS,
    Category,
    choose_channel,
    digest_due,
    held_for_digest,
    next_allowed_instant,
    opted_out,
)
from domain.contracts.messaging import (
    NEXT_CONTACT_TIME,
    NOTIFY_CUSTOMER,
    SEND_DUE_DIGESTS,
    ContactTimeInput,
    ContactTimeResult,
    DigestRunInput,
    DigestRunResult,
    MessagingFailure,
    NotifyCustomerInput,
    NotifyCustomerResult,
)
from domain.contracts.shared import CommonFailure
from domain.ids import message_key

#: Lines a digest SMS lists before "+ N more" (the email lists them all).
DIGEST_SMS_ITEMS = 3  # three subject lines keep a Spanish (UCS-2) digest within 3 segments
#: Events a work order's workflow can announce with what the work order row holds.
WORK_ORDER_EVENTS = frozenset({"repair_requested", "approved", "assigned", "on_the_way", "completed"})


def digest_key(customer_id: int, day: date) -> str:
    """Idempotency key of a customer's digest for local ``day``: one per customer-day."""
    return f"digest-{customer_id}:{day.isoformat()}"


class NotificationActivities:
    """Status updates, contact times and digests; dependencies injected."""

    def __init__(self, sessions: sessionmaker[Session], sender: MessageSender, settings: Settings) -> None:
        self._sessions = sessions
        self._sender = sender
        self._settings = settings

    def _send(self, message: OutboundMessage) -> int:
        return send_once_or_fail(self._sender, message)

    # ---- contact time --------------------------------------------------------------------

    @activity.defn(name=NEXT_CONTACT_TIME.name)
    def next_contact_time(self, inp: ContactTimeInput) -> ContactTimeResult:
        """The first instant at or after ``inp.at`` inside the customer's contact windows
        (``domain.communication.next_allowed_instant``), read from the current preferences."""
        with transaction(self._sessions) as session:
            customer = customers.get(session, inp.customer_id)
            if customer is None:
                raise failure(CommonFailure.NOT_FOUND, f"customer {inp.customer_id} not found")
            contact = load_contact(session, customer, self._settings.timezone)
        return ContactTimeResult(allowed_at=next_allowed_instant(contact.prefs, inp.at))

    # ---- status updates ------------------------------------------------------------------

    def _context(self, session: Session, wo: WorkOrder, contact: Contact) -> dict[str, object]:
        technician = technicians.get(session, wo.technician_id) if wo.technician_id else None
        return {
            "company": self._settings.company_name,
            "name": contact.name,
            "work_order_id": wo.id,
            "job": job_name(wo.job_type, contact.prefs.language),
            "amount": wo.estimate_amount if wo.estimate_amount is not None else 0,
            "total": wo.total_amount if wo.total_amount is not None else 0,
            "technician": technician.first_name if technician else "",
            "window_start": wo.service_window_start,
            "window_end": wo.service_window_end,
            "eta": wo.eta_at,
        }

    @activity.defn(name=NOTIFY_CUSTOMER.name)
    def notify_customer(self, inp: NotifyCustomerInput) -> NotifyCustomerResult:
        """Tell the work order's customer about ``inp.event`` by preference: suppressed when he
        opted out of its category, held for his digest, or sent now. Idempotent on
        ``{workflow_id}:notify-{event}``. InvalidData for an event this cannot announce."""
        if inp.event not in WORK_ORDER_EVENTS:
            raise failure(CommonFailure.INVALID_DATA, f"no work-order notification for event {inp.event!r}")
        key = message_key(inp.workflow_id, f"notify-{inp.event}")
        with transaction(self._sessions) as session:
            wo = repo.get(session, inp.work_order_id)
            if wo is None:
                raise failure(CommonFailure.NOT_FOUND, f"work order {inp.work_order_id} not found")
            customer = customers.get(session, wo.customer_id)
            if customer is None:
                raise failure(CommonFailure.NOT_FOUND, f"customer {wo.customer_id} not found")
            contact = load_contact(session, customer, self._settings.timezone)
            category = EVENTS[inp.event]
            channel = choose_channel(contact.prefs, phone=contact.phone, email=contact.email)
            values: dict[str, object] = {
                "channel": channel or contact.prefs.channel,
                "provider": "none",
                "purpose": f"notify-{inp.event}",
                "to_address": (contact.email if channel == "email" else contact.phone) or "",
                "work_order_id": wo.id,
                "customer_id": customer.id,
                "category": category.value,
            }
            if opted_out(contact.prefs, inp.event):
                reason = f"the customer opted out of {category.value.replace('_', ' ')}"
                row = messages.record_unsent(
                    session, key=key, status="suppressed", reason=reason, values={**values, "body": ""}
                )
                return NotifyCustomerResult(outcome="suppressed", message_id=row)
            if channel is None:
                reason = "no email and no phone that accepts SMS"
                row = messages.record_unsent(
                    session, key=key, status="suppressed", reason=reason, values={**values, "body": ""}
                )
                return NotifyCustomerResult(outcome="unreachable", message_id=row)
            rendered = render(
                inp.event,
                channel,
                contact.prefs.language,
                contact.prefs.time_zone,
                self._context(session, wo, contact),
            )
            if held_for_digest(contact.prefs, inp.event):
                # the digest lists each held update by its email subject, in the customer's language
                line = render(
                    inp.event,
                    "email",
                    contact.prefs.language,
                    contact.prefs.time_zone,
                    self._context(session, wo, contact),
                ).subject
                row = messages.record_unsent(
                    session,
                    key=key,
                    status="held",
                    reason="waits for the customer's daily digest",
                    values={**values, "body": rendered.text, "subject": line},
                )
                return NotifyCustomerResult(outcome="held", message_id=row)
            message = OutboundMessage(
                key=key,
                channel=channel,
                to_address=values["to_address"],  # type: ignore[arg-type]
                body=rendered.text,
                subject=rendered.subject,
                html=rendered.html,
                purpose=f"notify-{inp.event}",
                category=category.value,
                work_order_id=wo.id,
                customer_id=customer.id,
            )
        try:
            return NotifyCustomerResult(outcome="sent", message_id=self._send(message))
        except Exception as err:
            if getattr(err, "type", None) == MessagingFailure.SEND_REFUSED.value:
                with transaction(self._sessions) as session:
                    found = messages.by_key(session, key=key)
                    return NotifyCustomerResult(outcome="refused", message_id=found.id if found else None)
            raise

    # ---- daily digest --------------------------------------------------------------------

    def _digest_message(
        self, row: Message, items: list[Message], contact: Contact, day: date
    ) -> OutboundMessage:
        lines = [item.subject or item.body for item in items]
        channel = row.channel
        shown = lines[:DIGEST_SMS_ITEMS] if channel == "sms" else lines
        rendered = render(
            DIGEST_EVENT,
            channel,
            contact.prefs.language,
            contact.prefs.time_zone,
            {
                "company": self._settings.company_name,
                "name": contact.name,
                "day": day,
                "items": shown,
                "more": len(lines) - len(shown),
            },
        )
        return OutboundMessage(
            key=row.idempotency_key,
            channel=channel,
            to_address=row.to_address,
            body=rendered.text,
            subject=rendered.subject,
            html=rendered.html,
            purpose=DIGEST_EVENT,
            category=Category.STATUS_UPDATES.value,
            customer_id=contact.customer_id,
        )

    def send_digest(self, customer_id: int, at: datetime) -> int:
        """Send the customer's digest if one is due at ``at``: one message per customer and
        local day (key :func:`digest_key`) listing the held updates. The items are bound to the
        digest (``pending`` row) before the provider is called, so a rerun after a crash sends
        the same digest with the same items, once. Returns the number of items sent (0: none)."""
        with transaction(self._sessions) as session:
            customer = customers.get(session, customer_id)
            if customer is None:
                return 0
            contact = load_contact(session, customer, self._settings.timezone)
            row = messages.unfinished_digest(session, customer_id=customer_id, purpose=DIGEST_EVENT)
            if row is not None:  # a run that bound the items and died before sending
                day = date.fromisoformat(row.idempotency_key.rsplit(":", 1)[1])
            else:
                due = digest_due(contact.prefs, at)
                if due is None:
                    return 0
                day = due
                key = digest_key(customer_id, day)
                row = messages.by_key(session, key=key)
            if row is None:
                held = messages.held_for(session, customer_id=customer_id)
                if not held:
                    return 0
                channel = choose_channel(contact.prefs, phone=contact.phone, email=contact.email)
                if channel is None:
                    for item in held:
                        item.status, item.status_reason = (
                            "suppressed",
                            "no email and no phone that accepts SMS",
                        )
                    return 0
                row_id = messages.record_unsent(
                    session,
                    key=key,
                    status="pending",
                    reason="digest prepared; not sent yet",
                    values={
                        "channel": channel,
                        "provider": "none",
                        "purpose": DIGEST_EVENT,
                        "to_address": contact.email if channel == "email" else contact.phone,
                        "customer_id": customer_id,
                        "category": Category.STATUS_UPDATES.value,
                        "body": "",
                    },
                )
                messages.mark_digested(session, row_ids=[m.id for m in held], digest_id=row_id, at=at)
                row = messages.by_key(session, key=key)
                assert row is not None
            if row.status == "sent":
                return 0
            items = messages.digest_items_of(session, digest_id=row.id)
            message = self._digest_message(row, items, contact, day)
        self._send(message)
        return len(items)

    @activity.defn(name=SEND_DUE_DIGESTS.name)
    def send_due_digests(self, inp: DigestRunInput) -> DigestRunResult:
        """Send every customer's digest that is due at ``inp.at`` (hourly runs; idempotent per
        customer-day). A customer whose digest cannot go out (refused, provider down) keeps his
        items for the next run; the others are not held up."""
        sent = items = 0
        errors: list[str] = []
        with transaction(self._sessions) as session:
            customer_ids = messages.held_customer_ids(session)
        for customer_id in customer_ids:
            try:
                n = self.send_digest(customer_id, inp.at.astimezone(UTC))
            except Exception as err:  # one customer's failure must not hold up the others
                errors.append(f"customer {customer_id}: {type(err).__name__}")
                continue
            if n:
                sent, items = sent + 1, items + n
        if errors:
            activity.logger.warning("digests not sent this run: %s", "; ".join(errors))
        return DigestRunResult(digests_sent=sent, items=items)

    def all(self) -> list:
        """The bound activity methods, for worker registration."""
        return [self.next_contact_time, self.notify_customer, self.send_due_digests]
