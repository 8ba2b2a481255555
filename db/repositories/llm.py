"""The LLM answer cache and call accounting (``llm_cache``, ``llm_calls``). Never commit."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from db.models import LlmCacheEntry, LlmCall


def cached_answer(session: Session, *, prompt_hash: str, now: datetime) -> dict | None:
    """The cached answer for ``prompt_hash`` when it has not expired at ``now``, else None."""
    return session.scalar(
        select(LlmCacheEntry.answer).where(
            LlmCacheEntry.prompt_hash == prompt_hash, LlmCacheEntry.expires_at > now
        )
    )


def store_answer(
    session: Session, *, prompt_hash: str, kind: str, model: str, answer: dict, expires_at: datetime
) -> None:
    """Cache ``answer`` under ``prompt_hash`` until ``expires_at`` (replacing an older row)."""
    values = {"kind": kind, "model": model, "answer": answer, "expires_at": expires_at}
    session.execute(
        insert(LlmCacheEntry)
        .values(prompt_hash=prompt_hash, **values)
        .on_conflict_do_update(index_elements=["prompt_hash"], set_={**values, "created_at": func.now()})
    )


def purge_expired(session: Session, *, now: datetime) -> int:
    """Delete cache rows expired at ``now``; the number deleted."""
    result = session.execute(delete(LlmCacheEntry).where(LlmCacheEntry.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)


def record_call(
    session: Session,
    *,
    kind: str,
    subject: str,
    prompt_hash: str,
    source: str,
    model: str | None,
    attempts: int,
    prompt_tokens: int,
    completion_tokens: int,
    cost_usd: Decimal,
    duration_ms: int,
    fallback_reason: str | None,
) -> LlmCall:
    """Store one call's accounting row (``source``: model, cache or fallback)."""
    row = LlmCall(
        kind=kind,
        subject=subject,
        prompt_hash=prompt_hash,
        source=source,
        model=model,
        attempts=attempts,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        cost_usd=cost_usd,
        duration_ms=duration_ms,
        fallback_reason=(fallback_reason or None) and fallback_reason[:200],
    )
    session.add(row)
    session.flush()
    return row


def calls(session: Session, *, kind: str | None = None, subject: str | None = None) -> list[LlmCall]:
    """Accounting rows, oldest first, optionally of one ``kind`` and/or ``subject``."""
    stmt = select(LlmCall).order_by(LlmCall.id)
    if kind is not None:
        stmt = stmt.where(LlmCall.kind == kind)
    if subject is not None:
        stmt = stmt.where(LlmCall.subject == subject)
    return list(session.scalars(stmt))
