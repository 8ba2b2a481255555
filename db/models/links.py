"""Links customers open without an account: ``approval_tokens`` (single-use estimate approval).
Portal magic links will live here too."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base
from domain.approval_links import LinkClosed

#: SQL of the allowed ``revoked_reason`` values (NULL while the link is live or was used).
REVOKED_REASONS_SQL = "revoked_reason IN (" + ", ".join(f"'{r.value}'" for r in LinkClosed) + ")"


class ApprovalToken(Base):
    """A single-use approval link bound to one work order and one estimate version.

    Only the SHA-256 of the token is stored; ``nonce`` lets the reminder re-derive the same
    link with the server's secret key (HMAC), so both messages carry a working link.
    ``revoked_at`` and ``revoked_reason`` (a :class:`domain.approval_links.LinkClosed` value)
    say when and why a link was revoked, so its page can tell the customer.
    """

    __tablename__ = "approval_tokens"
    __table_args__ = (CheckConstraint(REVOKED_REASONS_SQL, name="revoked_reason"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id"), index=True)
    estimate_version: Mapped[int] = mapped_column(Integer)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    nonce: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
