"""Bodies of ``/api/v1/invoices``: invoices with lines and payments, recording a payment, and
starting a billing cycle. Amounts in USD."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas.common import IsoDate, RequestBody, money
from domain.billing import InvoiceStatus, PaymentMethod
from domain.contracts.billing import DunningStatus

#: a payment: more than zero, at most 10 digits before the point
PaymentAmount = money()


class InvoiceLineOut(BaseModel):
    """One line: an estimate line or part of ``work_order_id``."""

    model_config = ConfigDict(from_attributes=True)

    line_no: int
    work_order_id: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


class PaymentOut(BaseModel):
    """A recorded payment."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    invoice_id: int
    method: PaymentMethod
    amount: Decimal
    reference: str
    recorded_by: str
    received_at: datetime


class InvoiceOut(BaseModel):
    """An invoice in a list: number, customer, period, dates, totals and balance."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    customer_id: int
    status: InvoiceStatus
    period_key: str
    period_start: date | None
    period_end: date | None
    issue_date: date
    due_date: date
    payment_terms: str
    subtotal: Decimal
    tax_rate: Decimal
    tax_amount: Decimal
    total: Decimal
    amount_paid: Decimal
    balance: Decimal
    workflow_id: str = Field(description="the BatchInvoicingWorkflow run that issued it")
    dunning_workflow_id: str | None = Field(
        default=None, description="dunning-{id}: the reminders of an invoice issued with a balance"
    )


class InvoiceDetail(InvoiceOut):
    """One invoice with its lines, the work orders it billed and its payments."""

    work_order_ids: list[str]
    lines: list[InvoiceLineOut]
    payments: list[PaymentOut]


#: how a payment arrived (``domain.billing.PaymentMethod``), as the strict bodies take it
PaymentMethodName = Literal["CASH", "CARD", "TRANSFER", "CHECK"]


class PaymentCreate(RequestBody):
    """A payment against the invoice; ``reference`` (check number, card authorisation, transfer id)
    makes it repeat-safe: the same reference with the same body returns the first payment."""

    method: PaymentMethodName
    amount: PaymentAmount
    reference: str = Field(min_length=1, max_length=100)
    allow_credit: bool = Field(default=False, description="accept more than the balance (kept as credit)")


class PaymentRecorded(BaseModel):
    """The payment and the invoice after it; ``replayed`` True when the reference had been recorded."""

    payment: PaymentOut
    invoice: InvoiceOut
    replayed: bool
    credit_hold_lifted: bool
    dunning_signalled: bool = Field(
        description="False when the dunning run could not be told (it re-reads the balance)"
    )


class BatchCreate(RequestBody):
    """Start a billing cycle for ``[period_start, period_end]`` (days included) or for a selected
    set of completed, uninvoiced ``work_order_ids`` (all or nothing)."""

    period_start: IsoDate | None = None
    period_end: IsoDate | None = None
    work_order_ids: list[str] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _one_mode(self) -> BatchCreate:
        if self.work_order_ids and (self.period_start or self.period_end):
            raise ValueError("give a period or work_order_ids, not both")
        if not self.work_order_ids and (self.period_start is None or self.period_end is None):
            raise ValueError("give period_start and period_end, or work_order_ids")
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        return self


class BatchStarted(BaseModel):
    """The cycle's workflow: query its ``progress`` or open it in the Temporal UI."""

    workflow_id: str
    period_key: str
    mode: Literal["period", "selection"]


class DisputeBody(RequestBody):
    """Why the customer disputes the invoice (kept in the audit log and the workflow history)."""

    reason: str = Field(min_length=1, max_length=500)


class PaymentPlanBody(RequestBody):
    """The date the customer agreed to pay by; the reminders are rescheduled around it."""

    due_date: IsoDate


class DunningOut(BaseModel):
    """The invoice's dunning run: ``status`` is its live state (None when no run exists, e.g. an
    invoice paid at issue); ``signalled`` names the signal a POST sent."""

    workflow_id: str
    running: bool
    status: DunningStatus | None = None
    signalled: str | None = None
