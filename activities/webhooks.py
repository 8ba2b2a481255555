"""Outgoing webhook deliveries: list the pending ones, and try one delivery once.

An attempt is recorded once per (delivery, attempt number): a retried activity that finds its
attempt recorded returns that outcome and sends nothing again. The body is the delivery's stored
JSON payload, signed with the subscription's secret and the current timestamp
(``domain.webhooks.sign``); ``X-Fieldops-Delivery`` lets the receiver drop a repeat.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import httpx
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.errors import failure
from db.repositories import webhooks as repo
from db.session import transaction
from domain.contracts.shared import CommonFailure
from domain.contracts.webhooks import (
    ATTEMPT_WEBHOOK_DELIVERY,
    PENDING_WEBHOOK_DELIVERIES,
    AttemptInput,
    AttemptResult,
    PendingDeliveriesInput,
    PendingDeliveriesResult,
    PendingDelivery,
)
from domain.webhooks import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    MAX_ATTEMPTS,
    SIGNATURE_HEADER,
    delivered,
    retryable,
    sign,
)

#: Seconds a subscriber has to answer one attempt.
REQUEST_TIMEOUT_SECONDS = 10.0
USER_AGENT = "fieldops-webhooks/1"


class WebhookActivities:
    """Webhook delivery attempts over HTTP (``httpx``); dependencies injected."""

    def __init__(self, sessions: sessionmaker[Session], http: httpx.Client | None = None) -> None:
        self._sessions = sessions
        self._http = http or httpx.Client(timeout=REQUEST_TIMEOUT_SECONDS, follow_redirects=False)

    @activity.defn(name=PENDING_WEBHOOK_DELIVERIES.name)
    def pending_webhook_deliveries(self, inp: PendingDeliveriesInput) -> PendingDeliveriesResult:
        """The pending deliveries, oldest first, with the number of each one's next attempt."""
        with transaction(self._sessions) as session:
            rows = repo.pending(session, limit=inp.limit)
            return PendingDeliveriesResult(
                deliveries=[PendingDelivery(delivery_id=r.id, next_attempt=r.attempt_count + 1) for r in rows]
            )

    @activity.defn(name=ATTEMPT_WEBHOOK_DELIVERY.name)
    def attempt_webhook_delivery(self, inp: AttemptInput) -> AttemptResult:
        """POST the delivery once as attempt ``inp.attempt_no`` and record it. NotFound for an
        unknown delivery; a delivery already finished, or whose subscription was removed, is
        not sent (its final outcome is returned)."""
        with transaction(self._sessions) as session:
            delivery = repo.delivery_for_attempt(session, inp.delivery_id)
            if delivery is None:
                raise failure(CommonFailure.NOT_FOUND, f"webhook delivery {inp.delivery_id} not found")
            done = repo.attempt_of(session, delivery_id=delivery.id, attempt_no=inp.attempt_no)
            if done is not None or delivery.status != "pending":
                outcome = "retry" if delivery.status == "pending" else delivery.status
                return AttemptResult(outcome=outcome, status_code=done.status_code if done else None)
            subscription = repo.get_subscription(session, delivery.subscription_id)
            if subscription is None or not subscription.active:
                repo.fail(session, delivery=delivery, at=datetime.now(UTC))
                return AttemptResult(outcome="failed")
            url, secret = subscription.url, subscription.signing_secret
            body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
            headers = {
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                EVENT_HEADER: delivery.event_type,
                DELIVERY_HEADER: str(delivery.id),
            }
        started = time.monotonic()
        status_code: int | None = None
        error: str | None = None
        headers[SIGNATURE_HEADER] = sign(secret, int(time.time()), body)
        try:
            response = self._http.post(url, content=body, headers=headers)
            status_code = response.status_code
            if not delivered(status_code):
                error = f"HTTP {status_code}"
        except httpx.HTTPError as err:
            error = f"{type(err).__name__}: {err}"[:500]
        duration_ms = int((time.monotonic() - started) * 1000)
        if delivered(status_code):
            outcome = "delivered"
        elif retryable(status_code) and inp.attempt_no < MAX_ATTEMPTS:
            outcome = "retry"
        else:
            outcome = "failed"
        with transaction(self._sessions) as session:
            delivery = repo.delivery_for_attempt(session, inp.delivery_id)
            assert delivery is not None
            if repo.attempt_of(session, delivery_id=delivery.id, attempt_no=inp.attempt_no) is None:
                repo.record_attempt(
                    session,
                    delivery=delivery,
                    attempt_no=inp.attempt_no,
                    at=datetime.now(UTC),
                    status_code=status_code,
                    error=error,
                    duration_ms=duration_ms,
                    outcome="pending" if outcome == "retry" else outcome,
                )
        return AttemptResult(outcome=outcome, status_code=status_code)  # type: ignore[arg-type]

    def all(self) -> list:
        """The bound activity methods, for worker registration."""
        return [self.pending_webhook_deliveries, self.attempt_webhook_delivery]
