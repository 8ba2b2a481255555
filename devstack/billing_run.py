"""A billing cycle played through the HTTP API, for the demo (and any script): invoice the day's
completed work, record payments, and count invoices, emails, reminders and payments.

Usage from the demo, after the day's repairs are completed::

    summary = await run_billing_cycle(http, office_headers, work_order_ids=completed_ids)
    report["billing"] = summary.as_report()
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field
from decimal import Decimal

import httpx

from domain.billing import cents


@dataclass
class BillingSummary:
    """What one cycle produced; amounts in USD as strings."""

    workflow_id: str = ""
    period_key: str = ""
    invoices: int = 0
    work_orders_billed: int = 0
    amount_invoiced: str = "0.00"
    invoice_messages: int = 0
    payments: int = 0
    amount_paid: str = "0.00"
    invoices_paid: int = 0
    invoices_open: int = 0
    dunning_reminders: int = 0
    dunning_workflows: list[str] = field(default_factory=list)

    def as_report(self) -> dict:
        """The summary as a JSON-ready dict."""
        return asdict(self)


async def _all(http: httpx.AsyncClient, path: str, headers: dict, **params: object) -> list[dict]:
    items: list[dict] = []
    page = 1
    while True:
        r = await http.get(path, headers=headers, params={**params, "page": page, "page_size": 100})
        r.raise_for_status()
        body = r.json()
        items += body["items"]
        if len(items) >= body["total"] or not body["items"]:
            return items
        page += 1


async def run_billing_cycle(
    http: httpx.AsyncClient,
    office: dict[str, str],
    *,
    work_order_ids: list[str],
    pay_in_full: int = 2,
    pay_half: int = 1,
    timeout_s: float = 60,
) -> BillingSummary:
    """Invoice ``work_order_ids`` (completed, uninvoiced) in one all-or-nothing cycle through
    ``POST /api/v1/invoices/batch``, wait for the invoices, then pay ``pay_in_full`` of them in full
    (their dunning stops) and ``pay_half`` by half (their dunning goes on for the rest), each
    payment sent twice to show it is recorded once. Raises ``httpx.HTTPStatusError`` on a refused
    call and TimeoutError when the invoices do not appear within ``timeout_s``."""
    summary = BillingSummary()
    started = await http.post(
        "/api/v1/invoices/batch", json={"work_order_ids": work_order_ids}, headers=office
    )
    started.raise_for_status()
    summary.workflow_id, summary.period_key = started.json()["workflow_id"], started.json()["period_key"]
    invoices: list[dict] = []
    for _ in range(int(timeout_s / 0.5)):  # a selection is issued in one transaction: all or none
        invoices = await _all(http, "/api/v1/invoices", office, period_key=summary.period_key)
        if invoices:
            break
        await asyncio.sleep(0.5)
    else:
        raise TimeoutError(f"no invoices for {summary.period_key} after {timeout_s} s")
    summary.invoices = len(invoices)
    summary.amount_invoiced = str(sum((Decimal(i["total"]) for i in invoices), Decimal("0")))
    owed = [i for i in invoices if Decimal(i["balance"]) > 0]
    summary.dunning_workflows = [i["dunning_workflow_id"] for i in owed]
    paid = Decimal("0")
    for n, invoice in enumerate(owed[: pay_in_full + pay_half]):
        amount = Decimal(invoice["balance"]) if n < pay_in_full else cents(Decimal(invoice["balance"]) / 2)
        body = {
            "method": ("CARD", "CHECK", "TRANSFER")[n % 3],
            "amount": str(amount),
            "reference": f"demo-{invoice['number']}",
        }
        for _ in range(2):  # a retried request: recorded once
            r = await http.post(f"/api/v1/invoices/{invoice['id']}/payments", json=body, headers=office)
            r.raise_for_status()
        summary.payments += 1
        paid += amount
    summary.amount_paid = str(paid)
    after = await _all(http, "/api/v1/invoices", office, period_key=summary.period_key)
    summary.invoices_paid = sum(1 for i in after if i["status"] == "paid")
    summary.invoices_open = len(after) - summary.invoices_paid
    customers = {i["customer_id"] for i in after}
    for customer_id in sorted(customers):
        messages = await _all(http, "/api/v1/messages", office, customer_id=customer_id)
        summary.invoice_messages += sum(1 for m in messages if m["purpose"] == "invoice-issued")
        summary.dunning_reminders += sum(1 for m in messages if m["purpose"].startswith("dunning-reminder"))
    details = [(await http.get(f"/api/v1/invoices/{i['id']}", headers=office)).json() for i in after]
    summary.work_orders_billed = sum(len(d["work_order_ids"]) for d in details)
    return summary
