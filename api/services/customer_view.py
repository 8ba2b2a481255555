"""The customer 360 view and financials (seed 004 Phase 1). Never commits.

``GET /api/v1/customers/{id}?include=…`` answers with the parts asked for, each loaded by a fixed
number of statements (no per-row queries), so the cost of the answer does not grow with the
customer's history. Money parts (``domain.customer360.MONEY_INCLUDES``) are for office and
manager keys; a technician key asking for one gets 403.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.auth import Staff
from api.errors import NotFound, Problem
from api.schemas.customer_records import ApplianceOut, ExpenseOut, FollowUpOut, ReviewOut
from api.schemas.customer_view import (
    CustomerFinancialsOut,
    CustomerView,
    FinancialsOut,
    InvoiceSummaryOut,
    JobFinancialsOut,
    JobOut,
    TechnicianRef,
)
from api.schemas.customers import CustomerOut
from api.schemas.invoices import PaymentOut
from api.services import communication, customer_records, referrals
from api.services.customers import get_customer
from db.repositories import customer_financials as money
from db.repositories import customer_records as repo
from db.repositories import work_orders
from domain.access import Scope
from domain.customer360 import MONEY_INCLUDES, Financials, job_financials

#: roles that may see money (invoices, payments, expenses, financials); admin always may
MONEY_ROLES = frozenset({"admin", "office", "manager"})


def _money_allowed(staff: Staff, what: str) -> None:
    if staff.role not in MONEY_ROLES:
        raise Problem(403, f"role '{staff.role}' may not see a customer's {what}; needs office or manager")


def _financials_out(f: Financials) -> dict[str, object]:
    return {
        "payments": f.payments,
        "direct_expenses": f.direct_expenses,
        "job_expenses": f.job_expenses,
        "expenses": f.expenses,
        "net": f.net,
        "job_costs": f.job_costs,
        "lifetime_value": f.lifetime_value,
        "margin": f.margin,
        "invoiced": f.invoiced,
        "outstanding_balance": f.outstanding_balance,
    }


def _jobs_in_scope(session: Session, *, customer_id: int, scope: Scope) -> list[money.JobMoney]:
    jobs = money.jobs(session, customer_id=customer_id)
    return [j for j in jobs if scope.sees_job(technician_id=j.technician_id, status=j.status)]


def _job_financials(job: money.JobMoney, shares: dict[str, list]) -> JobFinancialsOut:
    f = job_financials(
        value=job.value,
        job_expenses=job.job_expenses,
        job_costs=job.job_costs,
        shares=shares.get(job.work_order_id, []),
    )
    return JobFinancialsOut(
        work_order_id=job.work_order_id,
        customer_id=job.customer_id,
        status=job.status,
        scheduled_date=job.scheduled_date,
        technician_id=job.technician_id,
        **_financials_out(f),  # type: ignore[arg-type]
    )


def customer_financials(
    session: Session, *, customer_id: int, scope: Scope, staff: Staff
) -> CustomerFinancialsOut:
    """The customer's totals (rules 1-6 of ``domain.customer360``) and each of its jobs' in
    ``scope``, newest first (three statements after the customer's); 403 for a technician key."""
    _money_allowed(staff, "financials")
    customer = get_customer(session, customer_id=customer_id, scope=scope)
    sums = money.customers(session, customer_ids=[customer.id])[customer.id]
    totals = Financials(
        payments=sums.payments,
        direct_expenses=sums.direct_expenses,
        job_expenses=sums.job_expenses,
        job_costs=sums.job_costs,
        lifetime_value=sums.lifetime_value,
        invoiced=sums.invoiced,
        outstanding_balance=sums.outstanding_balance,
    )
    jobs = _jobs_in_scope(session, customer_id=customer.id, scope=scope)
    shares = money.invoice_shares(session, customer_id=customer.id)
    return CustomerFinancialsOut(
        customer_id=customer.id,
        totals=FinancialsOut(**_financials_out(totals)),  # type: ignore[arg-type]
        jobs=[_job_financials(j, shares) for j in jobs],
    )


def work_order_financials(
    session: Session, *, work_order_id: str, scope: Scope, staff: Staff
) -> JobFinancialsOut:
    """One job's financials (payments allocated from its invoices, its expenses and job costs);
    NotFound outside ``scope``, 403 for a technician key."""
    _money_allowed(staff, "financials")
    if work_orders.get(session, work_order_id, scope=scope) is None:
        raise NotFound(f"work order {work_order_id} does not exist")
    (job,) = money.jobs(session, work_order_ids=[work_order_id])
    return _job_financials(job, money.invoice_shares(session, work_order_ids=[work_order_id]))


def customer_view(
    session: Session,
    *,
    customer_id: int,
    scope: Scope,
    staff: Staff,
    includes: tuple[str, ...],
    default_time_zone: str,
) -> CustomerView:
    """The customer and the parts in ``includes`` (``domain.customer360.INCLUDES``); NotFound
    outside ``scope``; 403 when a technician key asks for a money part."""
    asked_money = sorted(set(includes) & MONEY_INCLUDES)
    if asked_money:
        _money_allowed(staff, ", ".join(asked_money))
    customer = get_customer(session, customer_id=customer_id, scope=scope)
    parts: dict[str, object] = {}
    for part in includes:
        parts[part] = _part(
            session, part, customer_id=customer.id, scope=scope, staff=staff, tz=default_time_zone
        )
    base = CustomerOut.model_validate(customer).model_dump()
    if "preferred_technicians" in includes:
        parts["preferred_technicians"] = [
            TechnicianRef(id=t.id, name=t.name)
            for t in sorted(customer.preferred_technicians, key=lambda t: t.id)
        ]
    return CustomerView.model_validate(base | parts)


def _part(session: Session, part: str, *, customer_id: int, scope: Scope, staff: Staff, tz: str) -> object:
    """One part of the view (a fixed number of statements each)."""
    if part == "appliances":
        return [
            ApplianceOut.model_validate(a)
            for a in repo.appliances_for_customer(session, customer_id=customer_id)
        ]
    if part == "jobs":
        jobs = _jobs_in_scope(session, customer_id=customer_id, scope=scope)
        names = repo.technician_names(
            session, technician_ids={j.technician_id for j in jobs if j.technician_id}
        )
        return [
            JobOut(
                id=j.work_order_id,
                job_type=j.job_type,
                status=j.status,
                scheduled_date=j.scheduled_date,
                technician_id=j.technician_id,
                technician_name=names.get(j.technician_id) if j.technician_id else None,
                value=j.value,
            )
            for j in jobs
        ]
    if part == "invoices":
        return [
            InvoiceSummaryOut.model_validate(i)
            for i in repo.invoices_for_customer(session, customer_id=customer_id)
        ]
    if part == "payments":
        return [
            PaymentOut.model_validate(p) for p in repo.payments_for_customer(session, customer_id=customer_id)
        ]
    if part == "expenses":
        rows = repo.expenses_for_customer(session, customer_id=customer_id, scope=scope)
        return [ExpenseOut.model_validate(e) for e in rows]
    if part == "reviews":
        rows = repo.reviews_for_customer(session, customer_id=customer_id, scope=scope)
        return [ReviewOut.model_validate(r) for r in rows]
    if part == "ratings":
        return customer_records.ratings_out(session, customer_id=customer_id, scope=scope)
    if part == "referrals":
        return referrals.referrals_out(session, customer_id=customer_id, scope=scope)
    if part == "follow_ups":
        rows = repo.follow_ups_for_customer(session, customer_id=customer_id, scope=scope)
        return [FollowUpOut.model_validate(f) for f in rows]
    if part == "financials":
        return customer_financials(session, customer_id=customer_id, scope=scope, staff=staff)
    if part == "preferences":
        return communication.get_preferences(
            session, customer_id=customer_id, scope=scope, default_time_zone=tz
        )
    if part == "preferred_technicians":
        return None  # filled from the customer's own (already loaded) preferred technicians
    raise ValueError(f"unknown part {part}")  # parse_includes lets only INCLUDES through
