"""Reads and writes of the customer 360 records (seed 004 Phase 1): appliances, expenses, reviews,
customer-technician ratings and service follow-ups. Keyword-only, never commit.

Scope (``domain.access``): a record is visible when its customer is (``customers.in_scope``) and,
when it names a job, that job is too (``work_orders.in_scope``); so a technician sees the
appliances of the customers he serves and the reviews of his own jobs, not a colleague's.
``*_for_customer`` functions are one statement each, whatever the number of rows (the 360 view).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select, true
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import InstrumentedAttribute, Session

from db.models import (
    Appliance,
    Customer,
    CustomerTechnicianRating,
    Expense,
    Invoice,
    Payment,
    Review,
    ServiceFollowUp,
    Technician,
    WorkOrder,
)
from db.repositories import customers, work_orders
from domain.access import Scope


def _visible(
    scope: Scope,
    customer_id: InstrumentedAttribute[int],
    work_order_id: InstrumentedAttribute[str | None] | None,
) -> ColumnElement[bool]:
    """Rows whose customer is in ``scope`` and whose job (if any) is in ``scope`` too."""
    if scope.everything:
        return true()
    clause = customer_id.in_(select(Customer.id).where(customers.in_scope(scope)))
    if work_order_id is None:
        return clause
    jobs = select(WorkOrder.id).where(work_orders.in_scope(scope))
    return and_(clause, or_(work_order_id.is_(None), work_order_id.in_(jobs)))


# ---- appliances --------------------------------------------------------------------------------


def appliance_list_stmt(*, scope: Scope, customer_id: int | None = None) -> Select[Appliance]:
    """Appliances in ``scope`` by id, optionally of one customer (for ``api.pagination.paginate``)."""
    stmt = select(Appliance).where(_visible(scope, Appliance.customer_id, None)).order_by(Appliance.id)
    if customer_id is not None:
        stmt = stmt.where(Appliance.customer_id == customer_id)
    return stmt


def appliance(session: Session, appliance_id: int, *, scope: Scope) -> Appliance | None:
    """The appliance if it exists and its customer is in ``scope``, else None."""
    stmt = select(Appliance).where(Appliance.id == appliance_id, _visible(scope, Appliance.customer_id, None))
    return session.scalars(stmt).first()


def appliances_for_customer(session: Session, *, customer_id: int) -> list[Appliance]:
    """Every appliance of the customer by id (one statement)."""
    return list(
        session.scalars(select(Appliance).where(Appliance.customer_id == customer_id).order_by(Appliance.id))
    )


def remove_appliance(session: Session, *, appliance: Appliance) -> None:
    """Delete the appliance and flush."""
    session.delete(appliance)
    session.flush()


# ---- expenses ----------------------------------------------------------------------------------


def _customer_expenses(customer_id: int) -> ColumnElement[bool]:
    """A customer's expenses: its direct ones, and those of its jobs (whatever ``customer_id`` says)."""
    return or_(
        Expense.customer_id == customer_id,
        Expense.work_order_id.in_(select(WorkOrder.id).where(WorkOrder.customer_id == customer_id)),
    )


def expense_list_stmt(
    *, scope: Scope, customer_id: int | None = None, work_order_id: str | None = None
) -> Select[Expense]:
    """Expenses in ``scope``, newest first, of a customer (direct and job) and/or one job."""
    stmt = (
        select(Expense)
        .where(_visible(scope, Expense.customer_id, Expense.work_order_id))  # type: ignore[arg-type]
        .order_by(Expense.incurred_on.desc(), Expense.id.desc())
    )
    if customer_id is not None:
        stmt = stmt.where(_customer_expenses(customer_id))
    if work_order_id is not None:
        stmt = stmt.where(Expense.work_order_id == work_order_id)
    return stmt


def expenses_for_customer(session: Session, *, customer_id: int, scope: Scope) -> list[Expense]:
    """The customer's direct and job expenses in ``scope``, newest first (one statement)."""
    return list(session.scalars(expense_list_stmt(scope=scope, customer_id=customer_id)))


# ---- reviews -----------------------------------------------------------------------------------


def review_list_stmt(
    *,
    scope: Scope,
    customer_id: int | None = None,
    work_order_id: str | None = None,
    technician_id: str | None = None,
) -> Select[Review]:
    """Reviews in ``scope``, newest first, filtered by customer, job and technician."""
    stmt = (
        select(Review)
        .where(_visible(scope, Review.customer_id, Review.work_order_id))  # type: ignore[arg-type]
        .order_by(Review.created_at.desc(), Review.id.desc())
    )
    if customer_id is not None:
        stmt = stmt.where(Review.customer_id == customer_id)
    if work_order_id is not None:
        stmt = stmt.where(Review.work_order_id == work_order_id)
    if technician_id is not None:
        stmt = stmt.where(Review.technician_id == technician_id)
    return stmt


def review_by_source(session: Session, *, work_order_id: str, source: str) -> Review | None:
    """The job's review from ``source`` or None (one per job and source)."""
    stmt = select(Review).where(Review.work_order_id == work_order_id, Review.source == source)
    return session.scalars(stmt).first()


# ---- customer-technician ratings ---------------------------------------------------------------


