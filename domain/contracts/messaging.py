"""Outbound messages to customers: the failures a send can end in.

Sends are claimed in the outbox under ``{workflow_id}:{purpose}`` before the provider is called
(``activities/messaging.py``); these are the types the sending activities raise.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from domain.contracts.shared import ActivitySpec, FailureType


class MessagingFailure(FailureType):
    """What a customer message can fail with; none is retried blindly (no provider idempotency)."""

    NO_CONTACT = ("NoContact", 422, False, "the customer has no address on the chosen channel")
    DEFINITE_FAILURE = (
        "DefiniteFailure",
        502,
        False,
        "the provider answered and refused the message: it was certainly not sent",
    )
    PROVIDER_UNAVAILABLE = (
        "ProviderUnavailable",
        503,
        True,
        "the provider could not be reached or answered 5xx/429; the claimed send is retried",
    )
    SEND_REFUSED = (
        "SendRefused",
        422,
        False,
        "refused before reaching the provider (no SMS consent after STOP, or a per-phone or per-day "
        "send cap); recorded in the outbox with status refused and the reason",
    )
    DELIVERY_UNCERTAIN = (
        "DeliveryUncertain",
        502,
        False,
        "a claimed message may or may not have gone out; an operator must check the provider",
    )


# ---- activity payloads (customer notifications, contact windows, digests) ------------------


class ContactTimeInput(BaseModel):
    """When may ``customer_id`` next be contacted, from ``at`` (the workflow's now)?"""

    customer_id: int
    at: datetime


class ContactTimeResult(BaseModel):
    """The first instant at or after ``at`` inside the customer's contact windows (UTC)."""

    allowed_at: datetime


class NotifyCustomerInput(BaseModel):
    """Tell the customer of a work order about ``event`` (a ``domain.communication.EVENTS``
    status update); the message key is ``{workflow_id}:notify-{event}``."""

    workflow_id: str
    work_order_id: str
    event: str


class NotifyCustomerResult(BaseModel):
    """``sent``, ``held`` (for the daily digest), ``suppressed`` (opted out), ``refused`` (no
    consent or a cap) or ``unreachable`` (no address); the ``messages`` row id when one exists."""

    outcome: Literal["sent", "held", "suppressed", "refused", "unreachable"]
    message_id: int | None = None


class DigestRunInput(BaseModel):
    """Send every digest due at ``at`` (the run's now)."""

    at: datetime


class DigestRunResult(BaseModel):
    """Digests sent by this run and the held messages they carried."""

    digests_sent: int
    items: int


NEXT_CONTACT_TIME: ActivitySpec[ContactTimeInput, ContactTimeResult] = ActivitySpec(
    "next_contact_time",
    ContactTimeInput,
    ContactTimeResult,
    lambda i: f"Next contact time of customer {i.customer_id} (quiet hours)",
)
NOTIFY_CUSTOMER: ActivitySpec[NotifyCustomerInput, NotifyCustomerResult] = ActivitySpec(
    "notify_customer",
    NotifyCustomerInput,
    NotifyCustomerResult,
    lambda i: f"Notify customer: {i.event.replace('_', ' ')}",
)
SEND_DUE_DIGESTS: ActivitySpec[DigestRunInput, DigestRunResult] = ActivitySpec(
    "send_due_digests",
    DigestRunInput,
    DigestRunResult,
    lambda i: "Send the daily digests that are due",
)
