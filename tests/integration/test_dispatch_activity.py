"""The dispatch solve activity against the real database: the day adapter reads shifts, skills,
windows, pins and priorities; the plan, its routes and the changed assignments are written once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from temporalio.testing import ActivityEnvironment

from activities.dispatch import DispatchActivities
from config import Settings
from db.models import Customer, DispatchPlan, RouteOptimization, ServiceRequest, WorkOrder
from db.repositories import rows
from db.repositories.work_orders import next_work_order_id
from db.session import transaction
from domain.contracts.dispatch import SolveDayInput
from domain.ids import repair_workflow_id
from domain.work_status import WorkStatus

pytestmark = pytest.mark.integration
SETTINGS = Settings(profile="test", dispatch_time_limit_seconds=1)
DAY = date(2031, 3, 3)  # a Monday far from every other test's work orders
TZ = ZoneInfo("America/Chicago")


def local(hh: int, mm: int = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hh, mm, tzinfo=TZ).astimezone(UTC)


def order(session, customer_id: int, job_type: str, **kw) -> str:
    wo = next_work_order_id(session, on=DAY)
    request = ServiceRequest(customer_id=customer_id, service_type=job_type, work_order_id=wo)
    session.add(request)
    session.flush()
    values = dict(status=WorkStatus.AWAITING_ASSIGNMENT.value, priority="normal", scheduled_date=DAY)
    values.update(kw)
    rows.add(
        session,
        WorkOrder(
            id=wo,
            customer_id=customer_id,
            job_type=job_type,
            workflow_id=repair_workflow_id(wo),
            service_request_id=request.id,
            **values,
        ),
    )
    return wo


def test_solve_day_plans_explains_and_writes_once(database):
    with transaction(database.sessions) as session:
        customers = list(session.scalars(select(Customer.id).order_by(Customer.id)))
        morning = order(session, customers[0], "repair", window_preference="morning")
        afternoon = order(session, customers[1], "pumping", window_preference="afternoon")
        pinned = order(
            session,
            customers[2],
            "repair",
            status=WorkStatus.ASSIGNED.value,
            technician_id="T-001",
            service_window_start=local(8),
            pinned_technician_id="T-006",
            pinned_start=local(13, 0),
        )
        emergency = order(session, customers[3], "camera_inspection", priority="emergency")
        exact = order(
            session,
            customers[4],
            "inspection",
            window_preference="exact",
            preferred_window_start=local(10),
            preferred_window_end=local(10, 30),
        )
    acts = DispatchActivities(database.sessions, SETTINGS)
    inp = SolveDayInput(service_date=DAY, plan_key="test-dispatch:1", actor="office:it")
    plan = ActivityEnvironment().run(acts.solve_dispatch_day, inp)

    stops = {s.work_order_id: (r.technician_id, s) for r in plan.routes for s in r.stops}
    assert {morning, afternoon, pinned, emergency, exact} <= set(stops) | {
        u.work_order_id for u in plan.unassigned
    }
    assert plan.unassigned == []  # eight technicians have room for five jobs
    # skills hold: pumping only to a technician with "pumping", camera to one with "camera"
    assert stops[afternoon][0] in {"T-001", "T-002", "T-005", "T-007"}
    assert stops[emergency][0] in {"T-004", "T-008"}
    # windows and the pin hold, in the company's zone
    assert local(8) <= stops[morning][1].start <= local(12)
    assert local(12) <= stops[afternoon][1].start <= local(17)
    assert local(10) <= stops[exact][1].start <= local(10, 30)
    assert stops[pinned][0] == "T-006" and stops[pinned][1].start == local(13)
    assert "pinned" in stops[pinned][1].why
    # every stop is explained: runner-up or why there is none
    for _, s in stops.values():
        assert s.why and s.added_travel_minutes >= 0
    # every job changed (four were unassigned, the pinned one moved) and the rows say so
    assert {c.work_order_id for c in plan.changes} == set(stops)
    with transaction(database.sessions) as session:
        wo = session.get(WorkOrder, pinned)
        assert wo.technician_id == "T-006" and wo.service_window_start == local(13)
        assert wo.assignment_explanation.startswith("dispatch plan:")
        assert session.get(WorkOrder, emergency).technician_id == stops[emergency][0]
        (row,) = session.scalars(select(DispatchPlan).where(DispatchPlan.plan_key == inp.plan_key))
        routes = session.scalars(select(RouteOptimization).where(RouteOptimization.plan_id == row.id)).all()
        assert sum(len(r.waypoints) for r in routes) == 5

    # a retried attempt returns the same plan and writes nothing more
    again = ActivityEnvironment().run(acts.solve_dispatch_day, inp)
    assert again.plan_id == plan.plan_id and {c.work_order_id for c in again.changes} == set(stops)
    with transaction(database.sessions) as session:
        count = session.scalar(
            select(func.count()).select_from(DispatchPlan).where(DispatchPlan.plan_key == inp.plan_key)
        )
        assert count == 1

    # re-planning the unchanged day: the pinned job never moves, so it is no change
    second = ActivityEnvironment().run(
        acts.solve_dispatch_day, SolveDayInput(service_date=DAY, plan_key="test-dispatch:2")
    )
    assert pinned not in {c.work_order_id for c in second.changes}
    # a day nobody works (Sunday) leaves its jobs unassigned with the reason
    with transaction(database.sessions) as session:
        sunday = DAY + timedelta(days=6)
        lonely = order(session, customers[0], "repair", scheduled_date=sunday)
    third = ActivityEnvironment().run(
        acts.solve_dispatch_day, SolveDayInput(service_date=sunday, plan_key="test-dispatch:3")
    )
    (u,) = [u for u in third.unassigned if u.work_order_id == lonely]
    assert u.reason == "no_skill" and "repair" in u.detail

    # planning a later future day never pulls in the jobs of an earlier one: only today's plan
    # takes back overdue jobs (a later plan moved them, and the record and workflow disagreed)
    tuesday = ActivityEnvironment().run(
        acts.solve_dispatch_day,
        SolveDayInput(service_date=DAY + timedelta(days=1), plan_key="test-dispatch:4"),
    )
    planned = {s.work_order_id for r in tuesday.routes for s in r.stops} | {
        u.work_order_id for u in tuesday.unassigned
    }
    assert not planned & {morning, afternoon, pinned, emergency, exact}
