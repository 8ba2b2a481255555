"""Technician performance service (seed 000 Phases 1.1-1.2): one technician's totals and job list.

Both take the caller's ``Scope`` (``domain.access``): a technician sees only himself, a manager
his team, office and admin everyone; an unknown technician or one outside the scope is a 404.
Never commits; the request boundary does. Each answer is one statement (two for an empty page):
the existence check rides along with the totals (``fieldops bench analytics`` measures them).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.errors import NotFound
from api.pagination import PageParams
from api.schemas.technician_performance import (
    TechnicianJobDetail,
    TechnicianJobsResponse,
    TechnicianPerformanceStats,
)
from db.repositories import technician_performance as repo
from domain.access import Scope
from domain.catalog import JobListCategory


def _not_found(technician_id: str) -> NotFound:
    return NotFound(f"technician {technician_id} does not exist")


def performance(session: Session, *, technician_id: str, scope: Scope) -> TechnicianPerformanceStats:
    """Totals of the technician's completed jobs; NotFound when he does not exist or is outside ``scope``."""
    if not scope.sees_technician(technician_id):
        raise _not_found(technician_id)
    totals = repo.performance(session, technician_id=technician_id)
    if totals is None:
        raise _not_found(technician_id)
    return TechnicianPerformanceStats(
        technician_id=technician_id,
        total_jobs_completed=totals.total_jobs,
        total_revenue=totals.total_revenue,
        returns_count=totals.returns_count,
        pump_out_jobs=totals.pump_out_jobs,
        pump_out_revenue=totals.pump_out_revenue,
        repair_jobs=totals.repair_jobs,
        repair_revenue=totals.repair_revenue,
        other_jobs=totals.other_jobs,
        other_revenue=totals.other_revenue,
    )


def jobs(
    session: Session, *, technician_id: str, category: JobListCategory, params: PageParams, scope: Scope
) -> TechnicianJobsResponse:
    """One page of the technician's completed jobs in ``category``, newest first; NotFound when he
    does not exist or is outside ``scope``."""
    if not scope.sees_technician(technician_id):
        raise _not_found(technician_id)
    page = repo.jobs_page(
        session,
        technician_id=technician_id,
        category=category,
        limit=params.page_size,
        offset=params.offset,
    )
    if page is None:
        raise _not_found(technician_id)
    rows, total = page
    return TechnicianJobsResponse(
        items=[TechnicianJobDetail.model_validate(row) for row in rows],
        total=total,
        page=params.page,
        page_size=params.page_size,
        job_category=category,
    )
