"""The ``messages`` outbox: claim under an idempotency key, then record the outcome; list and read
rows for the API. Never commit.

Row status: ``claimed`` (in flight, or its outcome was lost) → ``sent``, or ``failed`` when the
provider refused it (certainly not sent, so a later attempt may claim it again). ``pending``
(prepared, the provider not called: a digest whose items are assigned) and ``refused`` (a gate
said no) may be claimed again too; ``held``/``suppressed`` rows are never sent themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, or_, select, text, true, update
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
    """Insert the row for ``key`` as ``claimed``, or take back a ``failed``, ``refused`` or
    ``pending`` one (with ``values``, e.g. a prepared digest's body); otherwise report the row as
    it is (``sent``, or ``claimed`` by an earlier attempt whose outcome was lost)."""
    claimed = session.execute(
        insert(Message)
        .values(idempotency_key=key, status="claimed", **values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Message.id)
    ).scalar_one_or_none()
    if claimed is None:
        claimed = session.execute(
            update(Message)
            .where(Message.idempotency_key == key, Message.status.in_(("failed", "refused", "pending")))
            .values(status="claimed", error=None, status_reason=None, **values)
            .returning(Message.id)
        ).scalar_one_or_none()
    row = session.scalars(select(Message).where(Message.idempotency_key == key)).one()
    return Claim(row.id, row.status, row.created_at, claimed is not None)


def status_of(session: Session, *, key: str) -> str | None:
    """The status of the outbox row of ``key`` (claimed, sent, failed), or None without one."""
    return session.scalars(select(Message.status).where(Message.idempotency_key == key)).first()


def mark_refused(session: Session, *, row_id: int, reason: str, at: datetime) -> None:
    """Record that the send was refused before the provider (``reason``: no consent, a cap); a
    later attempt may claim the row again once the reason is gone."""
    row = session.get(Message, row_id)
    if row is None:
        return
    row.status = "refused"
    row.status_reason = reason[:500]
    row.status_updated_at = at


def record_unsent(session: Session, *, key: str, status: str, reason: str, values: dict[str, object]) -> int:
    """Record a message that is deliberately not sent now under ``key`` (``suppressed``: the
    customer opted out; ``held``: waits for the daily digest), once; returns the row id."""
    session.execute(
        insert(Message)
        .values(idempotency_key=key, status=status, status_reason=reason[:500], **values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
    )
    return session.scalars(select(Message.id).where(Message.idempotency_key == key)).one()


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
    if row.status == "claimed":  # a delivery report may already have moved it on
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


def held_customer_ids(session: Session) -> list[int]:
    """Customers with messages held for their daily digest, or a digest prepared and not sent
    (``pending``), by id."""
    return list(
        session.scalars(
            select(Message.customer_id)
            .where(Message.status.in_(("held", "pending")), Message.customer_id.is_not(None))
            .distinct()
            .order_by(Message.customer_id)
        )
    )


def held_for(session: Session, *, customer_id: int) -> list[Message]:
    """The customer's held messages, oldest first, locked until the transaction ends (two digest
    runs cannot take the same item)."""
    return list(
        session.scalars(
            select(Message)
            .where(Message.status == "held", Message.customer_id == customer_id)
            .order_by(Message.created_at, Message.id)
            .with_for_update(skip_locked=True)
        )
    )


def mark_digested(session: Session, *, row_ids: list[int], digest_id: int, at: datetime) -> None:
    """Record that the held messages ``row_ids`` went out in digest message ``digest_id``."""
    session.execute(
        update(Message)
        .where(Message.id.in_(row_ids), Message.status == "held")
        .values(status="digested", digest_message_id=digest_id, status_updated_at=at)
    )


def digest_items_of(session: Session, *, digest_id: int) -> list[Message]:
    """The held messages a digest carries, oldest first."""
    return list(
        session.scalars(
            select(Message)
            .where(Message.digest_message_id == digest_id)
            .order_by(Message.created_at, Message.id)
        )
    )


def by_key(session: Session, *, key: str) -> Message | None:
    """The message under idempotency ``key``, or None."""
    return session.scalars(select(Message).where(Message.idempotency_key == key)).first()


def unfinished_digest(session: Session, *, customer_id: int, purpose: str) -> Message | None:
    """The customer's oldest digest prepared but not sent (``pending``), or None."""
    return session.scalars(
        select(Message)
        .where(Message.customer_id == customer_id, Message.purpose == purpose, Message.status == "pending")
        .order_by(Message.created_at, Message.id)
    ).first()


def lock_sms_counters(session: Session, *, to_address: str) -> None:
    """Serialise SMS cap checks for one number (and the daily total) until the transaction ends
    (``pg_advisory_xact_lock`` on a hash of the number in the ``messages`` class, and one shared
    key), so two concurrent claims cannot both pass a cap with one slot left."""
    session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext('messages'), hashtext(:phone))"), {"phone": to_address}
    )
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext('messages'), 0)"))


def sms_sent_since(
    session: Session, *, since: datetime, to_address: str | None = None, exclude_id: int
) -> int:
    """SMS that went out, or may have (``sent``, delivery statuses, ``claimed``), since ``since``:
    to ``to_address`` when given, else in total; ``exclude_id`` is the claim being checked."""
    stmt = select(func.count()).where(
        Message.channel == "sms",
        Message.created_at >= since,
        Message.id != exclude_id,
        Message.status.not_in(("failed", "refused", "suppressed", "held", "digested", "pending")),
    )
    if to_address is not None:
        stmt = stmt.where(Message.to_address == to_address)
    return int(session.execute(stmt).scalar_one())
