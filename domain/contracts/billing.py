"""Batch invoicing and dunning: workflow inputs, queries, signals, activity payloads, failures.

BatchInvoicingWorkflow (``billing-{period_key}``, or the schedule's ``billing-cycle-…`` runs)
issues one invoice per customer per period from completed, uninvoiced work, and starts one
DunningWorkflow (``dunning-{invoice_id}``) per invoice with a balance. Money in USD (Decimal).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from domain.contracts.shared import ActivitySpec, FailureType
from domain.dunning import DEFAULT_CHANNELS, DEFAULT_OFFSETS_DAYS, SECONDS_PER_DAY

PROGRESS_QUERY = "progress"
DUNNING_STATUS_QUERY = "status"
PAYMENT_RECEIVED_SIGNAL = "payment_received"
DISPUTE_SIGNAL = "dispute"
RESOLVE_DISPUTE_SIGNAL = "resolve_dispute"
PAYMENT_PLAN_SIGNAL = "payment_plan"


# ---- BatchInvoicingWorkflow ------------------------------------------------------------------


class BatchInvoicingInput(BaseModel):
    """What to bill: a period ``[period_start, period_end]`` (days included), or a selected set of
    ``work_order_ids`` (all-or-nothing: every one must be completed and uninvoiced), or neither
    (a scheduled run: the last closed period of ``cycle`` before today)."""

    period_start: date | None = None
    period_end: date | None = None
    work_order_ids: list[str] = Field(default_factory=list, max_length=500)
    cycle: Literal["daily", "weekly", "monthly"] = "monthly"
    requested_by: str = "schedule"
    #: the dunning cadence each issued invoice's DunningWorkflow gets (``Settings.dunning_*``)
    dunning_offsets_days: list[int] = Field(default_factory=lambda: list(DEFAULT_OFFSETS_DAYS))
    dunning_channels: list[str] = Field(default_factory=lambda: [c.value for c in DEFAULT_CHANNELS])
    dunning_day_seconds: int = Field(default=SECONDS_PER_DAY, ge=1)

    @model_validator(mode="after")
    def _one_mode(self) -> BatchInvoicingInput:
        if (self.period_start is None) != (self.period_end is None):
            raise ValueError("give both period_start and period_end, or neither")
        if self.period_start is not None and self.work_order_ids:
            raise ValueError("give a period or a selection of work orders, not both")
        return self


class IssuedInvoice(BaseModel):
    """An invoice the cycle issued (``created`` False: an earlier run or attempt had issued it)."""

    invoice_id: int
    number: str
    customer_id: int
    work_order_ids: list[str]
    total: Decimal
    balance: Decimal
    due_date: date
    created: bool


class BatchProgress(BaseModel):
    """Answer of the ``progress`` query and the workflow's result."""

    period_key: str = ""
    mode: Literal["period", "selection"] = "period"
    state: Literal["selecting", "invoicing", "done", "failed"] = "selecting"
    customers_total: int = 0
    customers_done: int = 0
    invoices: list[IssuedInvoice] = Field(default_factory=list)
    work_orders_billed: int = 0
    amount_invoiced: Decimal = Decimal("0.00")
    emails_sent: int = 0
    email_failures: list[str] = Field(default_factory=list)
    dunning_started: int = 0
    error: str | None = None


# ---- activity payloads (batch) ---------------------------------------------------------------


class FindBillableInput(BaseModel):
    """Completed, uninvoiced work finished in ``[period_start, period_end]`` (local days), or the
    selected ``work_order_ids`` (refused unless every one is billable)."""

    period_start: date | None = None
    period_end: date | None = None
    work_order_ids: list[str] = Field(default_factory=list)


class CustomerWork(BaseModel):
    """One customer's billable work orders."""

    customer_id: int
    work_order_ids: list[str]


class BillableWork(BaseModel):
    """Billable work grouped by customer (ascending customer id, work order ids sorted)."""

    groups: list[CustomerWork]


class IssueInvoicesInput(BaseModel):
    """Issue one invoice per group under ``period_key`` in one transaction (idempotent on
    (customer, period_key)); ``all_or_nothing`` refuses the whole call if any work order is no
    longer billable, otherwise such work orders are left out."""

    workflow_id: str
    period_key: str
    period_start: date | None = None
    period_end: date | None = None
    issue_date: date
    groups: list[CustomerWork]
    all_or_nothing: bool = False


class IssueInvoicesResult(BaseModel):
    """The invoices of the groups (none for a group with nothing left to bill)."""

    invoices: list[IssuedInvoice]


class SendInvoiceInput(BaseModel):
    """Email (or text, without an email address) the invoice to its customer, once per invoice."""

    invoice_id: int


class SendInvoiceResult(BaseModel):
    """Channel used and the outbox row id."""

    channel: str
    message_id: int


# ---- DunningWorkflow -------------------------------------------------------------------------


