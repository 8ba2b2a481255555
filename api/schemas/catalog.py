"""Request and response bodies of ``/api/v1/catalog`` (job types and their base prices)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas.common import Money, PatchModel, RequestBody

CODE_PATTERN = r"^[a-z][a-z0-9_]{1,39}$"

Category = Literal["pump_out", "repair", "other"]
Duration = Annotated[int, Field(ge=1, le=1440, description="minutes on site")]
EntryName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Skill = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]

_REQUIRED = frozenset({"name", "category", "base_price", "duration_minutes", "required_skill", "is_active"})


class CatalogEntryCreate(RequestBody):
    """A new job type."""

    code: str = Field(pattern=CODE_PATTERN, examples=["lift_station"])
    name: EntryName
    category: Category
    base_price: Money = Field(examples=["180.00"])
    duration_minutes: Duration
    required_skill: Skill = Field(examples=["repair"])
    is_active: bool = True


class CatalogEntryUpdate(PatchModel):
    """PATCH: only the fields given change; the code is the key and never changes."""

    name: EntryName | None = None
    category: Category | None = None
    base_price: Money | None = None
    duration_minutes: Duration | None = None
    required_skill: Skill | None = None
    is_active: bool | None = None

    not_null = _REQUIRED


class CatalogEntryOut(BaseModel):
    """A job type as stored."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    category: str
    base_price: Decimal
    duration_minutes: int
    required_skill: str
    is_active: bool
    created_at: datetime
    updated_at: datetime
