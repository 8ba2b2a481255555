"""Customer 360 records (seed 004 Phase 1): appliances, expenses, reviews, technician ratings and
service follow-ups. Never commits (the request does).

Every read and write takes the caller's ``Scope``: a customer, job or record outside it is a 404,
like one that does not exist. A job named in a body must belong to the customer named with it
(422 otherwise); reviews and ratings are of completed jobs with a technician (409 otherwise).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.auth import Staff
from api.errors import Conflict, NotFound, Problem
from api.schemas.customer_records import (
    ApplianceIn,
    ApplianceUpdate,
    CustomerRatingsOut,
    ExpenseIn,
    FollowUpIn,
    FollowUpUpdate,
    RatingOut,
    ReviewIn,
    TechnicianRatingSummary,
)
from api.services.customers import get_customer
from db.models import Appliance, CustomerTechnicianRating, Expense, Review, ServiceFollowUp, WorkOrder
from db.repositories import customer_records as repo
from db.repositories import rows, technicians, work_orders
from domain.access import Scope
from domain.customer360 import cents
from domain.work_status import WorkStatus


def _job(session: Session, work_order_id: str, *, scope: Scope, customer_id: int | None = None) -> WorkOrder:
    """The job in ``scope`` (404 otherwise); 422 when it is not ``customer_id``'s."""
    job = work_orders.get(session, work_order_id, scope=scope)
    if job is None:
        raise NotFound(f"work order {work_order_id} does not exist")
    if customer_id is not None and job.customer_id != customer_id:
        raise Problem(422, f"work order {work_order_id} is not a job of customer {customer_id}")
    return job


def _technician(session: Session, technician_id: str | None) -> None:
    if technician_id is not None and technicians.get(session, technician_id) is None:
        raise Problem(422, f"unknown technician {technician_id}")


def _rated_job(
    session: Session, work_order_id: str, *, scope: Scope, customer_id: int | None = None
) -> WorkOrder:
    """A completed job with a technician, which reviews and ratings are about (409 otherwise)."""
    job = _job(session, work_order_id, scope=scope, customer_id=customer_id)
    if job.status != WorkStatus.COMPLETED.value or job.technician_id is None:
        raise Conflict(
            f"work order {work_order_id} is {job.status}; only completed jobs are reviewed and rated"
        )
    return job


# ---- appliances --------------------------------------------------------------------------------


def get_appliance(session: Session, *, appliance_id: int, scope: Scope) -> Appliance:
    """The appliance, or NotFound when it does not exist or its customer is outside ``scope``."""
    found = repo.appliance(session, appliance_id, scope=scope)
    if found is None:
        raise NotFound(f"appliance {appliance_id} does not exist")
    return found


def _unique_serial(session: Session, write: Appliance) -> Appliance:
    try:
        with session.begin_nested():
            return rows.add(session, write)
    except IntegrityError as err:
        raise Conflict(
            f"customer {write.customer_id} already has an appliance with serial number {write.serial_number}"
        ) from err


def create_appliance(session: Session, *, scope: Scope, data: ApplianceIn) -> Appliance:
    """Store an appliance of a customer in ``scope``; the servicing job must be that customer's
    (422); 409 when the customer already has one with that serial number."""
    get_customer(session, customer_id=data.customer_id, scope=scope)
    if data.work_order_id is not None:
        _job(session, data.work_order_id, scope=scope, customer_id=data.customer_id)
    return _unique_serial(session, Appliance(**data.model_dump()))


def update_appliance(
    session: Session, *, appliance_id: int, scope: Scope, data: ApplianceUpdate
) -> Appliance:
    """Change the fields sent; the same checks as :func:`create_appliance`."""
    found = get_appliance(session, appliance_id=appliance_id, scope=scope)
    changes = data.changes()
    if changes.get("work_order_id") is not None:
        _job(session, changes["work_order_id"], scope=scope, customer_id=found.customer_id)
    try:
        with session.begin_nested():
            return rows.update_fields(session, found, changes)
    except IntegrityError as err:
        raise Conflict(
            f"customer {found.customer_id} already has an appliance with that serial number"
        ) from err


def delete_appliance(session: Session, *, appliance_id: int, scope: Scope) -> None:
    """Delete the appliance (NotFound outside ``scope``)."""
    repo.remove_appliance(session, appliance=get_appliance(session, appliance_id=appliance_id, scope=scope))


# ---- expenses ----------------------------------------------------------------------------------


def create_expense(session: Session, *, scope: Scope, staff: Staff, data: ExpenseIn) -> Expense:
    """Record an expense of a customer and/or a job in ``scope``. With a job, ``customer_id`` is
    filled from it (422 when a different one was sent); 422 without either, or for an amount of
    zero."""
    if data.customer_id is None and data.work_order_id is None:
        raise Problem(422, "an expense needs a customer_id, a work_order_id, or both")
    if data.amount <= 0:
        raise Problem(422, "amount must be more than zero")
    customer_id = data.customer_id
    if data.work_order_id is not None:
        customer_id = _job(session, data.work_order_id, scope=scope, customer_id=data.customer_id).customer_id
    else:
        get_customer(session, customer_id=data.customer_id or 0, scope=scope)
    values = data.model_dump() | {"customer_id": customer_id, "amount": cents(data.amount)}
    return rows.add(session, Expense(**values, created_by=staff.actor))


