"""Shared shapes of request bodies."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


def _refuse_null(cls: type, value: Any) -> Any:
    if value is None:
        raise ValueError("may not be null")
    return value


def refuse_nulls(*fields: str) -> Any:
    """A field validator for PATCH bodies: it runs only on fields the caller sent, so omitted
    means "unchanged" while an explicit null for a NOT NULL column is a 422 on that field."""
    return field_validator(*fields)(classmethod(_refuse_null))


class PatchModel(BaseModel):
    """A PATCH body: unknown fields are refused; ``changes()`` gives only what the caller sent."""

    model_config = ConfigDict(extra="forbid")

    def changes(self) -> dict[str, Any]:
        """The fields the caller sent, with their values."""
        return self.model_dump(exclude_unset=True)
