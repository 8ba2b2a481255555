"""Customer service: CRUD, custom pricing and preferred technicians. Never commits (the request does).

Reads and changes take the caller's ``Scope`` (``domain.access``): a customer outside it is a
404, like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from temporalio.client import Client
from temporalio.service import RPCError

from api.errors import Conflict, NotFound, Problem
from api.pagination import PageParams, paginate
from api.schemas.customers import CustomerCreate, CustomerPricingIn, CustomerUpdate
from api.services import lot_walk_schedules
from config import Settings
from db.models import Customer, CustomerPricing, Technician
from db.repositories import audit, rows, technicians
from db.repositories import customers as repo
from domain.access import Scope
from domain.lot_walk import ScheduleProblem, WalkSchedule, walk_schedule
from domain.pricing import CustomerPricingTerms


def list_customers(
    session: Session, *, params: PageParams, q: str | None, scope: Scope
) -> tuple[list[Customer], int]:
    """One page of the customers in ``scope`` by id; ``q`` matches name, company, email or phone
    (case-insensitive)."""
    return paginate(session, repo.list_stmt(q=q, scope=scope), params)


def get_customer(session: Session, *, customer_id: int, scope: Scope) -> Customer:
    """The customer, or NotFound when it does not exist or is outside ``scope``."""
    customer = repo.visible(session, customer_id, scope=scope)
    if customer is None:
        raise NotFound(f"customer {customer_id} does not exist")
    return customer


#: What decides whether an estimate is approved without the customer (domain/approval.py rules 1
#: and 2) and what dunning sets: office and admin keys only. A manager's own approvals are capped
#: by his ``approval_limit``; were he allowed to raise a customer's auto-approve limit (or lift its
#: credit hold, or edit its prices) and re-quote, that cap would mean nothing.
APPROVAL_TERMS = frozenset(
    {
        "max_auto_approve_amount",
        "require_photo_for_approval",
        "auto_approve_lot_repairs",
        "credit_hold",
        "payment_terms",
    }
)


def _check_terms(scope: Scope, sent: set[str]) -> None:
    """403 when a caller outside the office sets a customer's approval or credit terms."""
    touched = sorted(sent & APPROVAL_TERMS)
    if touched and not scope.everything:
        raise Problem(
            403,
            f"only office or admin keys may set a customer's approval and credit terms ({', '.join(touched)}); "
            "a manager's approvals are capped by his approval_limit",
        )


#: the settings a customer's lot-walk schedule follows (seed 001 2.1)
SCHEDULE_FIELDS = frozenset(
    {"lot_walking_enabled", "lot_walking_schedule", "lot_walking_time", "service_mode"}
)


def _check_schedule(customer: Customer) -> WalkSchedule | None:
    """The lot-walk schedule the customer's settings call for; Problem 422 when they cannot be read."""
    try:
        return lot_walk_schedules.wanted(customer)
    except ScheduleProblem as err:
        raise Problem(422, str(err)) from err


def create_customer(session: Session, *, scope: Scope, data: CustomerCreate) -> Customer:
    """Store a new customer; Problem 403 when a manager sets its approval or credit terms
    (``APPROVAL_TERMS``; the defaults apply), 422 for an unreadable lot-walking schedule."""
    _check_terms(scope, set(data.model_fields_set))
    customer = rows.add(session, Customer(**data.model_dump()))
    _check_schedule(customer)
    return customer


async def schedule_created(
    session: Session, *, client: Client, settings: Settings, customer: Customer
) -> None:
    """After the new customer is committed: create its lot-walk schedule if its settings call
    for one. When Temporal cannot be reached the customer is removed again and Problem 503 is
    raised (nothing half-written)."""
    plan = _check_schedule(customer)
    if plan is None:
        return
    try:
        await lot_walk_schedules.sync(client, settings, customer_id=customer.id, plan=plan)
    except RPCError as err:
        session.rollback()
        repo.remove(session, customer_id=customer.id)
        session.commit()
        raise Problem(
            503, f"could not create the lot-walk schedule: {err.message}; nothing was recorded"
        ) from err


async def schedule_updated(
    session: Session,
    *,
    client: Client,
    settings: Settings,
    customer: Customer,
    before: dict[str, Any],
) -> None:
    """After a committed change of the customer: create, update, pause or delete its lot-walk
    schedule when a schedule setting changed (``before`` holds their old values). When Temporal
    cannot be reached the old values are restored and Problem 503 is raised."""
    old_plan = walk_schedule_of(before)
    plan = _check_schedule(customer)
    if {k: getattr(customer, k) for k in SCHEDULE_FIELDS} == before or (plan is None and old_plan is None):
        return
    try:
        await lot_walk_schedules.sync(client, settings, customer_id=customer.id, plan=plan)
    except RPCError as err:
        session.rollback()
        rows.update_fields(session, customer, before)
        session.commit()
        raise Problem(
            503, f"could not change the lot-walk schedule: {err.message}; the change was undone"
        ) from err


def schedule_settings(customer: Customer) -> dict[str, Any]:
    """The customer's current lot-walk schedule settings (to restore them on a failed sync)."""
    return {k: getattr(customer, k) for k in SCHEDULE_FIELDS}


def walk_schedule_of(values: dict[str, Any]) -> WalkSchedule | None:
    """The schedule stored settings ``values`` called for (unreadable old settings: None)."""
    try:
        return walk_schedule(
            enabled=values["lot_walking_enabled"],
            service_mode=values["service_mode"],
            schedule=values["lot_walking_schedule"] or {},
            walk_time=values["lot_walking_time"],
        )
    except ScheduleProblem:
        return None


