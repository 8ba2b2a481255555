"""Outgoing webhook workflows (seed 001 3.2, 7.2). Deterministic code only.

``WebhookDispatchWorkflow`` (schedule ``fieldops-webhooks``, each minute) starts one
``WebhookDeliveryWorkflow`` per pending delivery, left running when it ends (ABANDON); a
delivery whose workflow is already running is skipped. ``WebhookDeliveryWorkflow``
(``webhook-delivery-{id}``) tries the delivery; after a failure that may pass it sleeps the
backoff (``domain.webhooks.backoff_seconds``: 30 s doubling up to 1 h, a durable timer) and tries
again, until a 2xx, a final refusal or ``MAX_ATTEMPTS``. Every attempt is recorded by the activity.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from domain.contracts import webhooks as contract
    from domain.contracts.webhooks import (
        AttemptInput,
        DeliveryInput,
        DeliveryResult,
        PendingDeliveriesInput,
        webhook_delivery_workflow_id,
    )
    from domain.webhooks import MAX_ATTEMPTS, backoff_seconds

from workflows.kit import DB_CALL, ActivityCall

pending_webhook_deliveries = ActivityCall(contract.PENDING_WEBHOOK_DELIVERIES, DB_CALL)
attempt_webhook_delivery = ActivityCall(contract.ATTEMPT_WEBHOOK_DELIVERY, DB_CALL)


@workflow.defn(name=contract.WEBHOOK_DELIVERY_WORKFLOW)
class WebhookDeliveryWorkflow:
    """Deliver one webhook event to one subscriber, with retries and backoff."""

    @workflow.run
    async def run(self, inp: DeliveryInput) -> DeliveryResult:
        """Attempt from ``inp.first_attempt`` until delivered or failed; returns the outcome."""
        attempt = inp.first_attempt
        while True:
            result = await attempt_webhook_delivery(
                AttemptInput(delivery_id=inp.delivery_id, attempt_no=attempt)
            )
            if result.outcome != "retry":
                return DeliveryResult(outcome=result.outcome, attempts=attempt)
            if attempt >= MAX_ATTEMPTS:  # the activity fails the last one; never loop past it
                return DeliveryResult(outcome="failed", attempts=attempt)
            await workflow.sleep(timedelta(seconds=backoff_seconds(attempt)))
            attempt += 1


@workflow.defn(name=contract.WEBHOOK_DISPATCH_WORKFLOW)
class WebhookDispatchWorkflow:
    """Start the delivery workflow of every pending delivery (run by the schedule)."""

    @workflow.run
    async def run(self, inp: PendingDeliveriesInput) -> int:
        """Returns how many delivery workflows it started."""
        found = await pending_webhook_deliveries(inp)
        started = 0
        for pending in found.deliveries:
            try:
                await workflow.start_child_workflow(
                    contract.WEBHOOK_DELIVERY_WORKFLOW,
                    DeliveryInput(delivery_id=pending.delivery_id, first_attempt=pending.next_attempt),
                    id=webhook_delivery_workflow_id(pending.delivery_id),
                    parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                    static_summary=f"Webhook delivery {pending.delivery_id}",
                )
                started += 1
            except WorkflowAlreadyStartedError:
                pass  # its workflow is still retrying it
        return started
