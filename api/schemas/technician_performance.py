"""Response bodies of ``/api/v2/technicians/{technician_id}/performance`` and ``/jobs``, with the
field names and JSON types of seed 000 Phase 1.1-1.2.

Amounts and hours are exact Decimals inside and JSON numbers on the wire (the seed's ``float``),
so a client reads ``"total_revenue": 45230.17``; money is never computed in floating point here.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from domain.catalog import JobListCategory

#: An exact amount (USD or hours) written as a JSON number.
Number = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


class TechnicianPerformanceStats(BaseModel):
    """Totals of a technician's completed jobs; all zeros for a technician without any."""

    technician_id: str
    total_jobs_completed: int
    total_revenue: Number = Field(description="USD, sum of total_amount")
    returns_count: int = Field(
        description="completed jobs at a customer who had another of his completed jobs 1-30 days earlier"
    )
    pump_out_jobs: int = Field(description="job_type pumping or grease_trap")
    pump_out_revenue: Number
    repair_jobs: int = Field(description="job_type repair or maintenance")
    repair_revenue: Number
    other_jobs: int = Field(description="every other job type (inspection, installation, emergency, ...)")
    other_revenue: Number


class TechnicianJobDetail(BaseModel):
    """One completed job of the technician."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    scheduled_date: date
    completed_date: datetime | None = Field(description="actual_end_time, UTC")
    customer_id: int
    customer_name: str = Field(description="customer's first and last name")
    service_location: str | None
    job_type: str
    status: str
    total_amount: Number | None = Field(description="USD")
    duration_minutes: int | None = Field(description="total_labor_minutes")
    notes: str | None
    gallons_pumped: int | None = Field(description="pump outs only")
    tank_size: str | None = Field(description="pump outs only, e.g. '1000 gal'")
    labor_hours: Number | None = Field(description="job_costs of cost_type labor in hours (0 when none)")
    parts_cost: Number | None = Field(description="USD, job_costs of cost_type materials (0 when none)")


class TechnicianJobsResponse(BaseModel):
    """One page of a technician's completed jobs, newest scheduled date first."""

    items: list[TechnicianJobDetail]
    total: int
    page: int
    page_size: int
    job_category: JobListCategory
