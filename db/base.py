"""Declarative base, money and time column types shared by every model."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from sqlalchemy import DateTime, MetaData, Numeric, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Money in USD: Numeric(12, 2), Decimal in Python, never float.
Money = Annotated[Decimal, mapped_column(Numeric(12, 2))]
#: Timezone-aware UTC timestamp.
UtcDateTime = Annotated[datetime, mapped_column(DateTime(timezone=True))]


class Base(DeclarativeBase):
    """Base of every model; constraint names follow ``NAMING`` so migrations are stable."""

    metadata = MetaData(naming_convention=NAMING)


class Timestamped:
    """``created_at``/``updated_at`` set by the database (aware UTC)."""

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
