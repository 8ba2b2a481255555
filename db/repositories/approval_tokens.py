"""Approval-link tokens: issue, find by hash, consume, revoke. Never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.models import ApprovalToken, WorkOrder
from domain.approval_links import LinkClosed


def issue(
    session: Session,
    *,
    work_order_id: str,
    estimate_version: int,
    token_hash: str,
    nonce: str,
    expires_at: datetime,
) -> ApprovalToken:
    """Store a new link for one work order and estimate version."""
    token = ApprovalToken(
        work_order_id=work_order_id,
        estimate_version=estimate_version,
        token_hash=token_hash,
        nonce=nonce,
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    return token


def current(session: Session, *, work_order_id: str, estimate_version: int) -> ApprovalToken | None:
    """The live (unused, unrevoked) link of this estimate version, if any."""
    return session.scalars(
        select(ApprovalToken)
        .where(
            ApprovalToken.work_order_id == work_order_id,
            ApprovalToken.estimate_version == estimate_version,
            ApprovalToken.used_at.is_(None),
            ApprovalToken.revoked_at.is_(None),
        )
        .order_by(ApprovalToken.id.desc())
    ).first()


def find_by_hash(session: Session, *, token_hash: str) -> ApprovalToken | None:
    """The token row for this hash (single use is enforced by ``claim``)."""
    return session.scalars(select(ApprovalToken).where(ApprovalToken.token_hash == token_hash)).first()


def revoke_all(session: Session, *, work_order_id: str, at: datetime, reason: LinkClosed) -> None:
    """Revoke every live (unused, unrevoked) link of a work order at ``at``, recording ``reason``
    (estimate replaced, repair cancelled, declined or expired) for the link's page."""
    session.execute(
        update(ApprovalToken)
        .where(
            ApprovalToken.work_order_id == work_order_id,
            ApprovalToken.used_at.is_(None),
            ApprovalToken.revoked_at.is_(None),
        )
        .values(revoked_at=at, revoked_reason=reason.value)
    )


def claim(session: Session, *, token_id: int, at: datetime) -> bool:
    """Mark a live token used (single use); False when another request got it first."""
    result = session.execute(
        update(ApprovalToken)
        .where(
            ApprovalToken.id == token_id, ApprovalToken.used_at.is_(None), ApprovalToken.revoked_at.is_(None)
        )
        .values(used_at=at)
        .returning(ApprovalToken.id)
    )
    return result.scalar_one_or_none() is not None


def release(session: Session, *, token_id: int) -> None:
    """Undo a claim whose decision the workflow refused, so the link works again."""
    session.execute(update(ApprovalToken).where(ApprovalToken.id == token_id).values(used_at=None))


def live_for_customers(
    session: Session, *, customer_ids: list[int], now: datetime
) -> list[tuple[ApprovalToken, WorkOrder]]:
    """The customers' estimates waiting for an answer: each work order pending approval with its
    current, unused, unrevoked and unexpired link; oldest first."""
    return [
        (token, wo)
        for token, wo in session.execute(
            select(ApprovalToken, WorkOrder)
            .join(WorkOrder, WorkOrder.id == ApprovalToken.work_order_id)
            .where(
                WorkOrder.customer_id.in_(customer_ids),
                WorkOrder.status == "pending_approval",
                ApprovalToken.estimate_version == WorkOrder.estimate_version,
                ApprovalToken.used_at.is_(None),
                ApprovalToken.revoked_at.is_(None),
                ApprovalToken.expires_at > now,
            )
            .order_by(WorkOrder.created_at, WorkOrder.id)
        ).all()
    ]
