"""``audit_log`` appends; never commit (the boundary does)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from db.models import AuditLog


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity_id: str,
    details: dict[str, Any] | None = None,
    entity_type: str = "work_order",
) -> None:
    """Append one audit_log row: who (``actor``) did what (``action``) to which record, and details."""
    session.add(
        AuditLog(
            actor=actor, action=action, entity_type=entity_type, entity_id=entity_id, details=details or {}
        )
    )
