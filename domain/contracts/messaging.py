"""Outbound messages to customers: the failures a send can end in.

Sends are claimed in the outbox under ``{workflow_id}:{purpose}`` before the provider is called
(``activities/messaging.py``); these are the types the sending activities raise.
"""

from __future__ import annotations

from domain.contracts.shared import FailureType


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
    DELIVERY_UNCERTAIN = (
        "DeliveryUncertain",
        502,
        False,
        "a claimed message may or may not have gone out; an operator must check the provider",
    )
