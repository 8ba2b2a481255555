"""Delivery status of a sent message from the providers' reports (Twilio status callbacks,
SendGrid event webhooks). Pure.

A provider's word is mapped to our status (:func:`from_twilio`, :func:`from_sendgrid`); a report
moves a message only forward (:func:`advance`): reports arrive out of order and repeated, and a
final status (delivered, undelivered, bounced, dropped, spam) is kept. A provider "failed" is
stored as ``undelivered``: our ``failed`` means "refused by the provider at send time, may be
claimed again", which a message that did go out must never become.
"""

from __future__ import annotations

#: Our status after the provider took the message, by progress; higher never goes back.
RANK = {
    "claimed": 0,
    "sent": 1,
    "queued": 2,
    "sending": 3,
    "deferred": 3,
    "carrier_sent": 4,
    "delivered": 5,
    "undelivered": 5,
    "bounced": 5,
    "dropped": 5,
    "spam": 6,
}
FINAL = frozenset({"delivered", "undelivered", "bounced", "dropped", "spam"})

_TWILIO = {
    "accepted": "queued",
    "scheduled": "queued",
    "queued": "queued",
    "sending": "sending",
    "sent": "carrier_sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "undelivered",
    "failed": "undelivered",
    "canceled": "undelivered",
}
_SENDGRID = {
    "processed": "queued",
    "deferred": "deferred",
    "delivered": "delivered",
    "bounce": "bounced",
    "dropped": "dropped",
    "spamreport": "spam",
}


def from_twilio(message_status: str) -> str | None:
    """Our status for Twilio's ``MessageStatus``; None for one that says nothing of delivery."""
    return _TWILIO.get(message_status.lower())


def from_sendgrid(event: str) -> str | None:
    """Our status for a SendGrid event; None for engagement events (open, click, unsubscribe…)."""
    return _SENDGRID.get(event.lower())


def advance(current: str, reported: str) -> str | None:
    """The status a message at ``current`` takes on a ``reported`` one, or None to keep it:
    only a sent message moves, only forward, and a final status stays (a later spam report on a
    delivered email is the one exception)."""
    if current not in RANK or reported not in RANK:
        return None
    if current in FINAL and reported != "spam":
        return None
    return reported if RANK[reported] > RANK[current] else None
