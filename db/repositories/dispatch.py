"""Dispatch reads and writes: a day's open jobs and technicians, plans and their routes; never commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session, selectinload

from db.models import (
    Customer,
    DispatchPlan,
    RouteOptimization,
    ServiceCatalogEntry,
    Technician,
    WorkOrder,
    customer_preferred_technicians,
)
from domain.routing.day import JobRecord, TechnicianRecord
from domain.work_status import WorkStatus

#: statuses the day's re-optimisation may move (not started, approved, not ended)
PLANNABLE = (WorkStatus.AWAITING_ASSIGNMENT.value, WorkStatus.ASSIGNED.value)
#: overdue jobs (scheduled on an earlier day, never started) come back into a day's plan for this long
OVERDUE_DAYS = 14


@dataclass(frozen=True, slots=True)
class OpenJob:
    """A plannable work order with its site, catalog duration and skill, and the customer's
    preferred technicians and the technician of his last completed job."""

    work_order: WorkOrder
    lat: float
    lon: float
    duration_minutes: int
    required_skill: str
    preferred_technician_ids: frozenset[str]
    last_technician_id: str | None


@dataclass(frozen=True, slots=True)
class StartedJob:
    """A job in progress on ``day``: technician, start, site and catalog duration."""

    technician_id: str
    started_at: datetime
    lat: float
    lon: float
    duration_minutes: int


def technicians(session: Session) -> list[Technician]:
    """Active technicians with their skills, by id."""
    stmt = (
        select(Technician)
        .where(Technician.is_active.is_(True))
        .options(selectinload(Technician.skills))
        .order_by(Technician.id)
    )
    return list(session.scalars(stmt))


def open_jobs(session: Session, *, day: date, lock: bool = False, overdue: bool = True) -> list[OpenJob]:
    """Work orders awaiting assignment or assigned, scheduled on ``day`` or, with ``overdue``, up
    to ``OVERDUE_DAYS`` earlier (never started: only today's plan takes them back, so planning a
    later day never pulls in the jobs of the days between), by id;
    ``lock`` takes row locks (FOR UPDATE OF work_orders) so writes that follow see no race."""
    stmt = (
        select(WorkOrder, Customer.latitude, Customer.longitude, ServiceCatalogEntry)
        .join(Customer, Customer.id == WorkOrder.customer_id)
        .join(ServiceCatalogEntry, ServiceCatalogEntry.code == WorkOrder.job_type)
        .where(
            WorkOrder.status.in_(PLANNABLE),
            WorkOrder.scheduled_date <= day,
            WorkOrder.scheduled_date >= (day - timedelta(days=OVERDUE_DAYS) if overdue else day),
        )
        .order_by(WorkOrder.id)
    )
    if lock:
        stmt = stmt.with_for_update(of=WorkOrder)
    return with_customer_history(session, session.execute(stmt).all())


def with_customer_history(session: Session, rows: Sequence[Any]) -> list[OpenJob]:
    """``(WorkOrder, latitude, longitude, ServiceCatalogEntry)`` rows as OpenJobs, with each
    customer's preferred technicians and the technician of his last completed job (two queries)."""
    customer_ids = {wo.customer_id for wo, *_ in rows}
    preferred: dict[int, set[str]] = {}
    last: dict[int, str] = {}
    if customer_ids:
        for cid, tid in session.execute(
            select(
                customer_preferred_technicians.c.customer_id, customer_preferred_technicians.c.technician_id
            ).where(customer_preferred_technicians.c.customer_id.in_(customer_ids))
        ):
            preferred.setdefault(cid, set()).add(tid)
        for cid, tid in session.execute(
            select(WorkOrder.customer_id, WorkOrder.technician_id)
            .where(
                WorkOrder.customer_id.in_(customer_ids),
                WorkOrder.status == WorkStatus.COMPLETED.value,
                WorkOrder.technician_id.is_not(None),
            )
            .order_by(
                WorkOrder.customer_id,
                WorkOrder.actual_end_time.desc().nulls_last(),
                WorkOrder.scheduled_date.desc(),
            )
            .ext(distinct_on(WorkOrder.customer_id))
        ):
            last[cid] = tid
    return [
        OpenJob(
            work_order=wo,
            lat=lat,
            lon=lon,
            duration_minutes=entry.duration_minutes,
            required_skill=entry.required_skill,
            preferred_technician_ids=frozenset(preferred.get(wo.customer_id, ())),
            last_technician_id=last.get(wo.customer_id),
        )
        for wo, lat, lon, entry in rows
    ]


def started_jobs(session: Session, *, day: date) -> list[StartedJob]:
    """Jobs in progress scheduled on ``day`` with a technician and a start time."""
    stmt = (
        select(WorkOrder, Customer.latitude, Customer.longitude, ServiceCatalogEntry.duration_minutes)
        .join(Customer, Customer.id == WorkOrder.customer_id)
        .join(ServiceCatalogEntry, ServiceCatalogEntry.code == WorkOrder.job_type)
        .where(
            WorkOrder.status == WorkStatus.IN_PROGRESS.value,
            WorkOrder.scheduled_date == day,
            WorkOrder.technician_id.is_not(None),
            WorkOrder.actual_start_time.is_not(None),
        )
    )
    return [
        StartedJob(wo.technician_id, wo.actual_start_time, lat, lon, minutes)
        for wo, lat, lon, minutes in session.execute(stmt)
    ]


