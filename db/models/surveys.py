"""``survey_links``: the single-use link of a post-service survey (issue 9, seed 004 Phase 2).

Like an approval link (``db/models/links.py``): only the SHA-256 of the token is stored and the
``nonce`` lets the reminder re-derive the same link with the server's secret key. One link per
work order (its survey is ``survey-{work_order_id}``); ``used_at`` is set by the answer that
claims it (page POST or SMS digit) together with ``rating``, ``comment`` and ``answered_via``
(``page``/``sms``), which the workflow then records as a review: the customer's words never enter
a workflow history. ``revoked_at`` is set when the survey closed unanswered.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, SmallInteger, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class SurveyLink(Base):
    """The survey link of one completed work order: ``expires_at`` is the survey's own deadline
    (the answer window after the first send)."""

    __tablename__ = "survey_links"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    nonce: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    answered_via: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
