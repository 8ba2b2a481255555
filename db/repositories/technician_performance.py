"""Technician performance (seed 000 Phases 1.1-1.2): totals and the job list of one technician's
completed work orders; never commit.

Same semantics as the seed's SQL (``tests/integration/seed000``), written with SQLAlchemy:
- only ``work_orders`` of the technician with ``status = 'completed'`` count;
- pump outs are ``pumping`` and ``grease_trap``, repairs ``repair`` and ``maintenance``
  (``domain.catalog``), every other job type is "other";
- a *return* is a completed job whose customer had another of the technician's completed jobs
  1 to 30 days (by ``scheduled_date``) before it; each such job counts once;
- ``parts_cost`` sums ``job_costs.total_cost`` of ``cost_type = 'materials'``, ``labor_hours`` the
  ``quantity`` of ``cost_type = 'labor'`` with ``unit = 'hour'`` (0 when there are none);
- the job list is newest ``scheduled_date`` first (ties by id, newest first, so pages are stable).

Totals and the job list's count come from ``technician_customer_totals`` (migration 0011: a rollup
per technician and customer that triggers on ``work_orders`` keep current); the page itself from
the partial index of completed jobs newest first. ``performance_from_work_orders`` is the direct
computation the rollup is checked against.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, Row, and_, exists, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from db.models import Customer, JobCost, TechnicianCustomerTotals, WorkOrder
from domain.catalog import PUMP_OUT_JOB_TYPES, REPAIR_JOB_TYPES, JobListCategory
from domain.work_status import WorkStatus

COMPLETED = WorkStatus.COMPLETED.value
_PUMP_OUTS = sorted(PUMP_OUT_JOB_TYPES)
_REPAIRS = sorted(REPAIR_JOB_TYPES)


@dataclass(frozen=True, slots=True)
class PerformanceTotals:
    """Counts and USD sums (Decimal) of one technician's completed jobs."""

    total_jobs: int
    total_revenue: Decimal
    returns_count: int
    pump_out_jobs: int
    pump_out_revenue: Decimal
    repair_jobs: int
    repair_revenue: Decimal
    other_jobs: int
    other_revenue: Decimal


def _completed_of(order: type[WorkOrder], technician_id: str) -> ColumnElement[bool]:
    return and_(order.technician_id == technician_id, order.status == COMPLETED)


def performance(session: Session, *, technician_id: str) -> PerformanceTotals:
    """Totals of ``technician_id``'s completed jobs; zeros when he has none (or does not exist).

    Read from ``technician_customer_totals`` (one row per customer he served, kept current by the
    database's triggers), so the cost grows with his customers, not his jobs. Equal to the seed's
    SQL because every return lies within one (technician, customer) pair.
    """
    t = TechnicianCustomerTotals

    def total(column: InstrumentedAttribute[int] | InstrumentedAttribute[Decimal]) -> ColumnElement:
        return func.coalesce(func.sum(column), 0)

    row = session.execute(
        select(
            total(t.jobs),
            total(t.revenue),
            total(t.returns),
            total(t.pump_out_jobs),
            total(t.pump_out_revenue),
            total(t.repair_jobs),
            total(t.repair_revenue),
            total(t.other_jobs),
            total(t.other_revenue),
        ).where(t.technician_id == technician_id)
    ).one()
    return PerformanceTotals(*row)


def performance_from_work_orders(session: Session, *, technician_id: str) -> PerformanceTotals:
    """The same totals computed from ``work_orders`` directly (the seed's method, one statement);
    what the rollup is checked against in tests and ``fieldops bench analytics``."""
    job = aliased(WorkOrder, name="c1")
    earlier = aliased(WorkOrder, name="c2")
    returns = (
        select(func.count())
        .select_from(job)
        .where(
            _completed_of(job, technician_id),
            exists().where(
                _completed_of(earlier, technician_id),
                earlier.customer_id == job.customer_id,
                earlier.id != job.id,
                (job.scheduled_date - earlier.scheduled_date).between(1, 30),
            ),
        )
        .scalar_subquery()
    )
    pump_out = WorkOrder.job_type.in_(_PUMP_OUTS)
    repair = WorkOrder.job_type.in_(_REPAIRS)
    other = WorkOrder.job_type.not_in(_PUMP_OUTS + _REPAIRS)

    def revenue(where: ColumnElement[bool] | None = None) -> ColumnElement[Decimal]:
        total = func.sum(WorkOrder.total_amount)
        return func.coalesce(total if where is None else total.filter(where), 0)

    row = session.execute(
        select(
            func.count(),
            revenue(),
            returns,
            func.count().filter(pump_out),
            revenue(pump_out),
            func.count().filter(repair),
            revenue(repair),
            func.count().filter(other),
            revenue(other),
        ).where(_completed_of(WorkOrder, technician_id))
    ).one()
    return PerformanceTotals(*row)


def _category_count(session: Session, technician_id: str, category: JobListCategory) -> int:
    """How many completed jobs of ``technician_id`` fall in ``category`` (from the rollup)."""
    t = TechnicianCustomerTotals
    column = {
        JobListCategory.PUMP_OUTS: t.pump_out_jobs,
        JobListCategory.REPAIRS: t.repair_jobs,
        JobListCategory.ALL: t.jobs,
    }[category]
    return int(
        session.execute(
            select(func.coalesce(func.sum(column), 0)).where(t.technician_id == technician_id)
        ).scalar_one()
    )


def jobs_page(
    session: Session, *, technician_id: str, category: JobListCategory, limit: int, offset: int
) -> tuple[list[Row], int]:
    """One page of ``technician_id``'s completed jobs in ``category`` and their total count.

    Each row has ``id, scheduled_date, completed_date, customer_id, customer_name,
    service_location, job_type, status, total_amount, duration_minutes, notes, gallons_pumped,
    tank_size, parts_cost, labor_hours`` (money and hours Decimal, ``completed_date`` aware UTC).
    """
    where = [_completed_of(WorkOrder, technician_id)]
    if category.job_types is not None:
        where.append(WorkOrder.job_type.in_(sorted(category.job_types)))
    parts_cost = (
        select(func.coalesce(func.sum(JobCost.total_cost), 0))
        .where(JobCost.work_order_id == WorkOrder.id, JobCost.cost_type == "materials")
        .scalar_subquery()
    )
    labor_hours = (
        select(func.coalesce(func.sum(JobCost.quantity), 0))
        .where(JobCost.work_order_id == WorkOrder.id, JobCost.cost_type == "labor", JobCost.unit == "hour")
        .scalar_subquery()
    )
    stmt = (
        select(
            WorkOrder.id,
            WorkOrder.scheduled_date,
            WorkOrder.actual_end_time.label("completed_date"),
            WorkOrder.customer_id,
            (Customer.first_name + " " + Customer.last_name).label("customer_name"),
            WorkOrder.service_location,
            WorkOrder.job_type,
            WorkOrder.status,
            WorkOrder.total_amount,
            WorkOrder.total_labor_minutes.label("duration_minutes"),
            WorkOrder.notes,
            WorkOrder.gallons_pumped,
            WorkOrder.tank_size,
            parts_cost.label("parts_cost"),
            labor_hours.label("labor_hours"),
        )
        .outerjoin(Customer, Customer.id == WorkOrder.customer_id)
        .where(*where)
        .order_by(WorkOrder.scheduled_date.desc(), WorkOrder.id.desc())
    )
    total = _category_count(session, technician_id, category)
    rows = list(session.execute(stmt.limit(limit).offset(offset)))
    return rows, total
