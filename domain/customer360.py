"""Customer 360 rules (seed 004 Phase 1): what ``?include=`` may ask for, referral codes and the
referral tree, and the financials of a job and of a customer.

Financials (seed 004 "Financial Calculations": "sum of related payments minus sum of related
expenses", per job and per customer, direct and job-related), in this order:

1. **Payments** are billing's ``payments`` (gross of sales tax), each against an invoice. A
   customer's payments are those of its invoices. A job's payments are its share of the payments
   on each invoice that billed it: ``paid * job's line amounts / invoice subtotal``, rounded
   half-up to cents per invoice (an invoice with a zero subtotal gives its jobs nothing).
2. **Expenses** (``expenses``): a job's are those with its ``work_order_id``; a customer's *direct*
   expenses have its ``customer_id`` and no work order, its *job* expenses are those of its jobs.
3. **Net** = payments - direct expenses - job expenses (for a job: payments - its expenses). This
   is the seed's formula and is cash-based.
4. **Job costs** (``job_costs``: the technician's labor valued at the company's labor rate, and
   the parts used) are the cost of doing the work. The seed's Prisma schema has no such table, so
   they are not in *net*; they are reported beside it and taken into *margin*.
5. **Lifetime value** = the value of the customer's completed work (``work_orders.total_amount``
   of completed jobs), billed or not: the 12 months of imported history were never invoiced here,
   and a customer's worth should not drop because an invoice is still open. **Margin** =
   lifetime value - job costs - expenses (direct and job); for a job: its value - its job costs
   - its expenses.
6. **Outstanding balance**: the sum of the positive balances of the customer's invoices (a credit
   on one invoice does not hide a debt on another); a job's share of each invoice's outstanding
   balance as in rule 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

#: What ``GET /api/v1/customers/{id}?include=`` may ask for (comma-separated), in answer order.
INCLUDES: tuple[str, ...] = (
    "appliances",
    "jobs",
    "invoices",
    "payments",
    "expenses",
    "reviews",
    "ratings",
    "referrals",
    "follow_ups",
    "financials",
    "preferences",
    "preferred_technicians",
)
#: includes that show money: office and managers only (a technician key gets 403)
MONEY_INCLUDES = frozenset({"invoices", "payments", "expenses", "financials"})
#: ``include=all`` asks for every part
ALL = "all"

#: Referral codes: ``R`` and 7 characters without look-alikes (no 0/O, 1/I/L), ~34 bits.
REFERRAL_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERRAL_CODE_LENGTH = 7
#: The referral tree is walked at most this many levels down (and up), which bounds the answer.
REFERRAL_TREE_DEPTH = 10


class IncludeError(ValueError):
    """An unknown ``include`` name; the message lists the known ones."""


def parse_includes(raw: str | None) -> tuple[str, ...]:
    """The parts named in ``raw`` (``"appliances,reviews"``; ``"all"`` for every part), without
    duplicates and in :data:`INCLUDES` order; empty for None or "". Raises IncludeError for an
    unknown name."""
    if not raw:
        return ()
    names = {name.strip() for name in raw.split(",") if name.strip()}
    if ALL in names:
        return INCLUDES
    unknown = sorted(names - set(INCLUDES))
    if unknown:
        raise IncludeError(
            f"unknown include {', '.join(unknown)}; expected any of {', '.join((*INCLUDES, ALL))}"
        )
    return tuple(name for name in INCLUDES if name in names)


def referral_code(random_bytes: bytes) -> str:
    """A referral code from ``random_bytes`` (at least :data:`REFERRAL_CODE_LENGTH` bytes, e.g.
    ``secrets.token_bytes(8)``): ``R`` + 7 characters of :data:`REFERRAL_ALPHABET`. The caller
    retries with new bytes when the code is taken (``customers.referral_code`` is unique)."""
    if len(random_bytes) < REFERRAL_CODE_LENGTH:
        raise ValueError(f"need at least {REFERRAL_CODE_LENGTH} random bytes")
    alphabet = REFERRAL_ALPHABET
    return "R" + "".join(alphabet[b % len(alphabet)] for b in random_bytes[:REFERRAL_CODE_LENGTH])


def referral_cycle(customer_id: int, referrer_chain: Iterable[int]) -> bool:
    """Whether making ``referrer_chain[0]`` the referrer of ``customer_id`` closes a loop:
    ``referrer_chain`` is the would-be referrer followed by its own referrers, upwards."""
    return customer_id in set(referrer_chain)


def cents(amount: Decimal) -> Decimal:
    """``amount`` rounded half-up to cents."""
    return amount.quantize(CENT, ROUND_HALF_UP)


def share(amount: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    """``amount * part / whole`` rounded half-up to cents; zero when ``whole`` is zero (rule 1)."""
    if not whole:
        return ZERO
    return cents(amount * part / whole)


@dataclass(frozen=True, slots=True)
class Financials:
    """The money of one job or one customer in USD (rules 1-6 above).

    For a job, ``direct_expenses`` is zero and ``job_expenses`` are its own expenses.
    """

    payments: Decimal
    direct_expenses: Decimal
    job_expenses: Decimal
    job_costs: Decimal
    lifetime_value: Decimal
    invoiced: Decimal
    outstanding_balance: Decimal

    @property
    def expenses(self) -> Decimal:
        """Direct and job expenses together."""
        return self.direct_expenses + self.job_expenses

    @property
    def net(self) -> Decimal:
        """Payments - direct expenses - job expenses (rule 3, the seed's formula)."""
        return self.payments - self.expenses

    @property
    def margin(self) -> Decimal:
        """Lifetime value (or the job's value) - job costs - expenses (rule 5)."""
        return self.lifetime_value - self.job_costs - self.expenses


@dataclass(frozen=True, slots=True)
class InvoiceShare:
    """What one invoice billed of one job: ``line_amount`` (the job's lines) of the invoice's
    ``subtotal``, with the invoice's ``total``, its payments ``paid`` and its ``balance``."""

    invoice_id: int
    line_amount: Decimal
    subtotal: Decimal
    total: Decimal
    paid: Decimal
    balance: Decimal


def job_financials(
    *, value: Decimal, job_expenses: Decimal, job_costs: Decimal, shares: Iterable[InvoiceShare]
) -> Financials:
    """A job's financials: its ``value`` (``total_amount`` when completed, else zero), its own
    expenses and job costs, and its share of each invoice that billed it (rules 1 and 6)."""
    shares = list(shares)
    return Financials(
        payments=sum((share(s.paid, s.line_amount, s.subtotal) for s in shares), ZERO),
        direct_expenses=ZERO,
        job_expenses=job_expenses,
        job_costs=job_costs,
        lifetime_value=value,
        invoiced=sum((share(s.total, s.line_amount, s.subtotal) for s in shares), ZERO),
        outstanding_balance=sum(
            (share(max(s.balance, ZERO), s.line_amount, s.subtotal) for s in shares), ZERO
        ),
    )