def upsert_rating(
    session: Session,
    *,
    customer_id: int,
    technician_id: str,
    work_order_id: str,
    rating: int,
    created_by: str,
) -> CustomerTechnicianRating:
    """Store the customer's rating of the job's technician, replacing an earlier one for the same
    (job, technician), and return it as stored."""
    values = {
        "customer_id": customer_id,
        "technician_id": technician_id,
        "work_order_id": work_order_id,
        "rating": rating,
        "created_by": created_by,
    }
    stmt = (
        insert(CustomerTechnicianRating)
        .values(**values)
        .on_conflict_do_update(
            constraint="uq_customer_technician_ratings_job_technician",
            set_={"rating": rating, "created_by": created_by, "updated_at": datetime.now(UTC)},
        )
        .returning(CustomerTechnicianRating)
    )
    return session.scalars(stmt, execution_options={"populate_existing": True}).one()


def ratings_for_customer(
    session: Session, *, customer_id: int, scope: Scope
) -> list[CustomerTechnicianRating]:
    """The customer's technician ratings in ``scope``, newest first (one statement)."""
    stmt = (
        select(CustomerTechnicianRating)
        .where(
            CustomerTechnicianRating.customer_id == customer_id,
            _visible(scope, CustomerTechnicianRating.customer_id, CustomerTechnicianRating.work_order_id),  # type: ignore[arg-type]
        )
        .order_by(CustomerTechnicianRating.updated_at.desc(), CustomerTechnicianRating.id.desc())
    )
    return list(session.scalars(stmt))


# ---- service follow-ups ------------------------------------------------------------------------


def follow_up_list_stmt(
    *,
    scope: Scope,
    customer_id: int | None = None,
    status: str | None = None,
    assigned_to_technician_id: str | None = None,
    work_order_id: str | None = None,
) -> Select[ServiceFollowUp]:
    """Follow-ups in ``scope``: open ones first by due date (no date last), then done ones."""
    stmt = (
        select(ServiceFollowUp)
        .where(_visible(scope, ServiceFollowUp.customer_id, ServiceFollowUp.work_order_id))  # type: ignore[arg-type]
        .order_by(
            ServiceFollowUp.status.desc(),  # "open" before "done"
            ServiceFollowUp.due_date.asc().nulls_last(),
            ServiceFollowUp.id,
        )
    )
    if customer_id is not None:
        stmt = stmt.where(ServiceFollowUp.customer_id == customer_id)
    if status is not None:
        stmt = stmt.where(ServiceFollowUp.status == status)
    if assigned_to_technician_id is not None:
        stmt = stmt.where(ServiceFollowUp.assigned_to_technician_id == assigned_to_technician_id)
    if work_order_id is not None:
        stmt = stmt.where(ServiceFollowUp.work_order_id == work_order_id)
    return stmt


def follow_up(
    session: Session, follow_up_id: int, *, scope: Scope, lock: bool = False
) -> ServiceFollowUp | None:
    """The follow-up if it exists and is in ``scope``, else None; ``lock`` takes a row lock."""
    stmt = select(ServiceFollowUp).where(
        ServiceFollowUp.id == follow_up_id,
        _visible(scope, ServiceFollowUp.customer_id, ServiceFollowUp.work_order_id),  # type: ignore[arg-type]
    )
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def add_follow_up_once(session: Session, *, values: dict[str, Any]) -> tuple[ServiceFollowUp, bool]:
    """Insert a follow-up; with a ``key`` already used, return the stored one instead. Returns
    (row, created). Raises IntegrityError for a broken reference."""
    key = values.get("key")
    stmt = insert(ServiceFollowUp).values(**values).returning(ServiceFollowUp)
    if key is None:
        return session.scalars(stmt).one(), True
    created = session.scalars(stmt.on_conflict_do_nothing(index_elements=[ServiceFollowUp.key])).first()
    if created is not None:
        return created, True
    existing = session.scalars(select(ServiceFollowUp).where(ServiceFollowUp.key == key)).one()
    return existing, False


def follow_ups_for_customer(session: Session, *, customer_id: int, scope: Scope) -> list[ServiceFollowUp]:
    """The customer's follow-ups in ``scope``, open first by due date (one statement)."""
    return list(session.scalars(follow_up_list_stmt(scope=scope, customer_id=customer_id)))


def reviews_for_customer(session: Session, *, customer_id: int, scope: Scope) -> list[Review]:
    """The customer's reviews in ``scope``, newest first (one statement)."""
    return list(session.scalars(review_list_stmt(scope=scope, customer_id=customer_id)))


def technician_names(session: Session, *, technician_ids: set[str]) -> dict[str, str]:
    """First and last name per technician id (one statement; none for an empty set)."""
    if not technician_ids:
        return {}
    stmt = select(Technician.id, Technician.first_name, Technician.last_name).where(
        Technician.id.in_(sorted(technician_ids))
    )
    return {row.id: f"{row.first_name} {row.last_name}" for row in session.execute(stmt)}


def invoices_for_customer(session: Session, *, customer_id: int) -> list[Invoice]:
    """The customer's invoices, newest first (one statement)."""
    stmt = (
        select(Invoice)
        .where(Invoice.customer_id == customer_id)
        .order_by(Invoice.issue_date.desc(), Invoice.id.desc())
    )
    return list(session.scalars(stmt))


def payments_for_customer(session: Session, *, customer_id: int) -> list[Payment]:
    """Payments on the customer's invoices, newest first (one statement)."""
    stmt = (
        select(Payment)
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .where(Invoice.customer_id == customer_id)
        .order_by(Payment.received_at.desc(), Payment.id.desc())
    )
    return list(session.scalars(stmt))