def plan_by_key(session: Session, *, plan_key: str) -> DispatchPlan | None:
    """The plan written under ``plan_key``, or None."""
    return session.scalars(select(DispatchPlan).where(DispatchPlan.plan_key == plan_key)).first()


def current_plan(session: Session, *, day: date) -> DispatchPlan | None:
    """The newest plan of ``day`` with its routes, or None."""
    stmt = (
        select(DispatchPlan)
        .where(DispatchPlan.service_date == day)
        .options(selectinload(DispatchPlan.routes))
        .order_by(DispatchPlan.created_at.desc(), DispatchPlan.id.desc())
    )
    return session.scalars(stmt).first()


def add_plan(
    session: Session,
    *,
    plan_key: str,
    day: date,
    status: str,
    objective: float,
    solve_seconds: float,
    total_travel_minutes: float,
    jobs_served: int,
    unassigned: list[dict[str, Any]],
    changes: list[dict[str, Any]],
    routes: list[dict[str, Any]],
) -> DispatchPlan:
    """Insert a plan and its routes (each a dict of RouteOptimization columns); flushes for its id."""
    plan = DispatchPlan(
        plan_key=plan_key,
        service_date=day,
        status=status,
        objective=objective,
        solve_seconds=solve_seconds,
        total_travel_minutes=total_travel_minutes,
        jobs_served=jobs_served,
        unassigned=unassigned,
        changes=changes,
    )
    plan.routes = [RouteOptimization(date=day, **r) for r in routes]
    session.add(plan)
    session.flush()
    return plan


def work_order_for_update(session: Session, *, work_order_id: str) -> WorkOrder | None:
    """The work order, row-locked, or None."""
    return session.get(WorkOrder, work_order_id, with_for_update=True)


@dataclass(frozen=True, slots=True)
class DayRecords:
    """A day as the routing adapter reads it: technicians (with the started job each is on),
    the plannable jobs, and those jobs' rows by work order id."""

    technicians: list[TechnicianRecord]
    jobs: list[JobRecord]
    open_jobs: dict[str, OpenJob]


def technician_records(
    session: Session, *, day: date, staff: Sequence[Technician] | None = None, started: bool = True
) -> list[TechnicianRecord]:
    """Active technicians (``staff`` when the caller has read them already) as routing records,
    each with the started job of ``day`` he is on (its site and expected end: start + catalog
    duration; not read when ``started`` is False, e.g. for a day that has not begun), by id."""
    on_site = {s.technician_id: s for s in started_jobs(session, day=day)} if started else {}
    techs = []
    for t in technicians(session) if staff is None else staff:
        busy = on_site.get(t.id)
        techs.append(
            TechnicianRecord(
                technician_id=t.id,
                working_hours=t.working_hours or {},
                home=(t.home_latitude, t.home_longitude),
                skills=frozenset(s.skill_type for s in t.skills),
                busy_until=(busy.started_at + timedelta(minutes=busy.duration_minutes)) if busy else None,
                busy_at=(busy.lat, busy.lon) if busy else None,
            )
        )
    return techs


def day_records(
    session: Session, *, day: date, tz_name: str, lock: bool = False, overdue: bool = True
) -> DayRecords:
    """Technician and job records of ``day`` for ``domain.routing.day.build_day``; ``lock`` as in
    :func:`open_jobs`. A job's age counts from its creation date in ``tz_name``."""
    techs = technician_records(session, day=day)
    jobs = open_jobs(session, day=day, lock=lock, overdue=overdue)
    zone = ZoneInfo(tz_name)
    records = [
        JobRecord(
            job_id=j.work_order.id,
            location=(j.lat, j.lon),
            service_minutes=j.duration_minutes,
            required_skills=frozenset({j.required_skill}),
            priority=j.work_order.priority,
            requested_on=j.work_order.created_at.astimezone(zone).date() if j.work_order.created_at else None,
            window_kind=j.work_order.window_preference,
            window_start=j.work_order.preferred_window_start,
            window_end=j.work_order.preferred_window_end,
            pinned_technician_id=j.work_order.pinned_technician_id,
            pinned_start=j.work_order.pinned_start,
            preferred_technician_ids=j.preferred_technician_ids,
            last_technician_id=j.last_technician_id,
            assigned_technician_id=j.work_order.technician_id if j.work_order.scheduled_date == day else None,
            assigned_start=j.work_order.service_window_start if j.work_order.scheduled_date == day else None,
        )
        for j in jobs
    ]
    return DayRecords(techs, records, {j.work_order.id: j for j in jobs})
