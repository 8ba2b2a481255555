"""Referral codes and the referral tree (``customers.referred_by_id``, ``customers.referral_code``;
seed 004 Phase 1). Keyword-only, never commit; each read is one statement (recursive CTEs)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import Customer
from db.repositories import customers
from domain.access import Scope


@dataclass(frozen=True, slots=True)
class ReferralNode:
    """A customer in a referral tree: ``depth`` 1 for those the root referred directly."""

    customer_id: int
    referred_by_id: int | None
    depth: int
    first_name: str
    last_name: str
    company_name: str | None
    referral_code: str | None
    created_at: datetime

    @property
    def display_name(self) -> str:
        """Company name, else first and last name (as ``Customer.display_name``)."""
        return self.company_name or f"{self.first_name} {self.last_name}"


def by_code(session: Session, *, code: str) -> Customer | None:
    """The customer whose referral code is ``code`` (case-insensitive; codes are upper case)."""
    return session.scalars(select(Customer).where(Customer.referral_code == code.strip().upper())).first()


def claim_code(session: Session, *, customer: Customer, code: str) -> str | None:
    """Give ``customer`` the referral ``code`` unless it has one already, and return the code it
    has now; None when ``code`` is taken by another customer (the caller draws a new one). Runs in
    a savepoint so a clash leaves the transaction usable."""
    try:
        with session.begin_nested():
            session.execute(
                update(Customer)
                .where(Customer.id == customer.id, Customer.referral_code.is_(None))
                .values(referral_code=code)
                .execution_options(synchronize_session=False)
            )
    except IntegrityError:
        return None
    session.refresh(customer, ["referral_code"])
    return customer.referral_code


def referrers(session: Session, *, customer_id: int, depth: int) -> list[int]:
    """The customer's referrer, that referrer's referrer… upwards, at most ``depth`` of them
    (one recursive statement; a loop in bad data stops at ``depth``)."""
    up = (
        select(Customer.referred_by_id.label("id"), literal(1).label("level"))
        .where(Customer.id == customer_id, Customer.referred_by_id.is_not(None))
        .cte("up", recursive=True)
    )
    up = up.union_all(
        select(Customer.referred_by_id, up.c.level + 1)
        .join(up, Customer.id == up.c.id)
        .where(Customer.referred_by_id.is_not(None), up.c.level < depth)
    )
    return [row.id for row in session.execute(select(up.c.id, up.c.level).order_by(up.c.level))]


#: the transaction-scoped advisory lock that serialises changes of who referred whom
REFERRAL_LOCK_KEY = 0x0C360_0001


def lock_referrals(session: Session) -> None:
    """Wait for and take the advisory lock of referral changes until the transaction ends, so two
    concurrent changes cannot each pass the loop check and together close a loop."""
    session.execute(select(func.pg_advisory_xact_lock(REFERRAL_LOCK_KEY)))


def set_referrer(session: Session, *, customer: Customer, referred_by_id: int | None) -> None:
    """Record who referred ``customer`` (None: nobody) and flush."""
    customer.referred_by_id = referred_by_id
    session.flush()


def tree(session: Session, *, customer_id: int, depth: int) -> list[ReferralNode]:
    """Everyone the customer referred, directly (depth 1) or through them, at most ``depth``
    levels down, ordered by depth then id (one recursive statement)."""
    down = (
        select(Customer.id.label("id"), literal(1).label("level"))
        .where(Customer.referred_by_id == customer_id)
        .cte("down", recursive=True)
    )
    down = down.union_all(
        select(Customer.id, down.c.level + 1)
        .join(down, Customer.referred_by_id == down.c.id)
        .where(down.c.level < depth)
    )
    stmt = (
        select(
            Customer.id,
            Customer.referred_by_id,
            down.c.level,
            Customer.first_name,
            Customer.last_name,
            Customer.company_name,
            Customer.referral_code,
            Customer.created_at,
        )
        .join(down, down.c.id == Customer.id)
        .order_by(down.c.level, Customer.id)
    )
    return [ReferralNode(*row) for row in session.execute(stmt)]


def names(session: Session, *, customer_ids: set[int]) -> dict[int, str]:
    """Display name per customer id (one statement; none for an empty set)."""
    if not customer_ids:
        return {}
    stmt = select(Customer.id, Customer.first_name, Customer.last_name, Customer.company_name).where(
        Customer.id.in_(sorted(customer_ids))
    )
    return {row.id: row.company_name or f"{row.first_name} {row.last_name}" for row in session.execute(stmt)}


def visible_ids(session: Session, *, customer_ids: set[int], scope: Scope) -> set[int]:
    """The ids among ``customer_ids`` whose customers are in ``scope`` (one statement)."""
    if scope.everything:
        return set(customer_ids)
    if not customer_ids:
        return set()
    stmt = select(Customer.id).where(Customer.id.in_(sorted(customer_ids)), customers.in_scope(scope))
    return set(session.scalars(stmt))
