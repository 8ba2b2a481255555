"""The ``messages`` outbox: claim under an idempotency key, then record the outcome; list and read
rows for the API. Never commit.

Row status: ``claimed`` (in flight, or its outcome was lost) → ``sent``, or ``failed`` when the
provider refused it (certainly not sent, so a later attempt may claim it again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, or_, select, true, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from db.models import Customer, Message, WorkOrder
from db.repositories import customers, work_orders
from domain.access import Scope


@dataclass(frozen=True, slots=True)
class Claim:
    """The outbox row of a key: ``claimed_now`` True when this attempt owns the send."""

    row_id: int
    status: str
    created_at: datetime
    claimed_now: bool


def claim(session: Session, *, key: str, values: dict[str, object]) -> Claim:
    """Insert the row for ``key`` as ``claimed``, or take back a ``failed`` one; otherwise report
    the row as it is (``sent``, or ``claimed`` by an earlier attempt whose outcome was lost)."""
    claimed = session.execute(
        insert(Message)
        .values(idempotency_key=key, status="claimed", **values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Message.id)
    ).scalar_one_or_none()
    if claimed is None:
        claimed = session.execute(
            update(Message)
            .where(Message.idempotency_key == key, Message.status == "failed")
            .values(status="claimed", error=None)
            .returning(Message.id)
        ).scalar_one_or_none()
    row = session.scalars(select(Message).where(Message.idempotency_key == key)).one()
    return Claim(row.id, row.status, row.created_at, claimed is not None)


def status_of(session: Session, *, key: str) -> str | None:
    """The status of the outbox row of ``key`` (claimed, sent, failed), or None without one."""
    return session.scalars(select(Message.status).where(Message.idempotency_key == key)).first()


def mark_failed(session: Session, *, row_id: int, error: str, refused: bool) -> None:
    """Record a send error; ``refused`` (the provider said no) frees the row for a later claim."""
    row = session.get(Message, row_id)
    if row is None:
        return
    row.error = error[:2000]
    if refused:
        row.status = "failed"


def mark_sent(session: Session, *, row_id: int, provider_message_id: str, at: datetime) -> None:
    """Record the provider's id for a sent message."""
    row = session.get(Message, row_id)
    if row is None:
        return
    row.status = "sent"
    row.provider_message_id = provider_message_id
    row.sent_at = at
    row.error = None


def in_scope(scope: Scope) -> ColumnElement[bool]:
    """Messages in ``scope``: those of a work order in scope, and those of no work order whose
    customer is in scope."""
    if scope.technician_ids is None:
        return true()
    return or_(
        Message.work_order_id.in_(select(WorkOrder.id).where(work_orders.in_scope(scope))),
        Message.work_order_id.is_(None)
        & Message.customer_id.in_(select(Customer.id).where(customers.in_scope(scope))),
    )


def list_stmt(
    *,
    work_order_id: str | None = None,
    customer_id: int | None = None,
    channel: str | None = None,
    purpose: str | None = None,
    scope: Scope,
) -> Select[Message]:
    """Messages in ``scope`` newest first, optionally of one work order, customer, channel or purpose."""
    stmt = select(Message).where(in_scope(scope)).order_by(Message.created_at.desc(), Message.id.desc())
    if work_order_id:
        stmt = stmt.where(Message.work_order_id == work_order_id)
    if customer_id is not None:
        stmt = stmt.where(Message.customer_id == customer_id)
    if channel:
        stmt = stmt.where(Message.channel == channel)
    if purpose:
        stmt = stmt.where(Message.purpose == purpose)
    return stmt


def get(session: Session, *, message_id: int, scope: Scope) -> Message | None:
    """The message, or None when it does not exist or is outside ``scope``."""
    return session.scalars(select(Message).where(Message.id == message_id, in_scope(scope))).first()


def approval_counts(session: Session, *, work_order_id: str) -> tuple[int, int]:
    """(approval reminders sent, approval messages that failed) of a work order, from the outbox."""
    rows = session.execute(
        select(Message.purpose, Message.status, func.count())
        .where(Message.work_order_id == work_order_id, Message.purpose.like("approval-%"))
        .group_by(Message.purpose, Message.status)
    ).all()
    reminders = sum(
        n for purpose, status, n in rows if purpose.startswith("approval-reminder") and status == "sent"
    )
    failures = sum(n for _, status, n in rows if status != "sent")
    return reminders, failures
