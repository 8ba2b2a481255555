"""Customer 360 tables (seed 004 Phase 1): ``appliances``, ``expenses``, ``reviews``,
``customer_technician_ratings`` and ``service_follow_ups``.

Names follow the seed's Prisma models (``Appliance``, ``Expense``, ``Review``,
``CustomerTechnicianRating``, ``ServiceFollowUp``) in snake case; the seed's ``Job`` is our
``work_orders`` row, so its ``jobId`` is ``work_order_id`` here. What the seed puts elsewhere
lives in existing tables:

- ``Payment.paymentMethod`` is billing's ``payments.method`` (``domain.billing.PaymentMethod``);
  every payment is recorded against an invoice, which names the customer and (through
  ``invoice_work_orders``/``invoice_lines``) the work orders it paid for.
- ``Customer.preferredTechnicianId`` is the existing ``customer_preferred_technicians`` list,
  which the assignment model already reads; referrals are columns of ``customers``
  (``referred_by_id``, ``referral_code``).
- the communication preference fields are ``communication_preferences`` plus
  ``customers.preferred_contact_method``.

Money is USD Numeric(12, 2); ratings are integers 1-5; times are aware UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Money, Timestamped

#: ``reviews.source`` values the API writes; a survey helper writes ``survey``
REVIEW_SOURCES = ("manual", "survey", "import")
#: ``service_follow_ups.status`` values
FOLLOW_UP_STATUSES = ("open", "done")


class Appliance(Base, Timestamped):
    """Equipment at a customer's site that we service (a septic tank, a grease trap, a water
    heater, a fleet vehicle's lift gate…).

    ``work_order_id`` is the job that last serviced it (seed: ``jobId``, "link to the last
    service job"); ``last_service_date`` the day of that service (or a date the customer told
    us). ``installed_on`` is optional; predictive maintenance (seed 004 Phase 2) uses it with the
    service history. A serial number is unique per customer (several appliances may lack one).
    """

    __tablename__ = "appliances"
    __table_args__ = (UniqueConstraint("customer_id", "serial_number", name="uq_appliances_customer_serial"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    type: Mapped[str] = mapped_column(String(60))
    brand: Mapped[str | None] = mapped_column(String(80))
    model_number: Mapped[str | None] = mapped_column(String(80))
    serial_number: Mapped[str | None] = mapped_column(String(80))
    installed_on: Mapped[date | None] = mapped_column(Date)
    last_service_date: Mapped[date | None] = mapped_column(Date)
    work_order_id: Mapped[str | None] = mapped_column(
        ForeignKey("work_orders.id", ondelete="SET NULL"), index=True
    )
    notes: Mapped[str | None] = mapped_column(Text)


class Expense(Base):
    """Money the company spent for a customer and/or a job (seed 004 ``Expense`` with optional
    ``customerId`` and ``jobId``): a dump fee, a rented excavator, a permit, a subcontractor.

    At least one of ``customer_id`` and ``work_order_id`` is set. The API fills ``customer_id``
    from the work order when only the job is given, so a customer's expenses are one indexed
    lookup; a *direct* expense has no work order, a *job* expense has one. ``amount`` is
    positive USD. Labor and parts used on a job stay in ``job_costs``.
    """

    __tablename__ = "expenses"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("customer_id IS NOT NULL OR work_order_id IS NOT NULL", name="linked"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    work_order_id: Mapped[str | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    category: Mapped[str] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(String(300))
    amount: Mapped[Money]
    incurred_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Review(Base):
    """A customer's review of a job (seed 004 ``Review``): rating 1-5 and an optional comment.

    ``source`` is where it came from (``REVIEW_SOURCES``: ``manual`` when staff typed it in,
    ``survey`` from a post-service survey answer); one review per (work order, source), so a
    survey answer recorded twice stays one row. ``sentiment_score`` is in [-1, 1] (negative to
    positive), None until scored. ``technician_id`` is the job's technician when reviewed.
    """

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("work_order_id", "source", name="uq_reviews_work_order_source"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        CheckConstraint("sentiment_score BETWEEN -1 AND 1", name="sentiment_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    technician_id: Mapped[str] = mapped_column(ForeignKey("technicians.id"), index=True)
    rating: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    sentiment_score: Mapped[Decimal | None] = mapped_column(Numeric(4, 3))
    source: Mapped[str] = mapped_column(String(20), default="manual", server_default="manual")
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CustomerTechnicianRating(Base):
    """How a customer rated the technician of one job (seed 004 ``CustomerTechnicianRating``),
    1-5; one per (work order, technician), re-rating replaces it. Feeds the customer's
    technician preference (``customer_preferred_technicians``) and technician matching."""

    __tablename__ = "customer_technician_ratings"
    __table_args__ = (
        UniqueConstraint(
            "work_order_id", "technician_id", name="uq_customer_technician_ratings_job_technician"
        ),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    technician_id: Mapped[str] = mapped_column(ForeignKey("technicians.id"), index=True)
    work_order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), index=True)
    rating: Mapped[int] = mapped_column(SmallInteger)
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class ServiceFollowUp(Base, Timestamped):
    """Something to follow up with a customer about (seed 004 ``ServiceFollowUp``): a call after a
    job, a satisfaction check, maintenance coming due.

    ``work_order_id`` and ``technician_id`` are set when it is about a job; ``assigned_to_technician_id``
    is the manager or technician who owns it (None: the office queue; office staff have API keys,
    not technician rows). ``status`` is ``open`` or ``done`` (``completed_at``/``completed_by``
    say when and by whom); ``due_date`` is the day it should happen (seed: ``followUpDate``).
    ``satisfaction_rating`` (1-5) and ``feedback`` record the answer. ``source`` says who raised
    it (``manual``, or a helper such as ``suggestion``); ``key`` (unique when set) makes raising it
    idempotent for schedules and workflows, keyed by a business id.
    """

    __tablename__ = "service_follow_ups"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done')", name="status_known"),
        CheckConstraint("satisfaction_rating BETWEEN 1 AND 5", name="satisfaction_range"),
        Index("ix_service_follow_ups_status_due", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    work_order_id: Mapped[str | None] = mapped_column(
        ForeignKey("work_orders.id", ondelete="SET NULL"), index=True
    )
    technician_id: Mapped[str | None] = mapped_column(ForeignKey("technicians.id"))
    assigned_to_technician_id: Mapped[str | None] = mapped_column(ForeignKey("technicians.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open")
    due_date: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20), default="manual", server_default="manual")
    satisfaction_rating: Mapped[int | None] = mapped_column(SmallInteger)
    feedback: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(80))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_by: Mapped[str | None] = mapped_column(String(80))
