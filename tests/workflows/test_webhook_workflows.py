"""Webhook delivery retries with backoff on the time-skipping server (stub attempt activity)."""

from __future__ import annotations

import uuid

from temporalio import activity
from temporalio.worker import Worker

from domain.contracts.webhooks import (
    ATTEMPT_WEBHOOK_DELIVERY,
    PENDING_WEBHOOK_DELIVERIES,
    AttemptInput,
    AttemptResult,
    DeliveryInput,
    DeliveryResult,
    PendingDeliveriesInput,
    PendingDeliveriesResult,
    PendingDelivery,
)
from domain.webhooks import MAX_ATTEMPTS, backoff_seconds
from workflows.webhooks import WebhookDeliveryWorkflow, WebhookDispatchWorkflow


class Subscriber:
    """Answers the attempts in ``answers`` order (``retry`` until the list ends with another)."""

    def __init__(self, answers: list[str]) -> None:
        self.answers = answers
        self.attempts: list[tuple[int, float]] = []

    @activity.defn(name=ATTEMPT_WEBHOOK_DELIVERY.name)
    async def attempt(self, inp: AttemptInput) -> AttemptResult:
        self.attempts.append((inp.attempt_no, activity.info().current_attempt_scheduled_time.timestamp()))
        outcome = self.answers[min(inp.attempt_no, len(self.answers)) - 1]
        return AttemptResult(outcome=outcome, status_code={"delivered": 200, "retry": 503}.get(outcome, 410))

    @activity.defn(name=PENDING_WEBHOOK_DELIVERIES.name)
    async def pending(self, inp: PendingDeliveriesInput) -> PendingDeliveriesResult:
        return PendingDeliveriesResult(deliveries=[PendingDelivery(delivery_id=7, next_attempt=3)])


async def test_failed_attempts_are_retried_after_a_doubling_backoff(env, task_queue):
    sub = Subscriber(["retry", "retry", "delivered"])
    async with Worker(
        env.client, task_queue=task_queue, workflows=[WebhookDeliveryWorkflow], activities=[sub.attempt]
    ):
        result = await env.client.execute_workflow(
            WebhookDeliveryWorkflow.run,
            DeliveryInput(delivery_id=1),
            id=f"webhook-delivery-t{uuid.uuid4().hex[:6]}",
            task_queue=task_queue,
        )
    assert result.outcome == "delivered" and result.attempts == 3
    numbers = [n for n, _ in sub.attempts]
    assert numbers == [1, 2, 3]
    gaps = [round(b - a) for (_, a), (_, b) in zip(sub.attempts, sub.attempts[1:], strict=False)]
    assert gaps == [backoff_seconds(1), backoff_seconds(2)]


async def test_a_delivery_stops_after_the_last_attempt_or_a_final_refusal(env, task_queue):
    always = Subscriber(["retry"] * MAX_ATTEMPTS + ["failed"])
    refused = Subscriber(["failed"])
    async with Worker(
        env.client, task_queue=task_queue, workflows=[WebhookDeliveryWorkflow], activities=[always.attempt]
    ):
        gave_up = await env.client.execute_workflow(
            WebhookDeliveryWorkflow.run,
            DeliveryInput(delivery_id=2),
            id=f"webhook-delivery-t{uuid.uuid4().hex[:6]}",
            task_queue=task_queue,
        )
    assert gave_up.outcome == "failed" and gave_up.attempts == MAX_ATTEMPTS
    assert len(always.attempts) == MAX_ATTEMPTS
    async with Worker(
        env.client, task_queue=task_queue, workflows=[WebhookDeliveryWorkflow], activities=[refused.attempt]
    ):
        final = await env.client.execute_workflow(
            WebhookDeliveryWorkflow.run,
            DeliveryInput(delivery_id=3),
            id=f"webhook-delivery-t{uuid.uuid4().hex[:6]}",
            task_queue=task_queue,
        )
    assert final.outcome == "failed" and final.attempts == 1 and len(refused.attempts) == 1


async def test_dispatch_starts_each_pending_delivery_once_from_its_next_attempt(env, task_queue):
    sub = Subscriber(["retry", "retry", "delivered"])
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=[WebhookDispatchWorkflow, WebhookDeliveryWorkflow],
        activities=[sub.attempt, sub.pending],
    ):
        started = await env.client.execute_workflow(
            WebhookDispatchWorkflow.run,
            PendingDeliveriesInput(),
            id=f"webhook-dispatch-t{uuid.uuid4().hex[:6]}",
            task_queue=task_queue,
        )
        assert started == 1
        child = env.client.get_workflow_handle("webhook-delivery-7", result_type=DeliveryResult)
        result = await child.result()
    assert result.outcome == "delivered" and [n for n, _ in sub.attempts] == [3]
