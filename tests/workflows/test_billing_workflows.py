"""BatchInvoicingWorkflow and DunningWorkflow on the time-skipping server with in-memory activities:
duplicate and crashed cycles, all-or-nothing selections, the whole 60-day cadence in seconds, a
payment during a reminder, dispute and resume, and a payment plan."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import pytest_asyncio
from temporalio.client import WorkflowFailureError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.contracts.billing import (
    BatchInvoicingInput,
    DisputeRequest,
    DunningInput,
    PaymentPlanRequest,
    PaymentReceived,
    ResolveDisputeRequest,
)
from domain.dunning import SEND_HOUR_UTC
from domain.ids import AMOUNT_DUE_ATTR, dunning_workflow_id
from tests.conftest import wheel_binary
from tests.workflows.billing_stubs import BillingStubs, StubInvoice
from tests.workflows.conftest import register_search_attributes
from workflows.billing import BatchInvoicingWorkflow
from workflows.dunning import DunningWorkflow

D = Decimal


@asynccontextmanager
async def worker(env, task_queue: str, stubs: BillingStubs):
    """A worker for both workflows; dunning runs the cycles left behind are ended afterwards (on
    the time-skipping server, a run whose worker is gone would hold time still for every test)."""
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=[BatchInvoicingWorkflow, DunningWorkflow],
        activities=stubs.all(),
    ):
        yield
        for invoice_id in stubs.invoices:
            handle = env.client.get_workflow_handle(dunning_workflow_id(invoice_id))
            with contextlib.suppress(RPCError):  # never started (no balance) or already ended
                await handle.terminate("test over")


@pytest_asyncio.fixture
async def cycle_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of its own for each cycle test: the dunning runs a cycle leaves
    behind (ended when the test ends) must not share a clock with the cadence tests."""
    environment = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter, test_server_existing_path=wheel_binary("temporal-test-server")
    )
    await register_search_attributes(environment)
    yield environment
    await environment.shutdown()


def sample_work() -> BillingStubs:
    return BillingStubs(
        work={
            "WO-20261101-0001": (1, D("100.00")),
            "WO-20261102-0002": (1, D("50.00")),
            "WO-20261103-0003": (2, D("75.00")),
        }
    )


async def run_cycle(env, task_queue: str, inp: BatchInvoicingInput, wid: str | None = None):
    return await env.client.execute_workflow(
        BatchInvoicingWorkflow.run, inp, id=wid or f"billing-{uuid.uuid4().hex[:8]}", task_queue=task_queue
    )


async def test_cycle_bills_each_customer_once_and_a_rerun_changes_nothing(cycle_env, task_queue):
    env = cycle_env
    stubs = sample_work()
    period = BatchInvoicingInput(period_start=date(2026, 11, 1), period_end=date(2026, 11, 30))
    async with worker(env, task_queue, stubs):
        first = await run_cycle(env, task_queue, period)
        second = await run_cycle(env, task_queue, period)
    assert first.period_key == "2026-11" and first.state == "done"
    assert [(i.customer_id, i.work_order_ids, i.total, i.created) for i in first.invoices] == [
        (1, ["WO-20261101-0001", "WO-20261102-0002"], D("150.00"), True),
        (2, ["WO-20261103-0003"], D("75.00"), True),
    ]
    assert (first.customers_done, first.work_orders_billed, first.amount_invoiced) == (2, 3, D("225.00"))
    assert (first.emails_sent, first.dunning_started) == (2, 2)
    assert len(stubs.invoices) == 2 and sorted(stubs.billed.values()) == sorted(
        [first.invoices[0].invoice_id] * 2 + [first.invoices[1].invoice_id]
    )
    assert second.invoices == [] and second.dunning_started == 0  # nothing left to bill


async def test_a_rerun_of_the_same_cycle_finds_its_invoices_and_starts_no_second_dunning(
    cycle_env, task_queue
):
    env = cycle_env
    stubs = sample_work()
    async with worker(env, task_queue, stubs):
        first = await run_cycle(env, task_queue, BatchInvoicingInput(work_order_ids=["WO-20261103-0003"]))
        stubs.billed.clear()  # as if the first run crashed before its work orders showed as billed
        again = await run_cycle(env, task_queue, BatchInvoicingInput(work_order_ids=["WO-20261103-0003"]))
    assert first.period_key == again.period_key and first.period_key.startswith("sel-")
    assert [(i.invoice_id, i.created) for i in again.invoices] == [(first.invoices[0].invoice_id, False)]
    assert len(stubs.invoices) == 1 and (first.dunning_started, again.dunning_started) == (1, 0)
    assert stubs.sent_invoices == [first.invoices[0].invoice_id]


