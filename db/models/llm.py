"""``llm_cache`` and ``llm_calls`` (seed 004 Phase 2: LLM answer cache with a TTL, and token and
cost accounting per call)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, DateTime, Integer, Numeric, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base

#: where an answer came from: the model, the cache, or the deterministic fallback
LLM_SOURCES = ("model", "cache", "fallback")


class LlmCacheEntry(Base):
    """One validated answer (the output model's JSON) for ``prompt_hash``, valid until
    ``expires_at``; an expired row is replaced by the next call that reaches the model."""

    __tablename__ = "llm_cache"

    prompt_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    model: Mapped[str] = mapped_column(String(100))
    answer: Mapped[dict] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class LlmCall(Base):
    """One call of an LLM helper: ``kind`` (e.g. ``timeline_summary``) about ``subject`` (a
    business id such as ``work_order:WO-…`` or ``customer:12``), answered from ``source``;
    tokens as the server counted them, ``cost_usd`` from the configured prices per million
    tokens, ``attempts`` the chat-completion requests made (0 for cache and fallback without
    a key), ``fallback_reason`` why the model's answer was not used."""

    __tablename__ = "llm_calls"
    __table_args__ = (CheckConstraint("source IN ('model', 'cache', 'fallback')", name="source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str] = mapped_column(String(80))
    prompt_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(20))
    model: Mapped[str | None] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cost_usd: Mapped[Decimal] = mapped_column(Numeric(12, 6), default=Decimal("0"), server_default="0")
    duration_ms: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    fallback_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