class DunningInput(BaseModel):
    """Start argument of ``dunning-{invoice_id}``: the cadence from settings at issue time."""

    invoice_id: int
    offsets_days: list[int] = Field(default_factory=lambda: list(DEFAULT_OFFSETS_DAYS))
    channels: list[str] = Field(default_factory=lambda: [c.value for c in DEFAULT_CHANNELS])
    #: length of a cadence day in seconds: a calendar day, or seconds under the demo profile
    day_seconds: int = Field(default=SECONDS_PER_DAY, ge=1)


class PaymentReceived(BaseModel):
    """Signal: payment ``payment_id`` was recorded; ``balance`` is the invoice's balance after it."""

    payment_id: int
    amount: Decimal
    balance: Decimal


class DisputeRequest(BaseModel):
    """Signal: the customer disputes the invoice; reminders pause until ``resolve_dispute``."""

    actor: str
    reason: str = Field(default="", max_length=500)


class ResolveDisputeRequest(BaseModel):
    """Signal: the dispute is settled; reminders resume from the current date."""

    actor: str


class PaymentPlanRequest(BaseModel):
    """Signal: the customer agreed to pay by ``due_date``; the cadence is recomputed from it."""

    actor: str
    due_date: date


class DunningStepRecord(BaseModel):
    """What happened at one step: ``outcome`` sent, skipped (an earlier due step), refused_paid
    (the balance was zero inside the send's claim), or failed (with ``detail``)."""

    index: int
    plan_version: int
    channel: str
    at: datetime
    outcome: Literal["sent", "skipped", "refused_paid", "failed"]
    detail: str | None = None


class DunningStatus(BaseModel):
    """Answer of the ``status`` query and the workflow's result."""

    invoice_id: int
    state: Literal["starting", "active", "disputed", "paid", "finished"] = "starting"
    balance: Decimal = Decimal("0.00")
    due_date: date | None = None
    plan_version: int = 0
    next_step_at: datetime | None = None
    steps: list[DunningStepRecord] = Field(default_factory=list)
    credit_hold: bool = False


# ---- activity payloads (dunning) -------------------------------------------------------------


class InvoiceFactsInput(BaseModel):
    """Read an invoice's balance and dates."""

    invoice_id: int


class InvoiceFacts(BaseModel):
    """An invoice as dunning needs it."""

    invoice_id: int
    customer_id: int
    number: str
    issue_date: date
    due_date: date
    balance: Decimal


class DunningStepInput(BaseModel):
    """Take dunning step ``index`` of plan ``plan_version`` through ``channel`` (email, sms,
    office_task, credit_hold), once per (workflow, plan, step); refused for a zero balance."""

    invoice_id: int
    workflow_id: str
    index: int
    plan_version: int
    channel: str
    offset_days: int


class DunningStepResult(BaseModel):
    """``done`` False: the balance was zero inside the claim, nothing was sent; ``balance`` as read."""

    done: bool
    balance: Decimal
    record_id: int | None = None


FIND_BILLABLE_WORK: ActivitySpec[FindBillableInput, BillableWork] = ActivitySpec(
    "find_billable_work",
    FindBillableInput,
    BillableWork,
    lambda i: (
        f"Find completed, uninvoiced work of {len(i.work_order_ids)} selected work orders"
        if i.work_order_ids
        else f"Find completed, uninvoiced work from {i.period_start} to {i.period_end}"
    ),
)
ISSUE_INVOICES: ActivitySpec[IssueInvoicesInput, IssueInvoicesResult] = ActivitySpec(
    "issue_invoices",
    IssueInvoicesInput,
    IssueInvoicesResult,
    lambda i: (
        f"Invoice customer {i.groups[0].customer_id} for {i.period_key} ({len(i.groups[0].work_order_ids)} work orders)"
        if len(i.groups) == 1
        else f"Invoice {len(i.groups)} customers for {i.period_key} (all or nothing)"
    ),
)
SEND_INVOICE: ActivitySpec[SendInvoiceInput, SendInvoiceResult] = ActivitySpec(
    "send_invoice",
    SendInvoiceInput,
    SendInvoiceResult,
    lambda i: f"Send invoice {i.invoice_id} to the customer",
)
LOAD_INVOICE_FACTS: ActivitySpec[InvoiceFactsInput, InvoiceFacts] = ActivitySpec(
    "load_invoice_facts", InvoiceFactsInput, InvoiceFacts, lambda i: f"Read balance of invoice {i.invoice_id}"
)
TAKE_DUNNING_STEP: ActivitySpec[DunningStepInput, DunningStepResult] = ActivitySpec(
    "take_dunning_step",
    DunningStepInput,
    DunningStepResult,
    lambda i: f"Dunning step {i.index + 1} ({i.channel}, {i.offset_days:+d} days) of invoice {i.invoice_id}",
)


# ---- failures ------------------------------------------------------------------------------


class BillingFailure(FailureType):
    """What invoicing refuses with."""

    NOT_BILLABLE = (
        "NotBillable",
        409,
        False,
        "a selected work order is not completed, already invoiced, or does not exist (nothing was invoiced)",
    )
