"""Referrals (seed 004 Phase 1): a customer's referral code, who referred it, and the tree of
customers it referred. Never commits (the request does).

A code is handed out by the customer, so the referrer named by a code may be outside the caller's
scope: it is recorded, and shown by id only (``display_name`` null), like every node of the tree
outside the scope.
"""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from api.errors import Conflict, Problem
from api.schemas.customer_view import CustomerRef, ReferralNodeOut, ReferralsOut
from api.services.customers import get_customer
from db.repositories import referrals as repo
from domain.access import Scope
from domain.customer360 import REFERRAL_TREE_DEPTH, referral_code, referral_cycle

#: draws of a new code before giving up (a clash among ~27 billion codes is already rare)
CODE_ATTEMPTS = 8


def ensure_code(session: Session, *, customer_id: int, scope: Scope) -> str:
    """The customer's referral code, generated on first use (``domain.customer360.referral_code``);
    asking again returns the same code. 409 in the unlikely case that every draw clashed."""
    customer = get_customer(session, customer_id=customer_id, scope=scope)
    if customer.referral_code:
        return customer.referral_code
    for _ in range(CODE_ATTEMPTS):
        code = referral_code(secrets.token_bytes(8))
        stored = repo.claim_code(session, customer=customer, code=code)
        if stored:  # ours, or a concurrent request's that got there first
            return stored
    raise Conflict("could not draw an unused referral code; try again")


def set_referred_by(session: Session, *, customer_id: int, scope: Scope, code: str | None) -> ReferralsOut:
    """Record that the customer holding ``code`` referred this customer (None: nobody did).
    422 for an unknown code or the customer's own code; 409 when it would close a loop (the
    referrer was itself referred, directly or not, by this customer)."""
    customer = get_customer(session, customer_id=customer_id, scope=scope)
    referrer_id = None
    if code is not None:
        referrer = repo.by_code(session, code=code)
        if referrer is None:
            raise Problem(422, f"no customer has referral code {code.strip().upper()}")
        if referrer.id == customer.id:
            raise Problem(422, "a customer cannot refer itself")
        repo.lock_referrals(session)  # until commit: no concurrent change slips past the loop check
        chain = [
            referrer.id,
            *repo.referrers(session, customer_id=referrer.id, depth=REFERRAL_TREE_DEPTH * 10),
        ]
        if referral_cycle(customer.id, chain):
            raise Conflict(
                f"customer {referrer.id} was itself referred by customer {customer.id}; that would be a loop"
            )
        referrer_id = referrer.id
    repo.set_referrer(session, customer=customer, referred_by_id=referrer_id)
    return referrals_out(session, customer_id=customer.id, scope=scope)


def referrals_out(session: Session, *, customer_id: int, scope: Scope) -> ReferralsOut:
    """The customer's code, its referrer and its referral tree, nested (four statements, whatever
    the size of the tree)."""
    customer = get_customer(session, customer_id=customer_id, scope=scope)
    nodes = repo.tree(session, customer_id=customer.id, depth=REFERRAL_TREE_DEPTH)
    ids = {n.customer_id for n in nodes}
    if customer.referred_by_id is not None:
        ids.add(customer.referred_by_id)
    shown = repo.visible_ids(session, customer_ids=ids, scope=scope)
    referred_by = None
    if customer.referred_by_id is not None:
        name = repo.names(session, customer_ids={customer.referred_by_id} & shown).get(
            customer.referred_by_id
        )
        referred_by = CustomerRef(id=customer.referred_by_id, display_name=name)
    children: dict[int, list[ReferralNodeOut]] = {}
    for node in sorted(nodes, key=lambda n: (-n.depth, n.customer_id)):  # leaves first
        children.setdefault(node.referred_by_id or 0, []).append(
            ReferralNodeOut(
                customer_id=node.customer_id,
                display_name=node.display_name if node.customer_id in shown else None,
                referral_code=node.referral_code if node.customer_id in shown else None,
                depth=node.depth,
                joined_at=node.created_at,
                referrals=sorted(children.get(node.customer_id, []), key=lambda c: c.customer_id),
            )
        )
    return ReferralsOut(
        customer_id=customer.id,
        referral_code=customer.referral_code,
        referred_by=referred_by,
        referrals=sorted(children.get(customer.id, []), key=lambda c: c.customer_id),
        total_referred=len(nodes),
    )
