"""``lot_walks`` reads and writes; keyword-only, never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import LotWalk, WorkOrder


def get(session: Session, lot_walk_id: str, *, lock: bool = False) -> LotWalk | None:
    """The walk or None; ``lock`` takes a row lock (SELECT … FOR UPDATE)."""
    stmt = select(LotWalk).where(LotWalk.id == lot_walk_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def by_token_hash(session: Session, *, token_hash: str) -> LotWalk | None:
    """The walk whose approval link has this SHA-256 hash, or None."""
    return session.scalars(select(LotWalk).where(LotWalk.approval_token_hash == token_hash)).first()


def repairs(session: Session, *, lot_walk_id: str) -> list[WorkOrder]:
    """The work orders of the repairs the walk found, in walk order (position)."""
    stmt = (
        select(WorkOrder)
        .where(WorkOrder.lot_walk_id == lot_walk_id, WorkOrder.from_lot_walk.is_(True))
        .order_by(WorkOrder.repair_position)
    )
    return list(session.scalars(stmt))
