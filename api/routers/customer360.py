"""Customer 360 routes under ``/api/v1/customers/{id}`` (referrals, technician ratings, financials)
and ``/api/v1/repairs/{id}/financials`` (seed 004 Phase 1). The 360 view itself is
``GET /api/v1/customers/{id}?include=…`` in ``api/routers/customers.py``.

Reads are open to every staff key within its scope, except financials (office and managers);
writes are office and manager work.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentScope, CurrentStaff, DbSession, OfficeStaff
from api.schemas.customer_records import CustomerRatingsOut, RatingIn, RatingOut
from api.schemas.customer_view import CustomerFinancialsOut, JobFinancialsOut, ReferralsOut, ReferredByIn
from api.services import customer_records, customer_view, referrals
from db.models import CustomerTechnicianRating

router = APIRouter(tags=["customer 360"])


@router.get(
    "/api/v1/customers/{customer_id}/referrals", response_model=ReferralsOut, summary="Get a referral tree"
)
def get_referrals(customer_id: int, db: DbSession, staff: CurrentStaff, scope: CurrentScope) -> ReferralsOut:
    """The customer's referral code, who referred it, and everyone it referred (nested, 10 levels
    at most); customers outside the caller's scope appear by id only."""
    return referrals.referrals_out(db, customer_id=customer_id, scope=scope)


@router.post(
    "/api/v1/customers/{customer_id}/referral-code",
    response_model=ReferralsOut,
    summary="Get or make a referral code",
)
def make_referral_code(
    customer_id: int, db: DbSession, staff: OfficeStaff, scope: CurrentScope
) -> ReferralsOut:
    """Give the customer a unique referral code to hand out; a customer that has one keeps it."""
    referrals.ensure_code(db, customer_id=customer_id, scope=scope)
    return referrals.referrals_out(db, customer_id=customer_id, scope=scope)


@router.put(
    "/api/v1/customers/{customer_id}/referred-by",
    response_model=ReferralsOut,
    summary="Set who referred a customer",
)
def set_referred_by(
    customer_id: int, body: ReferredByIn, db: DbSession, staff: OfficeStaff, scope: CurrentScope
) -> ReferralsOut:
    """Record the referral code the customer came with (null: no referral); 422 for an unknown or
    its own code, 409 when it would make a loop."""
    return referrals.set_referred_by(db, customer_id=customer_id, scope=scope, code=body.referral_code)


@router.get(
    "/api/v1/customers/{customer_id}/technician-ratings",
    response_model=CustomerRatingsOut,
    summary="Get a customer's technician ratings",
)
def get_ratings(
    customer_id: int, db: DbSession, staff: CurrentStaff, scope: CurrentScope
) -> CustomerRatingsOut:
    """The customer's ratings of technicians (newest first) and each technician's mean."""
    return customer_records.customer_ratings(db, customer_id=customer_id, scope=scope)


@router.put(
    "/api/v1/customers/{customer_id}/technician-ratings/{work_order_id}",
    response_model=RatingOut,
    summary="Rate the technician of a job",
)
def rate_technician(
    customer_id: int,
    work_order_id: str,
    body: RatingIn,
    db: DbSession,
    staff: OfficeStaff,
    scope: CurrentScope,
) -> CustomerTechnicianRating:
    """Record the customer's rating (1-5) of the technician who did a completed job of theirs,
    replacing an earlier one; 409 when the job is not completed."""
    return customer_records.rate_technician(
        db, customer_id=customer_id, work_order_id=work_order_id, scope=scope, staff=staff, rating=body.rating
    )


@router.get(
    "/api/v1/customers/{customer_id}/financials",
    response_model=CustomerFinancialsOut,
    summary="Get a customer's financials",
)
def get_customer_financials(
    customer_id: int, db: DbSession, staff: OfficeStaff, scope: CurrentScope
) -> CustomerFinancialsOut:
    """Payments, direct and job expenses, net, job costs, lifetime value, margin and outstanding
    balance of the customer, and of each of its jobs."""
    return customer_view.customer_financials(db, customer_id=customer_id, scope=scope, staff=staff)


@router.get(
    "/api/v1/repairs/{work_order_id}/financials",
    response_model=JobFinancialsOut,
    summary="Get a job's financials",
)
def get_job_financials(
    work_order_id: str, db: DbSession, staff: OfficeStaff, scope: CurrentScope
) -> JobFinancialsOut:
    """The job's share of its invoices' payments, its expenses, net, job costs, value and margin."""
    return customer_view.work_order_financials(db, work_order_id=work_order_id, scope=scope, staff=staff)
