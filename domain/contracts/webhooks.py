"""Outgoing webhooks' contract: workflow names and ids, activity payloads and specs.

``WebhookDispatchWorkflow`` (schedule ``fieldops-webhooks``, every minute) starts one
``WebhookDeliveryWorkflow`` (``webhook-delivery-{id}``) per pending delivery; that workflow
tries the delivery, and after a failure that may pass waits the backoff of
``domain.webhooks.backoff_seconds`` before the next try.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from domain.contracts.shared import ActivitySpec

WEBHOOK_DISPATCH_WORKFLOW = "WebhookDispatchWorkflow"
WEBHOOK_DELIVERY_WORKFLOW = "WebhookDeliveryWorkflow"
WEBHOOK_DISPATCH_WORKFLOW_ID = "webhook-dispatch"


def webhook_delivery_workflow_id(delivery_id: int) -> str:
    """``webhook-delivery-{delivery_id}``."""
    return f"webhook-delivery-{delivery_id}"


class PendingDeliveriesInput(BaseModel):
    """List at most ``limit`` pending deliveries, oldest first."""

    limit: int = Field(default=200, ge=1, le=1000)


class PendingDelivery(BaseModel):
    """A pending delivery and the number of its next attempt (1 when never tried)."""

    delivery_id: int
    next_attempt: int


class PendingDeliveriesResult(BaseModel):
    """The pending deliveries found."""

    deliveries: list[PendingDelivery]


class DeliveryInput(BaseModel):
    """Start argument of ``webhook-delivery-{delivery_id}``: the attempt to begin with."""

    delivery_id: int
    first_attempt: int = Field(default=1, ge=1)


class AttemptInput(BaseModel):
    """Try ``delivery_id`` once as attempt ``attempt_no`` (recorded once per number)."""

    delivery_id: int
    attempt_no: int = Field(ge=1)


class AttemptResult(BaseModel):
    """``delivered`` (2xx), ``retry`` (no answer, 408, 429, 5xx, attempts left) or ``failed``
    (final: another 4xx, attempts used up, or the subscription was removed)."""

    outcome: Literal["delivered", "retry", "failed"]
    status_code: int | None = None


class DeliveryResult(BaseModel):
    """How a delivery ended and after how many attempts."""

    outcome: Literal["delivered", "failed"]
    attempts: int


PENDING_WEBHOOK_DELIVERIES: ActivitySpec[PendingDeliveriesInput, PendingDeliveriesResult] = ActivitySpec(
    "pending_webhook_deliveries",
    PendingDeliveriesInput,
    PendingDeliveriesResult,
    lambda i: f"List pending webhook deliveries (up to {i.limit})",
)
ATTEMPT_WEBHOOK_DELIVERY: ActivitySpec[AttemptInput, AttemptResult] = ActivitySpec(
    "attempt_webhook_delivery",
    AttemptInput,
    AttemptResult,
    lambda i: f"Webhook delivery {i.delivery_id}, attempt {i.attempt_no}",
)
