"""Activities against the real database: idempotency, pricing from customer rows, assignment."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from temporalio.testing import ActivityEnvironment

from activities.assignment import AssignmentActivities
from activities.repair import RepairActivities
from config import Settings
from db.models import (
    Customer,
    CustomerPricing,
    JobCost,
    ServiceRequest,
    Technician,
    TechnicianSkill,
    WorkOrder,
)
from db.repositories import rows
from db.repositories.work_orders import next_work_order_id
from db.session import transaction
from domain.contracts.approval import QuoteInput
from domain.contracts.assignment import AssignInput
from domain.contracts.repair import CompletionInput, CreateWorkOrderInput, PartUsed, SetStatusInput
from domain.ids import repair_workflow_id
from domain.work_status import WorkStatus

pytestmark = pytest.mark.integration
SETTINGS = Settings(profile="test", assignment_time_limit_seconds=2)


def next_monday() -> date:
    today = datetime.now(UTC).date() + timedelta(days=2)
    return today + timedelta(days=(7 - today.weekday()) % 7)


def new_order(database, *, customer_id: int, job_type: str, repair_count: int = 1) -> str:
    """A work order as the API writes it: request and order in one transaction."""
    with transaction(database.sessions) as session:
        wo = next_work_order_id(session, on=date(2026, 11, 22))
        request = ServiceRequest(customer_id=customer_id, service_type=job_type, work_order_id=wo)
        session.add(request)
        session.flush()
        rows.add(
            session,
            WorkOrder(
                id=wo,
                customer_id=customer_id,
                job_type=job_type,
                status=WorkStatus.REQUESTED.value,
                priority="normal",
                scheduled_date=next_monday(),
                repair_count=repair_count,
                workflow_id=repair_workflow_id(wo),
                service_request_id=request.id,
            ),
        )
    return wo


def test_legacy_create_work_order_is_idempotent(database):
    """Runs started before the API wrote work orders create theirs in an activity, once."""
    repair = RepairActivities(database.sessions)
    with transaction(database.sessions) as session:
        customer_id = session.scalars(select(Customer.id).order_by(Customer.id)).first()
        wo = next_work_order_id(session, on=date(2026, 11, 22))
        request = ServiceRequest(customer_id=customer_id, service_type="repair", work_order_id=wo)
        session.add(request)
        session.flush()
        request_id = request.id
    inp = CreateWorkOrderInput(
        work_order_id=wo,
        service_request_id=request_id,
        workflow_id=repair_workflow_id(wo),
        customer_id=customer_id,
        job_type="repair",
        priority="normal",
        scheduled_date=next_monday(),
    )
    ActivityEnvironment().run(repair.create_work_order, inp)
    ActivityEnvironment().run(repair.create_work_order, inp)  # retried: no duplicate
    with transaction(database.sessions) as session:
        assert session.scalar(select(func.count()).select_from(WorkOrder).where(WorkOrder.id == wo)) == 1
        assert session.get(WorkOrder, wo).customer_id == customer_id


def fleet_customer(database) -> Customer:
    with transaction(database.sessions) as session:
        return session.scalars(select(Customer).where(Customer.fleet_size > 0)).one()


def test_quote_uses_customer_tiers_and_volume_discount_and_is_stable(database):
    customer = fleet_customer(database)
    with transaction(database.sessions) as session:
        pricing = session.scalars(
            select(CustomerPricing).where(CustomerPricing.customer_id == customer.id)
        ).one()
        tiers = [
            pricing.repair_1_price,
            pricing.repair_2_price,
            pricing.repair_3_price,
            pricing.repair_4_price,
        ]
        fifth, threshold, pct = (
            pricing.repair_5_plus_price,
            pricing.volume_discount_threshold,
            pricing.volume_discount_percentage,
        )
    wo = new_order(database, customer_id=customer.id, job_type="repair", repair_count=threshold)
    quote = ActivityEnvironment().run(
        RepairActivities(database.sessions).quote_work_order,
        QuoteInput(work_order_id=wo, repair_count=threshold),
    )
    repairs = sum(tiers) + fifth * (threshold - 4)
    expected = Decimal("95.00") + repairs - (repairs * pct / 100).quantize(Decimal("0.01"))
    assert quote.amount == expected and quote.estimate_version == 1
    again = ActivityEnvironment().run(
        RepairActivities(database.sessions).quote_work_order,
        QuoteInput(work_order_id=wo, repair_count=threshold),
    )
    assert again == quote  # a retried quote does not bump the version
    first_quote = ActivityEnvironment().run(
        RepairActivities(database.sessions).quote_work_order,
        QuoteInput(
            work_order_id=new_order(
                database, customer_id=customer.id, job_type="repair", repair_count=threshold
            )
        ),
    )
    assert first_quote.amount == expected  # no count given: the work order's own count is quoted


def test_assignment_respects_skills_and_records_the_window(database):
    with transaction(database.sessions) as session:
        customer = session.scalars(select(Customer).order_by(Customer.id)).first()
        camera_techs = {
            t.id for t in session.scalars(select(Technician)) if "camera" in {s.skill_type for s in t.skills}
        }
    wo = new_order(database, customer_id=customer.id, job_type="camera_inspection", repair_count=0)
    result = ActivityEnvironment().run(
        AssignmentActivities(database.sessions, SETTINGS).assign_technician, AssignInput(work_order_id=wo)
    )
    assert result.technician_id in camera_techs
    assert result.window_end - result.window_start == timedelta(minutes=SETTINGS.service_window_minutes)
    assert result.window_start.minute % 15 == 0
    with transaction(database.sessions) as session:
        stored = session.get(WorkOrder, wo)
        # the activity writes the assignment; the status is the workflow's to persist
        assert stored.status == "requested" and stored.technician_id == result.technician_id
        assert "camera" in stored.assignment_explanation


def test_manual_assignment_of_an_unskilled_technician_is_refused(database):
    with transaction(database.sessions) as session:
        customer = session.scalars(select(Customer).order_by(Customer.id)).first()
        # every demo technician pumps now (seed 000's job mix): an active repair-only one of our
        # own, with no working hours so the optimizer never picks him for the other tests' jobs
        no_pumping = f"T-NP{uuid.uuid4().hex[:6]}"
        session.add(
            Technician(
                id=no_pumping,
                first_name="Rhea",
                last_name="Pairs",
                home_latitude=30.3,
                home_longitude=-97.7,
                home_zip="78701",
                working_hours={},
                skills=[TechnicianSkill(skill_type="repair", verified=True)],
            )
        )
    wo = new_order(database, customer_id=customer.id, job_type="pumping", repair_count=0)
    with pytest.raises(Exception, match="lacks the skill 'pumping'"):
        ActivityEnvironment().run(
            AssignmentActivities(database.sessions, SETTINGS).assign_technician,
            AssignInput(work_order_id=wo, technician_id=no_pumping),
        )


def test_completion_is_recorded_once(database):
    with transaction(database.sessions) as session:
        customer = session.scalars(select(Customer).order_by(Customer.id)).first()
    repair = RepairActivities(database.sessions)
    wo = new_order(database, customer_id=customer.id, job_type="repair", repair_count=1)
    quote = ActivityEnvironment().run(repair.quote_work_order, QuoteInput(work_order_id=wo, repair_count=1))
    ActivityEnvironment().run(
        repair.set_work_status,
        SetStatusInput(work_order_id=wo, status=WorkStatus.IN_PROGRESS, actor="t", at=datetime.now(UTC)),
    )
    done = CompletionInput(
        work_order_id=wo,
        technician_id="T-001",
        labor_minutes=90,
        completed_at=datetime.now(UTC),
        parts=[PartUsed(description="Gasket kit", quantity=Decimal("2"), unit_cost=Decimal("15.25"))],
    )
    first = ActivityEnvironment().run(repair.record_completion, done)
    second = ActivityEnvironment().run(repair.record_completion, done)
    assert first == second and first.total_amount == quote.amount + Decimal("30.50")
    assert first.labor_cost == Decimal("142.50")
    with transaction(database.sessions) as session:
        costs = session.scalar(select(func.count()).select_from(JobCost).where(JobCost.work_order_id == wo))
        assert costs == 2
        # a late cancel cannot reopen a completed order
        ActivityEnvironment().run(
            repair.set_work_status,
            SetStatusInput(
                work_order_id=wo, status=WorkStatus.CANCELLED, actor="office", at=datetime.now(UTC)
            ),
        )
    with transaction(database.sessions) as session:
        assert session.get(WorkOrder, wo).status == "completed"


def test_successive_assignments_never_overlap_on_one_technician(database):
    with transaction(database.sessions) as session:
        customer = session.scalars(select(Customer).order_by(Customer.id)).first()
    activities = AssignmentActivities(database.sessions, SETTINGS)
    results = [
        ActivityEnvironment().run(
            activities.assign_technician,
            AssignInput(work_order_id=new_order(database, customer_id=customer.id, job_type="installation")),
        )
        for _ in range(3)
    ]
    # one installer; each booking starts after the last one ends (240 min jobs, 15-min windows)
    assert len({r.technician_id for r in results}) == 1
    plans = sorted((r.scheduled_date, r.window_start) for r in results)
    for (day_a, start_a), (day_b, start_b) in itertools.pairwise(plans):
        assert day_a < day_b or start_b >= start_a + timedelta(minutes=240)
