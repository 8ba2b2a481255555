"""Seed 001 Phase 1.2's technician figures, derived from the records instead of stored counters:
``repairs_completed``, ``average_repair_time`` and ``customer_rating``; never commit.

- ``repairs_completed``: the technician's completed work orders in seed 000's *repairs* category
  (``domain.catalog.REPAIR_JOB_TYPES``: repair and maintenance), the same count as ``repair_jobs``
  of ``GET /api/v2/technicians/{id}/performance``;
- ``average_repair_time``: the mean labor time (``work_orders.total_labor_minutes``, what the
  technician records at completion) of those repairs, None when none has it;
- ``customer_rating``: the mean ``reviews.rating`` (1-5, seed 004; every source: typed in by staff
  or a survey answer) of the reviews naming the technician, to two decimals (001's
  ``DecimalField(3, 2)``), None before his first review.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Review, WorkOrder
from domain.catalog import REPAIR_JOB_TYPES
from domain.work_status import WorkStatus

_REPAIRS = sorted(REPAIR_JOB_TYPES)
_RATING_STEP = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class TechnicianFigures:
    """One technician's seed 001 Phase 1.2 figures (definitions in the module docstring)."""

    repairs_completed: int = 0
    average_repair_time: timedelta | None = None
    customer_rating: Decimal | None = None


def figures(session: Session, technician_ids: Collection[str]) -> dict[str, TechnicianFigures]:
    """The figures of each of ``technician_ids`` (zeros and None for one without repairs or
    reviews); two statements whatever the number of technicians."""
    ids = sorted(set(technician_ids))
    if not ids:
        return {}
    repairs = {
        tech: (count, minutes)
        for tech, count, minutes in session.execute(
            select(WorkOrder.technician_id, func.count(), func.avg(WorkOrder.total_labor_minutes))
            .where(
                WorkOrder.technician_id.in_(ids),
                WorkOrder.status == WorkStatus.COMPLETED.value,
                WorkOrder.job_type.in_(_REPAIRS),
            )
            .group_by(WorkOrder.technician_id)
        )
    }
    ratings = dict(
        session.execute(
            select(Review.technician_id, func.avg(Review.rating))
            .where(Review.technician_id.in_(ids))
            .group_by(Review.technician_id)
        ).all()
    )
    out: dict[str, TechnicianFigures] = {}
    for tech in ids:
        count, minutes = repairs.get(tech, (0, None))
        rating = ratings.get(tech)
        out[tech] = TechnicianFigures(
            repairs_completed=count,
            average_repair_time=None if minutes is None else timedelta(seconds=round(float(minutes) * 60)),
            customer_rating=None if rating is None else Decimal(rating).quantize(_RATING_STEP, ROUND_HALF_UP),
        )
    return out
