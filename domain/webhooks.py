"""Outgoing webhook rules (seed 001 Sprint 3 item 3.2 "webhooks", Phase 7.2 "integrations"):
which events exist, how a delivery is signed, and when it is retried. Pure: no clock, no I/O.

Signature (like Stripe's): the header ``X-Fieldops-Signature: t={unix seconds},v1={hex}`` where
``hex = HMAC-SHA256(secret, f"{t}.{raw body}")``. A receiver recomputes it over the raw body it
got and refuses a timestamp older than its tolerance (replays). ``X-Fieldops-Delivery`` carries
the delivery id, the same on every attempt, so a receiver can drop a repeat.

Retries: attempt ``n`` (1-based) that fails waits ``backoff_seconds(n)`` before attempt ``n+1``:
30 s, 1 min, 2 min, ... doubling, capped at 1 h; after ``MAX_ATTEMPTS`` the delivery fails.
A 2xx answer delivers; 408, 429 and 5xx (and no answer) are retried; any other 4xx is final
(the subscriber refused the request; sending it again cannot help).
"""

from __future__ import annotations

import hashlib
import hmac

#: Every event a subscriber may register for, with what it means.
EVENT_TYPES: dict[str, str] = {
    "work_order.approved": "the estimate was approved (by policy, the customer or staff)",
    "work_order.assigned": "a technician and an arrival window were assigned",
    "work_order.in_progress": "the technician started on site",
    "work_order.completed": "the job was completed (labor and parts recorded)",
    "work_order.cancelled": "the repair was cancelled",
    "work_order.declined": "the customer declined the estimate",
    "work_order.expired": "the approval expired unanswered",
    "survey.answered": "the customer rated a completed job (1-5, with an optional comment)",
}
#: A work order status → the event it raises (statuses not listed raise none).
STATUS_EVENTS: dict[str, str] = {
    event.split(".", 1)[1]: event for event in EVENT_TYPES if event.startswith("work_order.")
}

SIGNATURE_HEADER = "X-Fieldops-Signature"
DELIVERY_HEADER = "X-Fieldops-Delivery"
EVENT_HEADER = "X-Fieldops-Event"
MAX_ATTEMPTS = 8
FIRST_BACKOFF_SECONDS = 30
MAX_BACKOFF_SECONDS = 3600


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Fieldops-Signature`` value for ``body`` sent at ``timestamp`` (unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance_seconds: int = 300) -> bool:
    """True when ``header`` is a valid signature of ``body`` by ``secret`` made within
    ``tolerance_seconds`` of ``now`` (both ways); what a receiver does (tests use it too)."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), f"t={timestamp},v1={parts.get('v1', '')}")


def retryable(status_code: int | None) -> bool:
    """Whether a failed attempt is tried again: no answer, 408, 429 or 5xx."""
    return status_code is None or status_code in (408, 429) or status_code >= 500


def delivered(status_code: int | None) -> bool:
    """Whether an answer delivers the event (any 2xx)."""
    return status_code is not None and 200 <= status_code < 300


def backoff_seconds(attempt: int) -> int:
    """Seconds to wait after failed attempt ``attempt`` (1-based): 30 s doubling, at most 1 h."""
    if attempt < 1:
        raise ValueError("attempts are numbered from 1")
    return int(min(FIRST_BACKOFF_SECONDS * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS))