async def test_a_crash_mid_cycle_never_issues_a_second_invoice(cycle_env, task_queue):
    env = cycle_env
    stubs = sample_work()
    stubs.crash_after_commit_for = 2
    async with worker(env, task_queue, stubs):
        result = await run_cycle(
            env,
            task_queue,
            BatchInvoicingInput(period_start=date(2026, 11, 1), period_end=date(2026, 11, 30)),
        )
    assert stubs.crashed
    assert [(i.customer_id, i.created) for i in result.invoices] == [(1, True), (2, False)]
    assert len(stubs.invoices) == 2 and result.dunning_started == 2


async def test_a_selection_is_all_or_nothing(cycle_env, task_queue):
    env = cycle_env
    stubs = sample_work()
    stubs.billed["WO-20261102-0002"] = 99
    wid = f"billing-sel-{uuid.uuid4().hex[:6]}"
    async with worker(env, task_queue, stubs):
        with pytest.raises(WorkflowFailureError) as failed:
            await run_cycle(
                env,
                task_queue,
                BatchInvoicingInput(work_order_ids=["WO-20261101-0001", "WO-20261102-0002"]),
                wid,
            )
        progress = await env.client.get_workflow_handle(wid).query(BatchInvoicingWorkflow.progress)
    assert isinstance(failed.value.cause, ApplicationError) and failed.value.cause.type == "NotBillable"
    assert (
        stubs.invoices == {} and progress.state == "failed" and "WO-20261102-0002" in (progress.error or "")
    )


# ---- dunning -----------------------------------------------------------------------------------


async def start_dunning(
    env, task_queue: str, stubs: BillingStubs, *, total: D = D("200.00"), terms_days: int = 30
):
    now = await env.get_current_time()
    issue = now.astimezone(UTC).date()
    n = stubs.next_id()
    stubs.invoices[n] = StubInvoice(
        n,
        f"INV-2026-{n:06d}",
        7,
        ["WO-20261101-0001"],
        total,
        total,
        issue,
        issue + timedelta(days=terms_days),
    )
    handle = await env.client.start_workflow(
        DunningWorkflow.run,
        DunningInput(invoice_id=n),
        id=f"dunning-{n}-{uuid.uuid4().hex[:6]}",
        task_queue=task_queue,
    )
    return handle, stubs.invoices[n]


def at_step(due: date, offset: int) -> datetime:
    day = due + timedelta(days=offset)
    return datetime(day.year, day.month, day.day, SEND_HOUR_UTC, tzinfo=UTC)


async def test_the_whole_sixty_day_cadence_escalates_to_credit_hold(env, task_queue):
    stubs = BillingStubs()
    async with worker(env, task_queue, stubs):
        handle, invoice = await start_dunning(env, task_queue, stubs)
        result = await handle.result()
    assert [(i, ch) for _, i, ch, _, _ in stubs.steps] == [
        (0, "email"),
        (1, "email"),
        (2, "sms"),
        (3, "sms"),
        (4, "office_task"),
        (5, "credit_hold"),
    ]
    for (_, i, _, _, when), offset in zip(stubs.steps, (-3, 0, 3, 7, 14, 30), strict=True):
        assert (
            at_step(invoice.due_date, offset)
            <= when
            < at_step(invoice.due_date, offset) + timedelta(minutes=5)
        ), i
    assert (
        result.state == "finished"
        and result.credit_hold
        and [s.outcome for s in result.steps] == ["sent"] * 6
    )
    described = await handle.describe()
    assert described.search_attributes[AMOUNT_DUE_ATTR] == [200.0]


async def test_a_payment_stops_dunning_at_once_and_a_partial_one_keeps_it_running(env, task_queue):
    stubs = BillingStubs()
    async with worker(env, task_queue, stubs):
        handle, invoice = await start_dunning(env, task_queue, stubs)
        await env.sleep(timedelta(days=28))  # past the "3 days before" reminder
        balance = stubs.pay(invoice.invoice_id, D("120.00"))
        await handle.signal(
            DunningWorkflow.payment_received,
            PaymentReceived(payment_id=1, amount=D("120.00"), balance=balance),
        )
        await env.sleep(timedelta(days=4))  # the due-date reminder goes out for the rest
        status = await handle.query(DunningWorkflow.status)
        assert (status.state, status.balance) == ("active", D("80.00"))
        assert (await handle.describe()).search_attributes[AMOUNT_DUE_ATTR] == [80.0]
        balance = stubs.pay(invoice.invoice_id, D("80.00"))
        await handle.signal(
            DunningWorkflow.payment_received,
            PaymentReceived(payment_id=2, amount=D("80.00"), balance=balance),
        )
        result = await handle.result()
        finished_at = (await handle.describe()).close_time
    assert [(i, b) for _, i, _, b, _ in stubs.steps] == [(0, D("200.00")), (1, D("80.00"))]
    assert result.state == "paid" and result.balance == D("0.00") and not result.credit_hold
    assert finished_at < datetime.combine(invoice.due_date + timedelta(days=3), datetime.min.time(), UTC)
    assert (await handle.describe()).search_attributes[AMOUNT_DUE_ATTR] == [0.0]


