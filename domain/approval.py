"""Approval policy for an estimate (seed 001 Phases 1.2, 2.1, 2.2, 2.3).

Order of rules:
1. Customer on credit hold: never auto-approved (set by dunning).
2. Amount within the customer's ``max_auto_approve_amount`` and, when the customer has
   ``require_photo_for_approval``, a photo attached: auto-approved.
3. Requested by a manager (``is_manager``) whose ``approval_limit`` covers the amount:
   approved by that manager.
4. Otherwise the customer must approve (a single-use link by SMS/email).
Lot-walk findings of a customer with ``auto_approve_lot_repairs`` use rule 2 as well; the
flag is what allows them at all (rule 2 is skipped for lot findings without it).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class ApprovalMode(StrEnum):
    """How an estimate got (or will get) approved."""

    AUTO_CUSTOMER_LIMIT = "auto_customer_limit"
    MANAGER_LIMIT = "manager_limit"
    CUSTOMER = "customer"


@dataclass(frozen=True, slots=True)
class CustomerApprovalPolicy:
    """The customer's approval settings; amounts in USD."""

    max_auto_approve_amount: Decimal
    require_photo_for_approval: bool
    auto_approve_lot_repairs: bool = False
    credit_hold: bool = False


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asked for the work: a technician id, manager flag and approval limit in USD."""

    technician_id: str | None = None
    is_manager: bool = False
    approval_limit: Decimal | None = None

    def may_approve(self, amount: Decimal) -> bool:
        """Whether this requester may approve ``amount`` USD himself: a manager whose
        ``approval_limit`` covers it. The one copy of the manager-limit rule: it decides the
        requests a manager files (rule 3) and his approvals through the API."""
        return self.is_manager and self.approval_limit is not None and amount <= self.approval_limit


@dataclass(frozen=True, slots=True)
class ApprovalDecision:
    """The outcome and the human-readable reasons that led to it."""

    mode: ApprovalMode
    approved: bool
    approved_by: str | None
    reasons: tuple[str, ...]


def decide_approval(
    *,
    amount: Decimal,
    policy: CustomerApprovalPolicy,
    requester: Requester,
    has_photo: bool,
    from_lot_walk: bool = False,
) -> ApprovalDecision:
    """Apply the rules in the module docstring to an estimate of ``amount`` USD.

    Raises ValueError for a negative amount.
    """
    if amount < 0:
        raise ValueError(f"estimate amount must not be negative, got {amount}")
    reasons: list[str] = []
    if policy.credit_hold:
        reasons.append("customer is on credit hold: auto-approval is off")
    elif from_lot_walk and not policy.auto_approve_lot_repairs:
        reasons.append("customer does not auto-approve lot-walk repairs")
    elif amount > policy.max_auto_approve_amount:
        reasons.append(
            f"${amount} is over the customer's auto-approve limit ${policy.max_auto_approve_amount}"
        )
    elif policy.require_photo_for_approval and not has_photo:
        reasons.append(f"${amount} is within the auto-approve limit but the customer requires a photo")
    else:
        reasons.append(
            f"${amount} is within the customer's auto-approve limit ${policy.max_auto_approve_amount}"
        )
        if policy.require_photo_for_approval:
            reasons.append("photo attached as the customer requires")
        return ApprovalDecision(ApprovalMode.AUTO_CUSTOMER_LIMIT, True, "policy:auto", tuple(reasons))

    if requester.is_manager and requester.approval_limit is not None:
        if requester.may_approve(amount):
            reasons.append(
                f"requested by manager {requester.technician_id} with approval limit ${requester.approval_limit}"
            )
            return ApprovalDecision(
                ApprovalMode.MANAGER_LIMIT, True, f"technician:{requester.technician_id}", tuple(reasons)
            )
        reasons.append(
            f"${amount} is over manager {requester.technician_id}'s approval limit ${requester.approval_limit}"
        )
    reasons.append("customer approval requested")
    return ApprovalDecision(ApprovalMode.CUSTOMER, False, None, tuple(reasons))
