"""Billing through the API and the real workers: a selected set of completed work becomes one
invoice with every line, its PDF, its email and its dunning run; payments are idempotent on their
reference, never exceed the balance without credit, and the last one stops the dunning run."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pypdfium2
import pytest
from temporalio.client import WorkflowExecutionStatus

from db.models import Customer
from db.session import transaction
from domain.contracts.billing import BatchProgress, DunningStatus
from domain.ids import AMOUNT_DUE_ATTR
from tests.integration.test_billing_activities import completed_order
from tests.integration.test_repair_api import new_customer

pytestmark = pytest.mark.integration
D = Decimal


async def wait_for(check, timeout_s: float = 30):
    for _ in range(int(timeout_s / 0.2)):
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.2)
    raise AssertionError("condition never held")


async def test_selected_work_is_invoiced_once_and_payments_stop_its_dunning(stack, database):
    customer = await new_customer(stack, email="ap-billing@example.com", preferred_contact_method="email")
    ended = datetime.now(UTC) - timedelta(days=2)
    orders = sorted(completed_order(database, customer, ended=ended) for _ in range(2))

    started = await stack.http.post(
        "/api/v1/invoices/batch", json={"work_order_ids": orders}, headers=stack.office
    )
    assert started.status_code == 202, started.text
    workflow_id = started.json()["workflow_id"]
    assert started.json()["mode"] == "selection" and workflow_id.startswith("billing-sel-")
    handle = stack.client.get_workflow_handle(workflow_id, result_type=BatchProgress)
    progress: BatchProgress = await handle.result()
    assert (progress.state, progress.customers_done, progress.work_orders_billed) == ("done", 1, 2)
    (issued,) = progress.invoices
    assert progress.emails_sent == 1 and progress.dunning_started == 1

    again = await stack.http.post(
        "/api/v1/invoices/batch", json={"work_order_ids": orders}, headers=stack.office
    )
    assert again.status_code == 409 and "already invoiced" in again.json()["detail"]

    listed = await stack.http.get("/api/v1/invoices", params={"customer_id": customer}, headers=stack.office)
    assert [i["id"] for i in listed.json()["items"]] == [issued.invoice_id]
    invoice = (await stack.http.get(f"/api/v1/invoices/{issued.invoice_id}", headers=stack.office)).json()
    assert invoice["work_order_ids"] == orders and invoice["workflow_id"] == workflow_id
    assert [line["work_order_id"] for line in invoice["lines"]] == [orders[0]] * 3 + [orders[1]] * 3
    # (95 + 50 + 89) * 2 = 468.00, tax 8.25 % = 38.61
    assert (D(invoice["subtotal"]), D(invoice["tax_amount"]), D(invoice["total"])) == (
        D("468.00"),
        D("38.61"),
        D("506.61"),
    )
    assert invoice["status"] == "open" and invoice["number"].startswith(f"INV-{datetime.now(UTC).year}-")

    pdf = await stack.http.get(f"/api/v1/invoices/{issued.invoice_id}.pdf", headers=stack.office)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pypdfium2.PdfDocument(pdf.content)[0].get_textpage().get_text_range()
    for expected in (invoice["number"], "Balance due", "$506.61", "$38.61", orders[0], orders[1]):
        assert expected in text, expected

    emails = await stack.http.get(
        "/api/v1/messages",
        params={"customer_id": customer, "purpose": "invoice-issued"},
        headers=stack.office,
    )
    assert [m["status"] for m in emails.json()["items"]] == ["sent"]
    assert invoice["number"] in emails.json()["items"][0]["body"]

    dunning = stack.client.get_workflow_handle(invoice["dunning_workflow_id"], result_type=DunningStatus)
    status: DunningStatus = await wait_for(lambda: _active(dunning))
    assert status.balance == D("506.61")

    pay = f"/api/v1/invoices/{issued.invoice_id}/payments"
    first = await stack.http.post(
        pay, json={"method": "CHECK", "amount": "200.00", "reference": "CHK-1042"}, headers=stack.office
    )
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["invoice"]["status"], D(body["invoice"]["balance"]), body["dunning_signalled"]) == (
        "partially_paid",
        D("306.61"),
        True,
    )
    replay = await stack.http.post(
        pay, json={"method": "CHECK", "amount": "200.00", "reference": "CHK-1042"}, headers=stack.office
    )
    assert (
        replay.status_code == 200
        and replay.json()["payment"]["id"] == body["payment"]["id"]
        and replay.json()["replayed"]
    )
    other = await stack.http.post(
        pay, json={"method": "CASH", "amount": "200.00", "reference": "CHK-1042"}, headers=stack.office
    )
    assert other.status_code == 409
    too_much = await stack.http.post(
        pay, json={"method": "CARD", "amount": "400.00", "reference": "AUTH-1"}, headers=stack.office
    )
    assert too_much.status_code == 409 and "allow_credit" in too_much.json()["detail"]
    zero = await stack.http.post(
        pay, json={"method": "CARD", "amount": "0", "reference": "AUTH-0"}, headers=stack.office
    )
    assert zero.status_code == 422
    tech = await stack.http.post(
        pay,
        json={"method": "CASH", "amount": "1.00", "reference": "T-1"},
        headers={"X-API-Key": stack.tech_keys["T-001"]},
    )
    assert tech.status_code == 403

    partial: DunningStatus = await wait_for(lambda: _balance_is(dunning, D("306.61")))
    assert partial.state == "active"
    assert (await dunning.describe()).search_attributes[AMOUNT_DUE_ATTR] == [306.61]

    live = f"/api/v1/invoices/{issued.invoice_id}"
    disputed = await stack.http.post(f"{live}/dispute", json={"reason": "wrong part"}, headers=stack.office)
    assert disputed.status_code == 202 and disputed.json()["signalled"] == "dispute"
    await wait_for(lambda: _state_is(stack, live, "disputed"))
    resolved = await stack.http.post(f"{live}/resolve-dispute", headers=stack.office)
    assert resolved.status_code == 202
    await wait_for(lambda: _state_is(stack, live, "active"))
    past = await stack.http.post(
        f"{live}/payment-plan", json={"due_date": "2020-01-01"}, headers=stack.office
    )
    assert past.status_code == 422
    new_due = (datetime.now(UTC) + timedelta(days=90)).date().isoformat()
    plan = await stack.http.post(f"{live}/payment-plan", json={"due_date": new_due}, headers=stack.office)
    assert plan.status_code == 202
    planned = await wait_for(lambda: _state_is(stack, live, "active", plan_version=1))
    assert planned["status"]["due_date"] == new_due

    with transaction(database.sessions) as session:
        session.get(Customer, customer).credit_hold = True  # as the last dunning step would
    rest = await stack.http.post(
        pay, json={"method": "TRANSFER", "amount": "306.61", "reference": "ACH-77"}, headers=stack.office
    )
    assert rest.status_code == 201
    assert (rest.json()["invoice"]["status"], D(rest.json()["invoice"]["balance"])) == ("paid", D("0.00"))
    assert rest.json()["credit_hold_lifted"]
    final: DunningStatus = await asyncio.wait_for(dunning.result(), 30)
    assert final.state == "paid" and final.steps == []  # stopped before its first reminder
    assert (await dunning.describe()).status == WorkflowExecutionStatus.COMPLETED
    detail = (await stack.http.get(f"/api/v1/invoices/{issued.invoice_id}", headers=stack.office)).json()
    assert [p["reference"] for p in detail["payments"]] == ["CHK-1042", "ACH-77"]
    over = await stack.http.get(f"{live}/dunning", headers=stack.office)
    assert over.json()["running"] is False and over.json()["status"]["state"] == "paid"
    late = await stack.http.post(f"{live}/dispute", json={"reason": "late"}, headers=stack.office)
    assert late.status_code == 409


async def _active(handle) -> DunningStatus | None:
    try:
        status = await handle.query("status", result_type=DunningStatus)
    except Exception:  # not started yet
        return None
    return status if status.state == "active" else None


async def _balance_is(handle, balance: Decimal) -> DunningStatus | None:
    status = await handle.query("status", result_type=DunningStatus)
    return status if status.balance == balance else None


async def test_the_demo_billing_cycle_counts_invoices_payments_and_messages(stack, database):
    from devstack.billing_run import run_billing_cycle

    customers = [await new_customer(stack, email=f"demo-billing-{n}@example.com") for n in range(3)]
    ended = datetime.now(UTC) - timedelta(days=1)
    orders = [completed_order(database, c, ended=ended) for c in customers for _ in range(2)]
    summary = await run_billing_cycle(
        stack.http, stack.office, work_order_ids=orders, pay_in_full=1, pay_half=1
    )
    assert (summary.invoices, summary.work_orders_billed, summary.invoice_messages) == (3, 6, 3)
    assert D(summary.amount_invoiced) == 3 * D("506.61")
    assert (summary.payments, summary.invoices_paid, summary.invoices_open) == (2, 1, 2)
    assert D(summary.amount_paid) == D("506.61") + D("253.31")
    assert len(summary.dunning_workflows) == 3 and summary.dunning_reminders == 0


async def _state_is(stack, live: str, state: str, plan_version: int = 0) -> dict | None:
    r = await stack.http.get(f"{live}/dunning", headers=stack.office)
    body = r.json()
    status = body.get("status") or {}
    return body if status.get("state") == state and status.get("plan_version") == plan_version else None
