"""The records the LLM helpers read: a work order's audit trail, outbox messages and costs, a
customer's jobs, open invoices and own words. Read only; never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import AuditLog, Invoice, JobCost, Message, ServiceRequest, WorkOrder


@dataclass(frozen=True, slots=True)
class TrailEntry:
    """One audit row of a work order: when, the actor's kind (``office``, ``technician``,
    ``customer``, ``workflow``…; never a person's name) and the action."""

    at: datetime
    actor_kind: str
    action: str


def audit_trail(session: Session, *, work_order_id: str) -> list[TrailEntry]:
    """The work order's audit rows, oldest first."""
    rows = session.execute(
        select(AuditLog.occurred_at, AuditLog.actor, AuditLog.action)
        .where(AuditLog.entity_id == work_order_id)
        .order_by(AuditLog.occurred_at, AuditLog.id)
    ).all()
    return [TrailEntry(at, actor.split(":", 1)[0], action) for at, actor, action in rows]


@dataclass(frozen=True, slots=True)
class MessageEntry:
    """One outbox message of a work order: purpose, channel, status and time (no body, no address)."""

    at: datetime
    purpose: str
    channel: str
    status: str


def work_order_messages(session: Session, *, work_order_id: str) -> list[MessageEntry]:
    """The work order's outbox messages, oldest first."""
    rows = session.execute(
        select(Message.created_at, Message.purpose, Message.channel, Message.status)
        .where(Message.work_order_id == work_order_id)
        .order_by(Message.created_at, Message.id)
    ).all()
    return [MessageEntry(*row) for row in rows]


def cost_totals(session: Session, *, work_order_id: str) -> dict[str, Decimal]:
    """The work order's job costs in USD summed per ``cost_type`` (labor, parts…)."""
    rows = session.execute(
        select(JobCost.cost_type, func.sum(JobCost.total_cost))
        .where(JobCost.work_order_id == work_order_id)
        .group_by(JobCost.cost_type)
        .order_by(JobCost.cost_type)
    ).all()
    return {kind: total for kind, total in rows}


def customer_jobs(session: Session, *, customer_id: int) -> list[WorkOrder]:
    """Every work order of the customer, oldest first."""
    return list(
        session.scalars(
            select(WorkOrder)
            .where(WorkOrder.customer_id == customer_id)
            .order_by(WorkOrder.scheduled_date, WorkOrder.id)
        )
    )


def job_day(wo: WorkOrder, time_zone: str) -> date:
    """The day a work order happened: its completion's date in ``time_zone``, else its scheduled day."""
    if wo.actual_end_time is None:
        return wo.scheduled_date
    return wo.actual_end_time.astimezone(ZoneInfo(time_zone)).date()


def open_invoice_balance(session: Session, *, customer_id: int) -> tuple[int, Decimal]:
    """The customer's invoices with a balance due: how many, and the balance in USD."""
    count, balance = session.execute(
        select(func.count(Invoice.id), func.coalesce(func.sum(Invoice.balance), 0)).where(
            Invoice.customer_id == customer_id, Invoice.balance > 0
        )
    ).one()
    return int(count), Decimal(balance)


def request_descriptions(session: Session, *, customer_id: int, limit: int = 20) -> list[str]:
    """The customer's own words on their service requests (newest first, at most ``limit``)."""
    return [
        text
        for text in session.scalars(
            select(ServiceRequest.description)
            .where(ServiceRequest.customer_id == customer_id, ServiceRequest.description.is_not(None))
            .order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc())
            .limit(limit)
        )
        if text and text.strip()
    ]
