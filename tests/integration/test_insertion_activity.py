"""insert_repair against the real database: a burst is solved in few batches, every request gets
its own answer, nobody is double-booked, skills hold, a retried request changes nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from temporalio.testing import ActivityEnvironment

from activities.insertion import InsertionActivities
from config import Settings
from db.models import AuditLog, Customer, ServiceCatalogEntry, Technician, WorkOrder
from db.session import transaction
from domain.contracts.assignment import AssignInput
from domain.work_status import TERMINAL_STATUSES
from tests.integration.test_activities import new_order

pytestmark = pytest.mark.integration
SETTINGS = Settings(profile="test", insertion_batch_window_ms=400, insertion_improve_seconds=0.1)


def _insert(activities: InsertionActivities, wo: str):
    return ActivityEnvironment().run(activities.insert_repair, AssignInput(work_order_id=wo))


def test_a_burst_is_batched_answered_once_each_and_never_double_booked(database):
    with transaction(database.sessions) as session:
        customers = list(session.scalars(select(Customer.id).order_by(Customer.id)))
        skills = {t.id: {s.skill_type for s in t.skills} for t in session.scalars(select(Technician))}
        catalog = {e.code: e for e in session.scalars(select(ServiceCatalogEntry))}
    kinds = ["repair", "pumping", "camera_inspection", "maintenance"]
    orders = [
        new_order(database, customer_id=customers[i % len(customers)], job_type=kinds[i % len(kinds)])
        for i in range(40)
    ]
    activities = InsertionActivities(database.sessions, SETTINGS)
    with ThreadPoolExecutor(max_workers=40) as pool:
        results = list(pool.map(lambda wo: _insert(activities, wo), orders[:30]))
        stats = activities.batcher.stats
        assert stats.requests == 30 and stats.batches < 6  # solved together, not one by one
        # a second burst, by another worker's batcher, is inserted around the first one's bookings
        other = InsertionActivities(database.sessions, SETTINGS)
        results += list(pool.map(lambda wo: _insert(other, wo), orders[30:]))
    with transaction(database.sessions) as session:
        stored = {wo.id: wo for wo in session.scalars(select(WorkOrder).where(WorkOrder.id.in_(orders)))}
        for wo, result in zip(orders, results, strict=True):
            row = stored[wo]
            assert result.technician_id == row.technician_id  # each request got its own answer
            if result.technician_id is None:
                assert "no room" in result.explanation
                continue
            assert catalog[row.job_type].required_skill in skills[row.technician_id]
            assert result.window_start == row.service_window_start and result.window_start.minute % 15 == 0
            assert result.window_end - result.window_start == timedelta(
                minutes=SETTINGS.service_window_minutes
            )
            assert "inserted into" in row.assignment_explanation
        assert sum(r.technician_id is not None for r in results) >= 20
        # per technician and day, the bookings (also those of other tests) can all be served in
        # their arrival windows even with no driving: earliest window first (every window has
        # the same length, so that order is the best one), each job starts when the one before
        # it ends at the earliest; a double booking would start some job after its window
        booked = session.execute(
            select(
                WorkOrder.technician_id,
                WorkOrder.scheduled_date,
                WorkOrder.service_window_start,
                WorkOrder.service_window_end,
                WorkOrder.job_type,
            )
            .where(
                WorkOrder.technician_id.is_not(None),
                WorkOrder.service_window_start.is_not(None),
                WorkOrder.status.not_in([s.value for s in TERMINAL_STATUSES]),
            )
            .order_by(WorkOrder.technician_id, WorkOrder.scheduled_date, WorkOrder.service_window_start)
        ).all()
    ours = {(stored[w].technician_id, stored[w].scheduled_date) for w in orders if stored[w].technician_id}
    assert ours
    for tid, day in ours:
        free_at = None
        for b in (b for b in booked if b.technician_id == tid and b.scheduled_date == day):
            start = max(b.service_window_start, free_at or b.service_window_start)
            assert start <= b.service_window_end, (tid, day)
            free_at = start + timedelta(minutes=catalog[b.job_type].duration_minutes)


def test_a_retried_request_returns_the_written_assignment_and_writes_nothing(database):
    with transaction(database.sessions) as session:
        customer = session.scalars(select(Customer.id).order_by(Customer.id)).first()
    wo = new_order(database, customer_id=customer, job_type="repair")
    activities = InsertionActivities(database.sessions, SETTINGS)
    first = _insert(activities, wo)
    assert first.technician_id is not None
    with transaction(database.sessions) as session:
        audits = session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.entity_id == wo))
    again = _insert(InsertionActivities(database.sessions, SETTINGS), wo)
    assert again == first
    with transaction(database.sessions) as session:
        assert (
            session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.entity_id == wo))
            == audits
        )


def test_an_ended_or_unknown_work_order_is_answered_without_a_booking(database):
    with transaction(database.sessions) as session:
        customer = session.scalars(select(Customer.id).order_by(Customer.id)).first()
    wo = new_order(database, customer_id=customer, job_type="repair")
    with transaction(database.sessions) as session:
        session.get(WorkOrder, wo).status = "cancelled"
    activities = InsertionActivities(database.sessions, SETTINGS)
    result = _insert(activities, wo)
    assert result.technician_id is None and "cancelled" in result.explanation
    with pytest.raises(Exception, match="not found"):
        _insert(activities, "WO-19990101-9999")
