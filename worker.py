"""Builds the Temporal workers: the main queue (workflows + DB/messaging activities) and the
optimizer queue (OR-Tools solves, one at a time under an advisory lock, scaled separately)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.worker import Worker

from activities.analytics import AnalyticsActivities
from activities.approvals import ApprovalActivities
from activities.assignment import AssignmentActivities
from activities.billing import BillingActivities
from activities.dispatch import DispatchActivities
from activities.insertion import InsertionActivities
from activities.llm import LlmActivities
from activities.lot_walk import LotWalkActivities
from activities.messaging import MessageSender, gates_from_settings, providers_from_settings
from activities.notifications import NotificationActivities
from activities.portal import PortalActivities
from activities.repair import RepairActivities
from activities.survey import survey_activities
from activities.webhooks import WebhookActivities
from config import Settings
from domain.ids import OPTIMIZER_TASK_QUEUE, TASK_QUEUE
from workflows.analytics import AnalyticsWorkflow
from workflows.billing import BatchInvoicingWorkflow
from workflows.digest import MessageDigestWorkflow
from workflows.dispatch import DispatchWorkflow
from workflows.dunning import DunningWorkflow
from workflows.llm import LlmHelperWorkflow
from workflows.lot_walk import LotWalkWorkflow
from workflows.portal_login import PortalLoginWorkflow
from workflows.repair import RepairWorkflow
from workflows.survey import SurveyWorkflow
from workflows.webhooks import WebhookDeliveryWorkflow, WebhookDispatchWorkflow

WORKFLOWS = [
    RepairWorkflow,
    AnalyticsWorkflow,
    BatchInvoicingWorkflow,
    DunningWorkflow,
    DispatchWorkflow,
    MessageDigestWorkflow,
    LotWalkWorkflow,
    WebhookDispatchWorkflow,
    WebhookDeliveryWorkflow,
    SurveyWorkflow,
    LlmHelperWorkflow,
    PortalLoginWorkflow,
]
QUEUES = ("main", "optimizer")


def build_workers(
    client: Client,
    sessions: sessionmaker[Session],
    settings: Settings,
    *,
    queues: Sequence[str] = QUEUES,
    task_queue: str = TASK_QUEUE,
    optimizer_task_queue: str = OPTIMIZER_TASK_QUEUE,
) -> list[Worker]:
    """Workers for the requested ``queues`` (``main``, ``optimizer``); raises ValueError on another name."""
    unknown = set(queues) - set(QUEUES)
    if unknown:
        raise ValueError(f"unknown queue(s) {sorted(unknown)}; expected {QUEUES}")
    workers: list[Worker] = []
    if "main" in queues:
        sender = MessageSender(sessions, providers_from_settings(settings), gates_from_settings(settings))
        activities = (
            RepairActivities(sessions, labor_cost_per_hour=settings.labor_cost_per_hour).all()
            + ApprovalActivities(sessions, sender, settings).all()
            + AnalyticsActivities(sessions, time_zone=settings.timezone).all()
            + BillingActivities(sessions, sender, settings).all()
            + DispatchActivities(sessions, settings, sender=sender).main()
            + NotificationActivities(sessions, sender, settings).all()
            + LotWalkActivities(sessions, sender, settings).all()
            + WebhookActivities(sessions).all()
            + survey_activities(sessions, sender, settings).all()
            + LlmActivities(sessions, settings).all()
            + PortalActivities(sessions, sender, settings).all()
        )
        workers.append(
            Worker(
                client,
                task_queue=task_queue,
                workflows=WORKFLOWS,
                activities=activities,
                activity_executor=ThreadPoolExecutor(max_workers=16),
                max_concurrent_activities=16,
                max_cached_workflows=settings.worker_max_cached_workflows,
            )
        )
    if "optimizer" in queues:
        workers.append(
            Worker(
                client,
                task_queue=optimizer_task_queue,
                activities=AssignmentActivities(sessions, settings).all()
                + DispatchActivities(sessions, settings).optimizer()
                + InsertionActivities(sessions, settings).all(),
                # insertions wait for their batch in their slot; solves take turns on the
                # assignment advisory lock, so more slots never means two solves at once
                activity_executor=ThreadPoolExecutor(
                    max_workers=settings.optimizer_max_concurrent_activities
                ),
                max_concurrent_activities=settings.optimizer_max_concurrent_activities,
            )
        )
    return workers


async def run_workers(workers: Sequence[Worker]) -> None:
    """Run until cancelled; every worker shuts down gracefully."""
    await asyncio.gather(*(w.run() for w in workers))
