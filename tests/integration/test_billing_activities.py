"""Billing activities against the real database: invoices once per (customer, period), a work
order billed once, gap-free numbers, all-or-nothing selections, and dunning steps refused for a
zero balance inside their claim."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.billing import BillingActivities
from activities.messaging import MessageSender, OutboxProvider
from config import Settings
from db.models import Customer, Invoice, InvoiceNumberCounter, JobCost, Message, OfficeTask, WorkOrder
from db.repositories import rows
from db.session import transaction
from domain.contracts.billing import (
    CustomerWork,
    DunningStepInput,
    FindBillableInput,
    IssueInvoicesInput,
    SendInvoiceInput,
)
from domain.work_status import WorkStatus

pytestmark = pytest.mark.integration
SETTINGS = Settings(profile="test", tax_rate=Decimal("0.0825"))
_numbers = itertools.count(1)


def activities(database) -> BillingActivities:
    outbox = OutboxProvider()
    return BillingActivities(
        database.sessions, MessageSender(database.sessions, {"sms": outbox, "email": outbox}), SETTINGS
    )


def new_customer(database, *, terms: str = "NET_30", email: str | None = "pat@example.com") -> int:
    with transaction(database.sessions) as session:
        customer = rows.add(
            session,
            Customer(
                first_name="Pat",
                last_name=f"Billing{next(_numbers)}",
                email=email,
                phone="+15125550199",
                latitude=30.27,
                longitude=-97.74,
                payment_terms=terms,
                preferred_contact_method="email",
            ),
        )
        return customer.id


def completed_order(
    database, customer_id: int, *, ended: datetime, status: str = WorkStatus.COMPLETED.value
) -> str:
    wo_id = f"WO-20300101-B{next(_numbers):05d}"
    with transaction(database.sessions) as session:
        rows.add(
            session,
            WorkOrder(
                id=wo_id,
                customer_id=customer_id,
                job_type="repair",
                status=status,
                priority="normal",
                scheduled_date=ended.date(),
                actual_end_time=ended,
                estimate_amount=Decimal("145.00"),
                total_amount=Decimal("234.00"),
                estimate_lines=[
                    {"description": "Repair (catalog)", "amount": "95.00"},
                    {"description": "Repair #1 (tier 1)", "amount": "50.00"},
                ],
                job_costs=[
                    JobCost(
                        cost_type="labor",
                        description="On-site labor",
                        quantity=Decimal("1"),
                        unit="hour",
                        unit_cost=Decimal("95"),
                        total_cost=Decimal("95"),
                        created_at=ended,
                    ),
                    JobCost(
                        cost_type="materials",
                        description="Float switch",
                        quantity=Decimal("1"),
                        unit="each",
                        unit_cost=Decimal("89.00"),
                        total_cost=Decimal("89.00"),
                        created_at=ended,
                    ),
                ],
            ),
        )
    return wo_id


def issue(
    acts,
    *,
    period_key: str,
    groups,
    issue_date=date(2031, 1, 2),
    all_or_nothing=False,
    workflow_id="billing-test",
):
    return ActivityEnvironment().run(
        acts.issue_invoices,
        IssueInvoicesInput(
            workflow_id=workflow_id,
            period_key=period_key,
            issue_date=issue_date,
            groups=groups,
            all_or_nothing=all_or_nothing,
        ),
    )


def test_one_invoice_per_customer_and_period_with_every_line(database):
    acts = activities(database)
    customer = new_customer(database, terms="NET_60")
    first = completed_order(database, customer, ended=datetime(2030, 3, 10, 18, tzinfo=UTC))
    second = completed_order(database, customer, ended=datetime(2030, 3, 20, 18, tzinfo=UTC))
    completed_order(database, customer, ended=datetime(2030, 4, 2, 18, tzinfo=UTC))  # next period
    completed_order(database, customer, ended=datetime(2030, 3, 12, 18, tzinfo=UTC), status="in_progress")

    work = ActivityEnvironment().run(
        acts.find_billable_work,
        FindBillableInput(period_start=date(2030, 3, 1), period_end=date(2030, 3, 31)),
    )
    mine = [g for g in work.groups if g.customer_id == customer]
    assert mine == [CustomerWork(customer_id=customer, work_order_ids=[first, second])]

    result = issue(acts, period_key="2030-03", groups=mine)
    (invoice,) = result.invoices
    assert invoice.created and invoice.work_order_ids == [first, second]
    # per work order 95 + 50 + 89 = 234; subtotal 468; tax 8.25 % = 38.61
    assert invoice.total == Decimal("506.61") and invoice.balance == Decimal("506.61")
    assert invoice.due_date == date(2031, 3, 3)  # NET_60 from 2 January 2031
    with transaction(database.sessions) as session:
        row = session.get(Invoice, invoice.invoice_id)
        assert [(x.work_order_id, x.description, x.amount) for x in row.lines] == [
            (first, f"{first} Repair (catalog)", Decimal("95.00")),
            (first, f"{first} Repair #1 (tier 1)", Decimal("50.00")),
            (first, f"{first} part: Float switch", Decimal("89.00")),
            (second, f"{second} Repair (catalog)", Decimal("95.00")),
            (second, f"{second} Repair #1 (tier 1)", Decimal("50.00")),
            (second, f"{second} part: Float switch", Decimal("89.00")),
        ]
        assert (row.subtotal, row.tax_amount, row.status, row.workflow_id) == (
            Decimal("468.00"),
            Decimal("38.61"),
            "open",
            "billing-test",
        )
        assert all(session.get(WorkOrder, w).invoiced_at is not None for w in (first, second))

    again = issue(acts, period_key="2030-03", groups=mine, workflow_id="billing-test-rerun")
    assert [(i.invoice_id, i.created) for i in again.invoices] == [(invoice.invoice_id, False)]
    work = ActivityEnvironment().run(
        acts.find_billable_work,
        FindBillableInput(period_start=date(2030, 3, 1), period_end=date(2030, 3, 31)),
    )
    assert [g for g in work.groups if g.customer_id == customer] == []
    # another period key over the same (already billed) work issues nothing
    assert issue(acts, period_key="2030-03-01..2030-03-31", groups=mine).invoices == []


def test_numbers_are_gap_free_and_a_refused_selection_takes_none(database):
    acts = activities(database)
    customer = new_customer(database)
    a, b, c = (completed_order(database, customer, ended=datetime(2030, 5, d, tzinfo=UTC)) for d in (1, 2, 3))
    issue_day = date(2032, 1, 5)
    one = issue(
        acts,
        period_key="p1",
        groups=[CustomerWork(customer_id=customer, work_order_ids=[a])],
        issue_date=issue_day,
    )
    with pytest.raises(ApplicationError) as refused:
        issue(
            acts,
            period_key="sel-x",
            groups=[CustomerWork(customer_id=customer, work_order_ids=[a, b])],
            issue_date=issue_day,
            all_or_nothing=True,
        )
    assert refused.value.type == "NotBillable" and a in str(refused.value)
    with transaction(database.sessions) as session:
        assert session.get(WorkOrder, b).invoiced_at is None  # nothing of the refused call stayed
    with pytest.raises(ApplicationError, match="already invoiced"):
        ActivityEnvironment().run(
            acts.find_billable_work, FindBillableInput(work_order_ids=[a, b, "WO-20300101-NOPE1"])
        )
    two = issue(
        acts,
        period_key="p2",
        groups=[CustomerWork(customer_id=customer, work_order_ids=[b, c])],
        issue_date=issue_day,
    )
    assert [i.number for i in one.invoices + two.invoices] == ["INV-2032-000001", "INV-2032-000002"]
    with transaction(database.sessions) as session:
        assert session.get(InvoiceNumberCounter, 2032).last_number == 2


def test_concurrent_runs_of_one_cycle_issue_one_invoice(database):
    acts = activities(database)
    customer = new_customer(database)
    orders = [completed_order(database, customer, ended=datetime(2030, 6, d, tzinfo=UTC)) for d in (1, 2)]
    results, errors = [], []

    def run(n: int) -> None:
        try:
            results.append(
                issue(
                    acts,
                    period_key="2030-06",
                    workflow_id=f"billing-race-{n}",
                    groups=[CustomerWork(customer_id=customer, work_order_ids=orders)],
                )
            )
        except Exception as err:  # collected and asserted below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    ids = {i.invoice_id for r in results for i in r.invoices}
    assert len(ids) == 1 and sorted(i.created for r in results for i in r.invoices) == [
        False,
        False,
        False,
        True,
    ]
    with transaction(database.sessions) as session:
        assert (
            session.scalar(select(func.count()).select_from(Invoice).where(Invoice.customer_id == customer))
            == 1
        )


def test_invoice_is_sent_once_and_dunning_steps_stop_at_a_zero_balance(database):
    acts = activities(database)
    customer = new_customer(database)
    wo = completed_order(database, customer, ended=datetime(2030, 7, 1, tzinfo=UTC))
    (invoice,) = issue(
        acts, period_key="2030-07", groups=[CustomerWork(customer_id=customer, work_order_ids=[wo])]
    ).invoices
    sent = [
        ActivityEnvironment().run(acts.send_invoice, SendInvoiceInput(invoice_id=invoice.invoice_id))
        for _ in range(2)
    ]
    assert sent[0] == sent[1] and sent[0].channel == "email"

    def step(index: int, channel: str):
        return ActivityEnvironment().run(
            acts.take_dunning_step,
            DunningStepInput(
                invoice_id=invoice.invoice_id,
                workflow_id=f"dunning-{invoice.invoice_id}",
                index=index,
                plan_version=0,
                channel=channel,
                offset_days=index * 3,
            ),
        )

    assert step(0, "email").done and step(0, "email").done  # the same step twice: one message
    assert step(4, "office_task").done
    with transaction(database.sessions) as session:
        messages = session.scalars(select(Message).where(Message.customer_id == customer)).all()
        assert sorted(m.purpose for m in messages) == ["dunning-reminder-1", "invoice-issued"]
        assert invoice.number in next(m.body for m in messages if m.purpose == "dunning-reminder-1")
        session.get(Invoice, invoice.invoice_id).balance = Decimal("0.00")  # as a payment would
    refused = step(2, "sms")
    assert not refused.done and refused.balance == Decimal("0.00")
    assert not step(5, "credit_hold").done
    with transaction(database.sessions) as session:
        assert (
            session.scalar(select(func.count()).select_from(Message).where(Message.customer_id == customer))
            == 2
        )
        assert [
            t.kind
            for t in session.scalars(select(OfficeTask).where(OfficeTask.invoice_id == invoice.invoice_id))
        ] == ["dunning_call"]
        assert session.get(Customer, customer).credit_hold is False


def test_the_last_step_puts_the_customer_on_credit_hold(database):
    acts = activities(database)
    customer = new_customer(database, email=None)
    wo = completed_order(database, customer, ended=datetime(2030, 8, 1, tzinfo=UTC))
    (invoice,) = issue(
        acts, period_key="2030-08", groups=[CustomerWork(customer_id=customer, work_order_ids=[wo])]
    ).invoices
    assert (
        ActivityEnvironment().run(acts.send_invoice, SendInvoiceInput(invoice_id=invoice.invoice_id)).channel
        == "sms"
    )
    result = ActivityEnvironment().run(
        acts.take_dunning_step,
        DunningStepInput(
            invoice_id=invoice.invoice_id,
            workflow_id="dunning-x",
            index=5,
            plan_version=0,
            channel="credit_hold",
            offset_days=30,
        ),
    )
    assert result.done
    with transaction(database.sessions) as session:
        assert session.get(Customer, customer).credit_hold is True
        assert [
            t.kind
            for t in session.scalars(select(OfficeTask).where(OfficeTask.invoice_id == invoice.invoice_id))
        ] == ["credit_hold"]
