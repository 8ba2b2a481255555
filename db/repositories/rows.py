"""Writes every model shares: insert a row, change some of its fields. Never commit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from db.base import Base

M = TypeVar("M", bound=Base)


def add(session: Session, row: M) -> M:
    """Insert ``row`` and flush, so its generated keys are set (raises IntegrityError on a
    duplicate key or a broken reference)."""
    session.add(row)
    session.flush()
    return row


def update_fields(session: Session, row: M, changes: Mapping[str, Any]) -> M:
    """Set the given attributes of ``row`` (a PATCH's changes) and flush."""
    for name, value in changes.items():
        setattr(row, name, value)
    session.flush()
    return row
