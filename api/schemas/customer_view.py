"""Bodies of the customer 360 view (``GET /api/v1/customers/{id}?include=…``), financials and
referrals (seed 004 Phase 1). Amounts in USD."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas.common import RequestBody
from api.schemas.communication import CommunicationPreferencesOut
from api.schemas.customer_records import ApplianceOut, CustomerRatingsOut, ExpenseOut, FollowUpOut, ReviewOut
from api.schemas.customers import CustomerOut
from api.schemas.invoices import PaymentOut


class FinancialsOut(BaseModel):
    """Money of a job or a customer (``domain.customer360`` rules 1-6): ``net`` = payments -
    expenses (the seed's formula), ``margin`` = lifetime value - job costs - expenses."""

    payments: Decimal = Field(
        description="payments received (gross of sales tax); a job's share of its invoices'"
    )
    direct_expenses: Decimal = Field(description="expenses of the customer not tied to a job (0 for a job)")
    job_expenses: Decimal = Field(description="expenses tied to the job(s)")
    expenses: Decimal
    net: Decimal = Field(description="payments - direct expenses - job expenses")
    job_costs: Decimal = Field(description="labor and parts recorded on the job(s)")
    lifetime_value: Decimal = Field(
        description="value of the completed work (for a job: its total when completed)"
    )
    margin: Decimal = Field(description="lifetime value - job costs - expenses")
    invoiced: Decimal = Field(description="invoice totals (a job: its share)")
    outstanding_balance: Decimal = Field(description="positive invoice balances (a job: its share)")


class JobFinancialsOut(FinancialsOut):
    """One job's financials."""

    work_order_id: str
    customer_id: int
    status: str
    scheduled_date: date
    technician_id: str | None


class CustomerFinancialsOut(BaseModel):
    """A customer's financials, and each of its jobs' (newest first; for a manager or technician
    key, the jobs in its scope)."""

    customer_id: int
    totals: FinancialsOut
    jobs: list[JobFinancialsOut]


class JobOut(BaseModel):
    """A job of the customer, with its technician and its value (total when completed)."""

    id: str
    job_type: str
    status: str
    scheduled_date: date
    technician_id: str | None
    technician_name: str | None
    value: Decimal


class InvoiceSummaryOut(BaseModel):
    """An invoice of the customer (details at ``/api/v1/invoices/{id}``)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    status: str
    issue_date: date
    due_date: date
    total: Decimal
    amount_paid: Decimal
    balance: Decimal


class CustomerRef(BaseModel):
    """Another customer; ``display_name`` is null when that customer is outside the caller's scope."""

    id: int
    display_name: str | None


class ReferralNodeOut(BaseModel):
    """A customer in the referral tree and the customers it referred in turn."""

    customer_id: int
    display_name: str | None = Field(description="null when outside the caller's scope")
    referral_code: str | None
    depth: int = Field(description="1 for customers the root referred directly")
    joined_at: datetime
    referrals: list[ReferralNodeOut]


class ReferralsOut(BaseModel):
    """A customer's referral code, who referred it, and the tree of customers it referred
    (``domain.customer360.REFERRAL_TREE_DEPTH`` levels at most)."""

    customer_id: int
    referral_code: str | None
    referred_by: CustomerRef | None
    referrals: list[ReferralNodeOut]
    total_referred: int = Field(description="customers in the tree, all levels")


class ReferredByIn(RequestBody):
    """PUT: the referral code of the customer who referred this one; null clears it."""

    referral_code: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=20)] | None
    ) = Field(examples=["R7KQ2MXA"])


class TechnicianRef(BaseModel):
    """A technician by id and name."""

    id: str
    name: str


class CustomerView(CustomerOut):
    """A customer with the parts asked for in ``include`` (a part not asked for is absent)."""

    appliances: list[ApplianceOut] | None = None
    jobs: list[JobOut] | None = None
    invoices: list[InvoiceSummaryOut] | None = None
    payments: list[PaymentOut] | None = None
    expenses: list[ExpenseOut] | None = None
    reviews: list[ReviewOut] | None = None
    ratings: CustomerRatingsOut | None = None
    referrals: ReferralsOut | None = None
    follow_ups: list[FollowUpOut] | None = None
    financials: CustomerFinancialsOut | None = None
    preferences: CommunicationPreferencesOut | None = None
    preferred_technicians: list[TechnicianRef] | None = None
