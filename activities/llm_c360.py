"""Facts of the LLM helpers that read the customer 360 tables (seed 004 Phase 1: appliances,
expenses, reviews, follow-ups): predictive maintenance per appliance and per customer, the
profitability analysis, and the customer's own words for sentiment. Amounts are Decimal USD,
sent as strings; no contact details."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from activities.llm_facts import Prepared, job_facts, privacy_of
from activities.llm_service import render_prompt
from db.models import Appliance, Customer
from db.repositories import customer_financials as money
from db.repositories import customer_records
from domain.access import EVERYTHING
from domain.contracts.llm import MaintenanceAdvice, ProfitabilityNarrative
from domain.customer360 import Financials, job_financials
from domain.maintenance import ApplianceFacts, Prediction, predict_all

#: job types listed in the profitability breakdown (the most valuable first)
MAX_JOB_TYPES = 8


def customer_words(session: Session, customer_id: int) -> list[str]:
    """What the customer wrote about our service: review comments and follow-up feedback,
    newest first (service request descriptions are added by ``prepare_sentiment``)."""
    reviews = customer_records.reviews_for_customer(session, customer_id=customer_id, scope=EVERYTHING)
    follow_ups = customer_records.follow_ups_for_customer(session, customer_id=customer_id, scope=EVERYTHING)
    return [r.comment for r in reviews if r.comment] + [f.feedback for f in follow_ups if f.feedback]


def _prediction_line(p: Prediction) -> dict[str, Any]:
    return {
        "appliance_id": p.appliance_id,
        "type": p.type,
        "interval_days": p.interval_days,
        "interval_basis": p.interval_basis,
        "services_counted": p.services_counted,
        "last_service": p.last_service.isoformat() if p.last_service else None,
        "due": p.due.isoformat(),
        "days_until_due": p.days_until_due,
        "status": p.status,
    }


def prepare_maintenance(
    session: Session,
    customer: Customer,
    as_of: date,
    time_zone: str,
    appliance: Appliance | None = None,
) -> Prepared:
    """Due dates of ``appliance`` (or of every appliance of ``customer``) by
    ``domain.maintenance`` from their intervals and the customer's completed jobs; the model
    (or ``maintenance.fallback``) writes the advice."""
    appliances = (
        [appliance]
        if appliance is not None
        else customer_records.appliances_for_customer(session, customer_id=customer.id)
    )
    job_days: dict[str, list[date]] = defaultdict(list)
    for job in job_facts(session, customer.id, time_zone):
        if job.status == "completed":
            job_days[job.job_type].append(job.day)
    predictions = predict_all(
        [ApplianceFacts(a.id, a.type, a.last_service_date, a.installed_on) for a in appliances],
        job_days,
        as_of,
    )
    lines = [_prediction_line(p) for p in predictions]
    facts: dict[str, Any] = {
        "customer_id": customer.id,
        "appliance_id": appliance.id if appliance is not None else None,
        "as_of": as_of.isoformat(),
        "predictions": lines,
    }

    def fallback() -> MaintenanceAdvice:
        advice = {str(p["appliance_id"]): render_prompt("maintenance.advice", p) for p in lines}
        return MaintenanceAdvice(overview=render_prompt("maintenance.fallback", facts), advice=advice)

    subject = f"appliance:{appliance.id}" if appliance is not None else f"customer:{customer.id}"
    return Prepared(subject, facts, facts, fallback, privacy_of(customer))


def _money(f: Financials) -> dict[str, str]:
    return {
        "payments": str(f.payments),
        "expenses": str(f.expenses),
        "net": str(f.net),
        "job_costs": str(f.job_costs),
        "lifetime_value": str(f.lifetime_value),
        "margin": str(f.margin),
        "outstanding_balance": str(f.outstanding_balance),
    }


def prepare_profitability(session: Session, customer: Customer) -> Prepared:
    """The customer's financials (``domain.customer360`` rules: payments, expenses, net, job
    costs, lifetime value, margin, outstanding balance), the margin per job type and the
    expenses per category; the model (or ``profitability.fallback``) reads them."""
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
    by_type: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    completed = 0
    for job in money.jobs(session, customer_id=customer.id):
        if job.status != "completed":
            continue
        completed += 1
        f = job_financials(value=job.value, job_expenses=job.job_expenses, job_costs=job.job_costs, shares=[])
        row = by_type[job.job_type]
        row["jobs"] += 1
        row["value"] += f.lifetime_value
        row["costs"] += f.job_costs + f.expenses
        row["margin"] += f.margin
    job_types = sorted(by_type.items(), key=lambda kv: (-kv[1]["value"], kv[0]))[:MAX_JOB_TYPES]
    categories: dict[str, Decimal] = defaultdict(Decimal)
    for e in customer_records.expenses_for_customer(session, customer_id=customer.id, scope=EVERYTHING):
        categories[e.category] += e.amount
    margin_pct = (
        str((totals.margin * 100 / totals.lifetime_value).quantize(Decimal("0.1")))
        if totals.lifetime_value
        else None
    )
    facts: dict[str, Any] = {
        "customer_id": customer.id,
        "completed_jobs": completed,
        "totals_usd": _money(totals),
        "margin_percent": margin_pct,
        "job_types": [
            {
                "job_type": t,
                "jobs": int(v["jobs"]),
                "value_usd": str(v["value"]),
                "costs_usd": str(v["costs"]),
                "margin_usd": str(v["margin"]),
            }
            for t, v in job_types
        ],
        "expenses_by_category_usd": {k: str(v) for k, v in sorted(categories.items())},
    }

    def fallback() -> ProfitabilityNarrative:
        recommendations = []
        if totals.outstanding_balance > 0:
            recommendations.append(f"Collect the outstanding balance of ${totals.outstanding_balance}.")
        losing = [t for t in facts["job_types"] if Decimal(t["margin_usd"]) < 0]
        for t in losing[:2]:
            recommendations.append(
                f"Review pricing of {t['job_type']}: margin ${t['margin_usd']} on {t['jobs']} job(s)."
            )
        if completed and not losing and totals.margin > 0:
            recommendations.append("Offer a recurring service plan: every job type is profitable.")
        return ProfitabilityNarrative(
            summary=render_prompt("profitability.fallback", facts), recommendations=recommendations[:4]
        )

    return Prepared(f"customer:{customer.id}", facts, facts, fallback, privacy_of(customer))
