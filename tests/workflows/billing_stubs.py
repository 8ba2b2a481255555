"""In-memory billing activities under the real names: a tiny "database" of invoices and work."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.billing import due_date, invoice_number
from domain.contracts import billing as contract
from domain.contracts.billing import (
    BillableWork,
    CustomerWork,
    DunningStepInput,
    DunningStepResult,
    FindBillableInput,
    InvoiceFacts,
    InvoiceFactsInput,
    IssuedInvoice,
    IssueInvoicesInput,
    IssueInvoicesResult,
    SendInvoiceInput,
    SendInvoiceResult,
)


@dataclass
class StubInvoice:
    invoice_id: int
    number: str
    customer_id: int
    work_order_ids: list[str]
    total: Decimal
    balance: Decimal
    issue_date: date
    due_date: date


@dataclass
class BillingStubs:
    """``work``: work order id → (customer id, amount); ``terms`` per customer (default NET_30)."""

    work: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    #: invoice ids start above this, so ``dunning-{id}`` never collides across tests on one server
    id_base: int = field(default_factory=lambda: uuid.uuid4().int % 10**9 * 1000)
    terms: dict[int, str] = field(default_factory=dict)
    invoices: dict[int, StubInvoice] = field(default_factory=dict)
    by_period: dict[tuple[int, str], int] = field(default_factory=dict)
    billed: dict[str, int] = field(default_factory=dict)
    sent_invoices: list[int] = field(default_factory=list)
    #: every dunning step taken: (invoice id, step index, channel, balance, when)
    steps: list[tuple[int, int, str, Decimal, datetime]] = field(default_factory=list)
    refused: list[tuple[int, int]] = field(default_factory=list)
    #: fail the first attempt of issue_invoices for this customer after "committing" it (a crash)
    crash_after_commit_for: int | None = None
    crashed: bool = False
    #: step index whose send blocks (after being scheduled, before its claim) until released
    block_step: int | None = None
    entered: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    @activity.defn(name=contract.FIND_BILLABLE_WORK.name)
    async def find_billable_work(self, inp: FindBillableInput) -> BillableWork:
        chosen = inp.work_order_ids or [w for w in self.work if w not in self.billed]
        bad = [w for w in chosen if w not in self.work or w in self.billed]
        if inp.work_order_ids and bad:
            raise ApplicationError(f"not billable: {bad}", type="NotBillable", non_retryable=True)
        groups: dict[int, list[str]] = {}
        for w in sorted(chosen):
            groups.setdefault(self.work[w][0], []).append(w)
        return BillableWork(
            groups=[CustomerWork(customer_id=c, work_order_ids=ids) for c, ids in sorted(groups.items())]
        )

    @activity.defn(name=contract.ISSUE_INVOICES.name)
    async def issue_invoices(self, inp: IssueInvoicesInput) -> IssueInvoicesResult:
        out = []
        for group in inp.groups:
            key = (group.customer_id, inp.period_key)
            if key in self.by_period:
                inv = self.invoices[self.by_period[key]]
                out.append(self._issued(inv, False))
                continue
            ids = [w for w in group.work_order_ids if w not in self.billed]
            if not ids:
                continue
            total = sum((self.work[w][1] for w in ids), Decimal("0"))
            n = self.next_id()
            inv = StubInvoice(
                n,
                invoice_number(inp.issue_date.year, n),
                group.customer_id,
                ids,
                total,
                total,
                inp.issue_date,
                due_date(inp.issue_date, self.terms.get(group.customer_id, "NET_30")),
            )
            self.invoices[n] = inv
            self.by_period[key] = n
            for w in ids:
                self.billed[w] = n
            if group.customer_id == self.crash_after_commit_for and not self.crashed:
                self.crashed = True
                raise RuntimeError("worker died after the commit")
            out.append(self._issued(inv, True))
        return IssueInvoicesResult(invoices=out)

    @staticmethod
    def _issued(inv: StubInvoice, created: bool) -> IssuedInvoice:
        return IssuedInvoice(
            invoice_id=inv.invoice_id,
            number=inv.number,
            customer_id=inv.customer_id,
            work_order_ids=inv.work_order_ids,
            total=inv.total,
            balance=inv.balance,
            due_date=inv.due_date,
            created=created,
        )

    @activity.defn(name=contract.SEND_INVOICE.name)
    async def send_invoice(self, inp: SendInvoiceInput) -> SendInvoiceResult:
        if inp.invoice_id not in self.sent_invoices:
            self.sent_invoices.append(inp.invoice_id)
        return SendInvoiceResult(channel="email", message_id=inp.invoice_id)

    @activity.defn(name=contract.LOAD_INVOICE_FACTS.name)
    async def load_invoice_facts(self, inp: InvoiceFactsInput) -> InvoiceFacts:
        inv = self.invoices[inp.invoice_id]
        return InvoiceFacts(
            invoice_id=inv.invoice_id,
            customer_id=inv.customer_id,
            number=inv.number,
            issue_date=inv.issue_date,
            due_date=inv.due_date,
            balance=inv.balance,
        )

    @activity.defn(name=contract.TAKE_DUNNING_STEP.name)
    async def take_dunning_step(self, inp: DunningStepInput) -> DunningStepResult:
        if inp.index == self.block_step:
            self.entered.set()
            await self.release.wait()
        balance = self.invoices[inp.invoice_id].balance  # "re-read under the row lock, inside the claim"
        if balance <= 0:
            self.refused.append((inp.invoice_id, inp.index))
            return DunningStepResult(done=False, balance=balance)
        self.steps.append(
            (inp.invoice_id, inp.index, inp.channel, balance, activity.info().current_attempt_scheduled_time)
        )
        return DunningStepResult(done=True, balance=balance, record_id=len(self.steps))

    def next_id(self) -> int:
        """The id the next invoice gets."""
        return self.id_base + len(self.invoices) + 1

    def pay(self, invoice_id: int, amount: Decimal) -> Decimal:
        """Record a payment as the API would (before signalling); returns the new balance."""
        inv = self.invoices[invoice_id]
        inv.balance -= amount
        return inv.balance

    def all(self) -> list:
        return [
            self.find_billable_work,
            self.issue_invoices,
            self.send_invoice,
            self.load_invoice_facts,
            self.take_dunning_step,
        ]