async def schedule_deleted(*, client: Client, settings: Settings, customer_id: int) -> None:
    """Before a customer is deleted: delete its lot-walk schedule (Problem 503 when Temporal
    cannot be reached, and the customer stays)."""
    try:
        await lot_walk_schedules.sync(client, settings, customer_id=customer_id, plan=None)
    except RPCError as err:
        raise Problem(
            503, f"could not delete the lot-walk schedule: {err.message}; nothing was deleted"
        ) from err


def update_customer(session: Session, *, customer_id: int, scope: Scope, data: CustomerUpdate) -> Customer:
    """Change the fields given in ``data`` (PATCH); Problem 403 when a manager changes the
    approval or credit terms (``APPROVAL_TERMS``)."""
    customer = get_customer(session, customer_id=customer_id, scope=scope)
    _check_terms(scope, set(data.changes()))
    rows.update_fields(session, customer, data.changes())
    _check_schedule(customer)
    return customer


def check_deletable(session: Session, *, customer_id: int) -> None:
    """Conflict when work orders, service requests or messages refer to the customer."""
    history = repo.history(session, customer_id=customer_id)
    for n, what in zip(history, ("work orders", "service requests", "messages"), strict=True):
        if n:
            raise Conflict(f"customer {customer_id} has {n} {what}; customers with history cannot be deleted")


def delete_customer(session: Session, *, customer_id: int, scope: Scope) -> None:
    """Delete a customer with no history; Conflict when work orders, requests or messages refer to it."""
    get_customer(session, customer_id=customer_id, scope=scope)
    history = repo.history(session, customer_id=customer_id)
    for n, what in zip(history, ("work orders", "service requests", "messages"), strict=True):
        if n:
            raise Conflict(f"customer {customer_id} has {n} {what}; customers with history cannot be deleted")
    try:
        with session.begin_nested():
            repo.remove(session, customer_id=customer_id)
    except IntegrityError as err:
        raise Conflict(f"customer {customer_id} is referenced elsewhere; it cannot be deleted") from err


def get_pricing(session: Session, *, customer_id: int, scope: Scope) -> CustomerPricing:
    """The customer's pricing; for a customer whose pricing was never set, the default terms that
    quoting applies to it (standard tiers, no volume discount) as an unsaved row with
    ``updated_at`` None. NotFound when the customer does not exist or is outside ``scope``."""
    get_customer(session, customer_id=customer_id, scope=scope)
    pricing = repo.pricing(session, customer_id=customer_id)
    if pricing is not None:
        return pricing
    default = CustomerPricingTerms()
    return CustomerPricing(
        customer_id=customer_id,
        use_custom_pricing=default.use_custom_pricing,
        volume_discount_threshold=default.volume_discount_threshold,
        volume_discount_percentage=default.volume_discount_percentage,
    )


def _pricing_values(pricing: CustomerPricing | None) -> dict[str, str | None]:
    """A pricing row's tiers, discount and notes as JSON-ready strings (None: no row)."""
    if pricing is None:
        return {}
    return {
        name: (None if getattr(pricing, name) is None else str(getattr(pricing, name)))
        for name in CustomerPricingIn.model_fields
    }


def set_pricing(
    session: Session, *, customer_id: int, scope: Scope, data: CustomerPricingIn, actor: str
) -> CustomerPricing:
    """Create or replace the customer's pricing (one row per customer, upserted); office and admin
    only (Problem 403 for a manager: prices feed the estimate his approval limit is checked on).

    The first write records ``actor`` as ``created_by`` (seed 001 1.1); every write that changes
    something appends an ``audit_log`` row (entity ``customer_pricing``, the customer id) with the
    old and new values of the fields that changed (seed 001 5.2)."""
    get_customer(session, customer_id=customer_id, scope=scope)
    if not scope.everything:
        raise Problem(403, "only office or admin keys may set a customer's pricing")
    before = _pricing_values(repo.pricing(session, customer_id=customer_id))
    stored = repo.upsert_pricing(session, customer_id=customer_id, values=data.model_dump(), created_by=actor)
    after = _pricing_values(stored)
    changed = sorted(name for name in after if before.get(name) != after[name]) if before else sorted(after)
    if changed:
        audit.record(
            session,
            actor=actor,
            action="pricing_changed" if before else "pricing_created",
            entity_type="customer_pricing",
            entity_id=str(customer_id),
            details={
                "changed": changed,
                "old": {name: before.get(name) for name in changed} if before else None,
                "new": {name: after[name] for name in changed},
            },
        )
    return stored


def _technicians(session: Session, technician_ids: list[str]) -> list[Technician]:
    found = technicians.by_ids(session, technician_ids=technician_ids)
    missing = [t for t in technician_ids if t not in found]
    if missing:
        raise Problem(422, f"unknown technician(s): {', '.join(missing)}")
    return [found[t] for t in technician_ids]


def get_preferred_technicians(session: Session, *, customer_id: int, scope: Scope) -> list[str]:
    """Ids of the customer's preferred technicians."""
    customer = get_customer(session, customer_id=customer_id, scope=scope)
    return sorted(t.id for t in customer.preferred_technicians)


def set_preferred_technicians(
    session: Session, *, customer_id: int, scope: Scope, technician_ids: list[str]
) -> list[str]:
    """Replace the customer's preferred technicians; 422 for an unknown technician id."""
    customer = get_customer(session, customer_id=customer_id, scope=scope)
    chosen = _technicians(session, list(dict.fromkeys(technician_ids)))
    repo.set_preferred_technicians(session, customer=customer, technicians=chosen)
    return sorted(t.id for t in customer.preferred_technicians)
