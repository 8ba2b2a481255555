"""LLM helper answers (seed 004 Phase 2): the structured answer of ``domain.contracts.llm``, the
facts it was written from, and where it came from."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from domain.contracts.llm import Answer

T = TypeVar("T", bound=Answer)


class HelperOut(BaseModel, Generic[T]):
    """One helper answer. ``source``: ``model`` (the LLM answered now), ``cache`` (an earlier
    answer to the same prompt, within the cache TTL) or ``fallback`` (deterministic templates
    and rules: no API key, or the model failed; ``fallback_reason`` says why)."""

    kind: str
    subject: str = Field(description="what the answer is about, e.g. `work_order:WO-20261122-0001`")
    source: Literal["model", "cache", "fallback"]
    model: str | None = Field(default=None, description="the LLM that wrote it (None for the fallback)")
    fallback_reason: str | None = None
    answer: T
    facts: dict[str, Any] = Field(
        default_factory=dict, description="the data the answer was written from (ids, dates, amounts, counts)"
    )
