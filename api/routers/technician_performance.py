"""``/api/v2/technicians/{technician_id}``: a technician's performance profile (seed 000 Phases 1.1-1.2).

Every staff key may call it within its scope: a technician only for himself, a manager for his
team, office and admin for everyone (404 otherwise, as for a technician that does not exist).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentScope, CurrentStaff, DbSession
from api.pagination import Pagination
from api.schemas.technician_performance import TechnicianJobsResponse, TechnicianPerformanceStats
from api.services import technician_performance as service
from domain.catalog import JobListCategory

router = APIRouter(prefix="/api/v2/technicians", tags=["technician performance"])


@router.get(
    "/{technician_id}/performance",
    response_model=TechnicianPerformanceStats,
    summary="A technician's performance totals",
)
def technician_performance(
    technician_id: str, db: DbSession, staff: CurrentStaff, scope: CurrentScope
) -> TechnicianPerformanceStats:
    """Completed jobs, revenue, returns (same customer within 30 days) and the split into pump
    outs, repairs and other jobs; zeros for a technician without completed jobs."""
    return service.performance(db, technician_id=technician_id, scope=scope)


@router.get(
    "/{technician_id}/jobs",
    response_model=TechnicianJobsResponse,
    summary="A technician's completed jobs",
)
def technician_jobs(
    technician_id: str,
    db: DbSession,
    staff: CurrentStaff,
    scope: CurrentScope,
    paging: Pagination,
    job_category: Annotated[
        JobListCategory,
        Query(description="pump_outs (pumping, grease_trap), repairs (repair, maintenance) or all"),
    ] = JobListCategory.ALL,
) -> TechnicianJobsResponse:
    """The technician's completed jobs in ``job_category``, newest scheduled date first, with
    parts cost and labor hours from job_costs and gallons pumped and tank size for pump outs."""
    return service.jobs(db, technician_id=technician_id, category=job_category, params=paging, scope=scope)
