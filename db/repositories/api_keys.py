"""Staff API key rows: store one, find one by prefix; keyword-only, never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import ApiKey
from db.repositories import rows


def add(
    session: Session,
    *,
    name: str,
    role: str,
    key_prefix: str,
    key_hash: str,
    technician_id: str | None = None,
) -> ApiKey:
    """Insert a key row (its hash, never the key) and flush."""
    return rows.add(
        session,
        ApiKey(name=name, role=role, key_prefix=key_prefix, key_hash=key_hash, technician_id=technician_id),
    )


def by_prefix(session: Session, *, key_prefix: str) -> ApiKey | None:
    """The key row with this prefix (revoked or not) or None."""
    return session.scalars(select(ApiKey).where(ApiKey.key_prefix == key_prefix)).first()
