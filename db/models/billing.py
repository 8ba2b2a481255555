"""``invoices``, ``invoice_lines``, ``invoice_work_orders``, ``payments``,
``invoice_number_counters`` and ``office_tasks`` (seed 003 Priority 3, seed 004 Phase 1).

Idempotency lives in the schema: one invoice per (customer, period key); a work order belongs to
at most one invoice (``invoice_work_orders`` is keyed by the work order); one payment per
(invoice, reference); one office task per key. Money in USD (Numeric(12, 2)).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, Money, Timestamped


class InvoiceNumberCounter(Base):
    """Last invoice number used in ``year``; its row is locked by the transaction that issues an
    invoice, so numbers are gap-free (a rolled-back invoice frees its number)."""

    __tablename__ = "invoice_number_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer)


class Invoice(Base, Timestamped):
    """One customer's invoice for one billing period (or one selected set of work orders).

    ``status``: open → partially_paid → paid (``domain.billing.InvoiceStatus``); ``workflow_id``
    is the BatchInvoicingWorkflow run that issued it; ``tax_rate`` is a fraction (0.0825).
    """

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("customer_id", "period_key", name="uq_invoices_customer_period"),
        CheckConstraint("total >= 0", name="total_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    period_key: Mapped[str] = mapped_column(String(40))
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    workflow_id: Mapped[str] = mapped_column(String(120), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    payment_terms: Mapped[str] = mapped_column(String(20))
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    subtotal: Mapped[Money]
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    tax_amount: Mapped[Money]
    total: Mapped[Money]
    amount_paid: Mapped[Money]
    balance: Mapped[Money]
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.line_no", cascade="all, delete-orphan"
    )
    payments: Mapped[list[Payment]] = relationship(back_populates="invoice", order_by="Payment.id")


class InvoiceLine(Base):
    """One line: a priced estimate line or a part of ``work_order_id``; amount = quantity * unit price."""

    __tablename__ = "invoice_lines"
    __table_args__ = (UniqueConstraint("invoice_id", "line_no", name="uq_invoice_lines_invoice_line"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    work_order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id"), index=True)
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    unit_price: Mapped[Money]
    amount: Mapped[Money]

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class InvoiceWorkOrder(Base):
    """Which invoice billed a work order: keyed by the work order, so none is billed twice."""

    __tablename__ = "invoice_work_orders"

    work_order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id"), primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)


class Payment(Base):
    """A payment against an invoice; ``reference`` (check number, card authorisation, transfer id)
    makes recording it idempotent; ``fingerprint`` is the SHA-256 of what was sent with it."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("invoice_id", "reference", name="uq_payments_invoice_reference"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    method: Mapped[str] = mapped_column(String(10))
    amount: Mapped[Money]
    reference: Mapped[str] = mapped_column(String(100))
    fingerprint: Mapped[str] = mapped_column(String(64))
    allow_credit: Mapped[bool] = mapped_column(default=False, server_default="false")
    recorded_by: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    invoice: Mapped[Invoice] = relationship(back_populates="payments")


class OfficeTask(Base):
    """Work for office staff raised by a workflow (a dunning escalation, a credit hold), once per ``key``."""

    __tablename__ = "office_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
