"""The approval step of RepairWorkflow: quote, decision, customer link and reminder, record.

Approve, decline and revise are updates of RepairWorkflow (names from
``domain.work_status.StaffAction``); their payloads are here.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from domain.contracts.shared import ActivitySpec, FailureType

# ---- activity payloads ---------------------------------------------------------------------


class PriceOverrideRequest(BaseModel):
    """Update payload of ``override_price`` (seed 001 1.3 ``cost_override``): the new price in
    USD and why; ``actor`` is ``staff:{key_id}``. Who may send it is checked by the API
    (``domain.pricing.may_override_price``), which amounts by the workflow
    (``domain.pricing.override_refusal``)."""

    actor: str
    amount: Decimal = Field(ge=0, le=Decimal("999999.99"), decimal_places=2)
    reason: str = Field(min_length=3, max_length=500)


class RecordPriceOverrideInput(BaseModel):
    """Record an override of an approved estimate (the price can only go down then); ``at`` is
    the workflow's time of the update and makes a retry a no-op."""

    work_order_id: str
    override: PriceOverrideRequest
    at: datetime


class QuoteInput(BaseModel):
    """Quote ``target_version`` of the estimate (idempotent: an existing version is returned).

    ``repair_count`` None quotes the work order's stored count (the first quote); a revision
    passes the new count, which the quote stores.
    """

    work_order_id: str
    target_version: int = Field(default=1, ge=1)
    repair_count: int | None = Field(default=None, ge=0)
    first_repair_position: int = 1
    visit_repair_count: int | None = None
    #: set when this version is quoted because staff overrode the price (seed 001 1.3)
    price_override: PriceOverrideRequest | None = None


class QuoteResult(BaseModel):
    """The stored estimate: its version and total in USD."""

    estimate_version: int
    amount: Decimal


class ApprovalDecisionInput(BaseModel):
    """Decide approval of ``amount`` (USD) under the customer's and requester's limits."""

    work_order_id: str
    amount: Decimal
    has_photo: bool
    requested_by_technician_id: str | None
    from_lot_walk: bool = False


class ApprovalDecisionResult(BaseModel):
    """``mode`` is a ``domain.approval.ApprovalMode`` value; ``reasons`` say why."""

    mode: str
    approved: bool
    approved_by: str | None
    reasons: list[str]


class ApprovalRequestInput(BaseModel):
    """Issue the single-use link of this estimate version (expiring at ``expires_at``) and send it."""

    work_order_id: str
    workflow_id: str
    estimate_version: int
    expires_at: datetime


class ApprovalRequestResult(BaseModel):
    """Where the link went: ``sms`` or ``email``, and the ``messages`` row id."""

    channel: str
    message_id: int


class ApprovalReminderInput(BaseModel):
    """Resend the live link of this estimate version as a reminder."""

    work_order_id: str
    workflow_id: str
    estimate_version: int


class RecordApprovalInput(BaseModel):
    """Store the decision; ``approved`` True moves the work order to ``approved``."""

    work_order_id: str
    approved: bool
    mode: str
    decided_by: str
    reasons: list[str]
    estimate_version: int


QUOTE_WORK_ORDER: ActivitySpec[QuoteInput, QuoteResult] = ActivitySpec(
    "quote_work_order",
    QuoteInput,
    QuoteResult,
    lambda i: f"Quote estimate v{i.target_version} (catalog, repair tiers, volume discount)",
)
DECIDE_APPROVAL: ActivitySpec[ApprovalDecisionInput, ApprovalDecisionResult] = ActivitySpec(
    "decide_approval",
    ApprovalDecisionInput,
    ApprovalDecisionResult,
    lambda i: f"Decide approval of ${i.amount}",
)
REQUEST_CUSTOMER_APPROVAL: ActivitySpec[ApprovalRequestInput, ApprovalRequestResult] = ActivitySpec(
    "request_customer_approval",
    ApprovalRequestInput,
    ApprovalRequestResult,
    lambda i: f"Send approval link for estimate v{i.estimate_version}",
)
SEND_APPROVAL_REMINDER: ActivitySpec[ApprovalReminderInput, None] = ActivitySpec(
    "send_approval_reminder",
    ApprovalReminderInput,
    None,
    lambda i: f"Send approval reminder for estimate v{i.estimate_version}",
)
RECORD_PRICE_OVERRIDE: ActivitySpec[RecordPriceOverrideInput, QuoteResult] = ActivitySpec(
    "record_price_override",
    RecordPriceOverrideInput,
    QuoteResult,
    lambda i: f"Record price override to ${i.override.amount}",
)
RECORD_APPROVAL: ActivitySpec[RecordApprovalInput, None] = ActivitySpec(
    "record_approval",
    RecordApprovalInput,
    None,
    lambda i: f"Record {'approval' if i.approved else 'no approval'} ({i.mode}) by {i.decided_by}",
)


# ---- update payloads -----------------------------------------------------------------------


class EstimateAnswer(BaseModel):
    """An answer to the estimate: ``actor`` is ``staff:{key_id}`` or ``customer:{id}:link``;
    ``estimate_version`` (None: the current one) is refused when it has been replaced."""

    actor: str
    estimate_version: int | None = None
    reason: str | None = Field(default=None, max_length=500)


class ApproveRequest(EstimateAnswer):
    """Approve the estimate."""


class DeclineRequest(EstimateAnswer):
    """Decline the estimate."""


class ReviseEstimateRequest(BaseModel):
    """Change the estimate while the customer has not answered: re-quote, new link, old link dead."""

    actor: str
    repair_count: int = Field(ge=0, le=50)


# ---- failures ------------------------------------------------------------------------------


class ApprovalFailure(FailureType):
    """What the approval step refuses with."""

    STALE_ESTIMATE = (
        "StaleEstimate",
        409,
        False,
        "the answer names an estimate version that has been replaced",
    )
    OVERRIDE_REFUSED = (
        "PriceOverrideRefused",
        409,
        False,
        "after the customer's approval a price can only be lowered",
    )
