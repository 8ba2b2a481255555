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
the covering partial index of completed jobs newest first (migration 0017), whose parts cost and
labor hours are the work order's ``parts_cost``/``labor_hours`` that triggers on ``job_costs`` keep
equal to the seed's sums. ``performance_from_work_orders`` is the direct
computation the rollup is checked against.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, Integer, Row, Select, String, and_, bindparam, exists, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from db.models import Customer, Technician, TechnicianCustomerTotals, WorkOrder
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


_TECHNICIAN = bindparam("technician_id", type_=String())
_T = TechnicianCustomerTotals
_KNOWN = exists().where(Technician.id == _TECHNICIAN)


def _rollup_sum(column: InstrumentedAttribute[int] | InstrumentedAttribute[Decimal]) -> ColumnElement:
    """The technician's total of one rollup column, 0 when he has no completed job."""
    return func.coalesce(func.sum(column), 0)


#: built once: each call only binds the technician (SQLAlchemy's compiled cache does the rest)
_PERFORMANCE = select(
    _KNOWN,
    _rollup_sum(_T.jobs),
    _rollup_sum(_T.revenue),
    _rollup_sum(_T.returns),
    _rollup_sum(_T.pump_out_jobs),
    _rollup_sum(_T.pump_out_revenue),
    _rollup_sum(_T.repair_jobs),
    _rollup_sum(_T.repair_revenue),
    _rollup_sum(_T.other_jobs),
    _rollup_sum(_T.other_revenue),
).where(_T.technician_id == _TECHNICIAN)


def performance(session: Session, *, technician_id: str) -> PerformanceTotals | None:
    """Totals of ``technician_id``'s completed jobs (zeros when he has none); None when no such
    technician exists. One statement.

    Read from ``technician_customer_totals`` (one row per customer he served, kept current by the
    database's triggers), so the cost grows with his customers, not his jobs. Equal to the seed's
    SQL because every return lies within one (technician, customer) pair.
    """
    known, *totals = session.execute(_PERFORMANCE, {"technician_id": technician_id}).one()
    return PerformanceTotals(*totals) if known else None


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


_CATEGORY_COUNT = {
    JobListCategory.PUMP_OUTS: _T.pump_out_jobs,
    JobListCategory.REPAIRS: _T.repair_jobs,
    JobListCategory.ALL: _T.jobs,
}


def _count_statement(category: JobListCategory) -> Select:
    """(technician exists, completed jobs in ``category``) from the rollup."""
    return select(_KNOWN, _rollup_sum(_CATEGORY_COUNT[category])).where(_T.technician_id == _TECHNICIAN)


def _page_statement(category: JobListCategory) -> Select:
    """One page (``limit``/``offset`` bound) of the technician's completed jobs in ``category``,
    newest first, with the category's total count (from the rollup) on every row.

    Keyset order (``scheduled_date DESC, id DESC``) on ``ix_work_orders_completed_page``
    (migration 0017), which carries every column read here, parts cost and labor hours included
    (kept on the work order by triggers on ``job_costs``): the page is an index-only scan of one or
    two leaf pages, joined to its customers for their names."""
    where = [WorkOrder.technician_id == _TECHNICIAN, WorkOrder.status == COMPLETED]
    if category.job_types is not None:
        where.append(WorkOrder.job_type.in_(sorted(category.job_types)))
    page = (
        select(
            WorkOrder.id,
            WorkOrder.scheduled_date,
            WorkOrder.actual_end_time.label("completed_date"),
            WorkOrder.customer_id,
            WorkOrder.service_location,
            WorkOrder.job_type,
            WorkOrder.status,
            WorkOrder.total_amount,
            WorkOrder.total_labor_minutes.label("duration_minutes"),
            WorkOrder.notes,
            WorkOrder.gallons_pumped,
            WorkOrder.tank_size,
            WorkOrder.parts_cost,
            WorkOrder.labor_hours,
        )
        .where(*where)
        .order_by(WorkOrder.scheduled_date.desc(), WorkOrder.id.desc())
        .limit(bindparam("limit", type_=Integer()))
        .offset(bindparam("offset", type_=Integer()))
        .subquery("page")
    )
    total = (
        select(_rollup_sum(_CATEGORY_COUNT[category]))
        .where(_T.technician_id == _TECHNICIAN)
        .scalar_subquery()
    )
    # the customers of the page's rows only (not of the rows the offset skips)
    return (
        select(
            page.c.id,
            page.c.scheduled_date,
            page.c.completed_date,
            page.c.customer_id,
            (Customer.first_name + " " + Customer.last_name).label("customer_name"),
            page.c.service_location,
            page.c.job_type,
            page.c.status,
            page.c.total_amount,
            page.c.duration_minutes,
            page.c.notes,
            page.c.gallons_pumped,
            page.c.tank_size,
            page.c.parts_cost,
            page.c.labor_hours,
            total.label("total"),
        )
        .outerjoin(Customer, Customer.id == page.c.customer_id)
        .order_by(page.c.scheduled_date.desc(), page.c.id.desc())
    )


_PAGES = {category: _page_statement(category) for category in JobListCategory}
_COUNTS = {category: _count_statement(category) for category in JobListCategory}


def jobs_page(
    session: Session, *, technician_id: str, category: JobListCategory, limit: int, offset: int
) -> tuple[list[Row], int] | None:
    """One page of ``technician_id``'s completed jobs in ``category`` and their total count; None
    when no such technician exists. One statement when the page has rows, two when it is empty.

    Each row has ``id, scheduled_date, completed_date, customer_id, customer_name,
    service_location, job_type, status, total_amount, duration_minutes, notes, gallons_pumped,
    tank_size, parts_cost, labor_hours`` (money and hours Decimal, ``completed_date`` aware UTC).
    """
    params = {"technician_id": technician_id, "limit": limit, "offset": offset}
    rows = list(session.execute(_PAGES[category], params))
    if rows:  # a job of his exists, so he does
        return rows, int(rows[0].total)
    known, total = session.execute(_COUNTS[category], {"technician_id": technician_id}).one()
    return ([], int(total)) if known else None