async def test_a_payment_during_a_reminder_lets_no_reminder_out(env, task_queue):
    stubs = BillingStubs(block_step=1)
    async with worker(env, task_queue, stubs):
        handle, invoice = await start_dunning(env, task_queue, stubs)
        # up to a minute before the due-date reminder (time cannot skip while its send is in flight)
        await env.sleep(at_step(invoice.due_date, 0) - timedelta(minutes=1) - await env.get_current_time())
        waiting = asyncio.create_task(handle.result())
        await asyncio.wait_for(stubs.entered.wait(), 10)  # the due-date reminder is being sent
        balance = stubs.pay(invoice.invoice_id, invoice.total)  # committed while the send is in flight
        await handle.signal(
            DunningWorkflow.payment_received,
            PaymentReceived(payment_id=1, amount=invoice.total, balance=balance),
        )
        stubs.release.set()
        result = await asyncio.wait_for(waiting, 30)
    assert [i for _, i, _, _, _ in stubs.steps] == [0]
    assert stubs.refused == [(invoice.invoice_id, 1)]
    assert result.state == "paid" and [s.outcome for s in result.steps] == ["sent", "refused_paid"]


async def test_a_dispute_pauses_reminders_until_resolved(env, task_queue):
    stubs = BillingStubs()
    async with worker(env, task_queue, stubs):
        handle, _invoice = await start_dunning(env, task_queue, stubs)
        await env.sleep(timedelta(days=28))
        await handle.signal(
            DunningWorkflow.dispute, DisputeRequest(actor="staff:1", reason="wrong part billed")
        )
        await env.sleep(timedelta(days=20))  # due date, +3, +7 and +14 pass while disputed
        status = await handle.query(DunningWorkflow.status)
        assert status.state == "disputed" and [i for _, i, _, _, _ in stubs.steps] == [0]
        await handle.signal(DunningWorkflow.resolve_dispute, ResolveDisputeRequest(actor="staff:1"))
        result = await handle.result()
    assert [(i, ch) for _, i, ch, _, _ in stubs.steps] == [
        (0, "email"),
        (4, "office_task"),
        (5, "credit_hold"),
    ]
    assert [(s.index, s.outcome) for s in result.steps] == [
        (0, "sent"),
        (1, "skipped"),
        (2, "skipped"),
        (3, "skipped"),
        (4, "sent"),
        (5, "sent"),
    ]


async def test_a_payment_plan_moves_the_cadence(env, task_queue):
    stubs = BillingStubs()
    async with worker(env, task_queue, stubs):
        handle, invoice = await start_dunning(env, task_queue, stubs)
        await env.sleep(timedelta(days=31))  # -3 and due-date reminders sent
        new_due = invoice.due_date + timedelta(days=45)
        await handle.signal(
            DunningWorkflow.payment_plan, PaymentPlanRequest(actor="staff:1", due_date=new_due)
        )
        await env.sleep(timedelta(days=1))
        status = await handle.query(DunningWorkflow.status)
        assert (status.due_date, status.plan_version, status.next_step_at) == (
            new_due,
            1,
            at_step(new_due, -3),
        )
        balance = stubs.pay(invoice.invoice_id, invoice.total)
        await handle.signal(
            DunningWorkflow.payment_received,
            PaymentReceived(payment_id=1, amount=invoice.total, balance=balance),
        )
        result = await handle.result()
    assert [i for _, i, _, _, _ in stubs.steps] == [0, 1] and result.state == "paid"


async def test_the_demo_clock_runs_the_whole_cadence_in_minutes(env, task_queue):
    stubs = BillingStubs()
    async with worker(env, task_queue, stubs):
        now = await env.get_current_time()
        issue = now.astimezone(UTC).date()
        n = stubs.next_id()
        stubs.invoices[n] = StubInvoice(
            n, f"INV-2026-{n:06d}", 7, [], D("50"), D("50"), issue, issue + timedelta(days=30)
        )
        handle = await env.client.start_workflow(
            DunningWorkflow.run,
            DunningInput(invoice_id=n, day_seconds=3),
            id=f"dunning-demo-{uuid.uuid4().hex[:6]}",
            task_queue=task_queue,
        )
        result = await handle.result()
        described = await handle.describe()
    started = described.start_time
    offsets = [round((when - started).total_seconds()) for *_, when in stubs.steps]
    assert offsets == [81, 90, 99, 111, 132, 180] and result.credit_hold