# ---- reviews -----------------------------------------------------------------------------------


def create_review(session: Session, *, scope: Scope, staff: Staff, data: ReviewIn) -> Review:
    """Record a staff-entered (``manual``) review of a completed job in ``scope``; 409 when the job
    already has a manual review, or is not completed."""
    job = _rated_job(session, data.work_order_id, scope=scope)
    if repo.review_by_source(session, work_order_id=job.id, source="manual") is not None:
        raise Conflict(f"work order {job.id} already has a manual review")
    review = Review(
        work_order_id=job.id,
        customer_id=job.customer_id,
        technician_id=job.technician_id,
        rating=data.rating,
        comment=data.comment,
        source="manual",
        created_by=staff.actor,
    )
    try:
        with session.begin_nested():
            return rows.add(session, review)
    except IntegrityError as err:  # a concurrent manual review of the same job won
        raise Conflict(f"work order {job.id} already has a manual review") from err


# ---- customer-technician ratings ---------------------------------------------------------------


def rate_technician(
    session: Session, *, customer_id: int, work_order_id: str, scope: Scope, staff: Staff, rating: int
) -> CustomerTechnicianRating:
    """Store the customer's rating (1-5) of the technician who did ``work_order_id`` (a completed
    job of that customer), replacing an earlier rating of that job."""
    get_customer(session, customer_id=customer_id, scope=scope)
    job = _rated_job(session, work_order_id, scope=scope, customer_id=customer_id)
    return repo.upsert_rating(
        session,
        customer_id=customer_id,
        technician_id=job.technician_id or "",
        work_order_id=job.id,
        rating=rating,
        created_by=staff.actor,
    )


def ratings_out(session: Session, *, customer_id: int, scope: Scope) -> CustomerRatingsOut:
    """The customer's ratings in ``scope`` and, per technician, their count and mean (best first,
    then most rated, then id); two statements."""
    rated = repo.ratings_for_customer(session, customer_id=customer_id, scope=scope)
    by_technician: dict[str, list[int]] = defaultdict(list)
    for r in rated:
        by_technician[r.technician_id].append(r.rating)
    names = repo.technician_names(session, technician_ids=set(by_technician))
    summaries = [
        TechnicianRatingSummary(
            technician_id=tech,
            technician_name=names.get(tech),
            ratings=len(values),
            average=cents(Decimal(sum(values)) / len(values)),
        )
        for tech, values in by_technician.items()
    ]
    summaries.sort(key=lambda s: (-s.average, -s.ratings, s.technician_id))
    return CustomerRatingsOut(
        customer_id=customer_id, ratings=[RatingOut.model_validate(r) for r in rated], technicians=summaries
    )


def customer_ratings(session: Session, *, customer_id: int, scope: Scope) -> CustomerRatingsOut:
    """:func:`ratings_out` of a customer in ``scope`` (NotFound otherwise)."""
    get_customer(session, customer_id=customer_id, scope=scope)
    return ratings_out(session, customer_id=customer_id, scope=scope)


# ---- service follow-ups ------------------------------------------------------------------------


def get_follow_up(
    session: Session, *, follow_up_id: int, scope: Scope, lock: bool = False
) -> ServiceFollowUp:
    """The follow-up, or NotFound when it does not exist or is outside ``scope``."""
    found = repo.follow_up(session, follow_up_id, scope=scope, lock=lock)
    if found is None:
        raise NotFound(f"follow-up {follow_up_id} does not exist")
    return found


def create_follow_up(
    session: Session, *, scope: Scope, staff: Staff, data: FollowUpIn
) -> tuple[ServiceFollowUp, bool]:
    """Raise a follow-up for a customer in ``scope`` (source ``manual``); the job must be the
    customer's and the technicians must exist (422). Returns (follow-up, created): a ``key``
    already used returns the stored one (404 if that one is outside ``scope``)."""
    get_customer(session, customer_id=data.customer_id, scope=scope)
    technician_id = data.technician_id
    if data.work_order_id is not None:
        job = _job(session, data.work_order_id, scope=scope, customer_id=data.customer_id)
        technician_id = technician_id or job.technician_id
    _technician(session, technician_id)
    _technician(session, data.assigned_to_technician_id)
    values = data.model_dump() | {
        "technician_id": technician_id,
        "created_by": staff.actor,
        "source": "manual",
    }
    row, created = repo.add_follow_up_once(session, values=values)
    if not created:
        get_follow_up(session, follow_up_id=row.id, scope=scope)
    return row, created


def update_follow_up(
    session: Session, *, follow_up_id: int, scope: Scope, staff: Staff, data: FollowUpUpdate
) -> ServiceFollowUp:
    """Change the fields sent; setting ``done`` records the time and the caller (setting it again
    keeps the first), ``open`` clears them; 422 for an unknown assignee."""
    found = get_follow_up(session, follow_up_id=follow_up_id, scope=scope, lock=True)
    changes = data.changes()
    _technician(session, changes.get("assigned_to_technician_id"))
    status = changes.get("status")
    if status == "done" and found.status != "done":
        changes |= {"completed_at": datetime.now(UTC), "completed_by": staff.actor}
    elif status == "open":
        changes |= {"completed_at": None, "completed_by": None}
    return rows.update_fields(session, found, changes)
