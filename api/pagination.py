"""``page``/``page_size`` pagination (max 100) shared by every list endpoint."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")
MAX_PAGE_SIZE = 100


class PageParams(BaseModel):
    """Requested page (1-based) and size."""

    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def page_params(
    page: Annotated[int, Query(ge=1, le=100_000, description="1-based page number")] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="items per page, max 100")] = 20,
) -> PageParams:
    """Query parameters ``page`` and ``page_size``."""
    return PageParams(page=page, page_size=page_size)


Pagination = Annotated[PageParams, Depends(page_params)]


class Page(BaseModel, Generic[T]):
    """One page of results and the total count."""

    items: list[T]
    total: int
    page: int
    page_size: int


def paginate(session: Session, stmt: Select, params: PageParams) -> tuple[list, int]:
    """Rows of ``stmt`` for the page and the total count of ``stmt``."""
    total = session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    rows = list(session.scalars(stmt.limit(params.page_size).offset(params.offset)))
    return rows, total
