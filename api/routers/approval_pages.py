"""Customer approval pages behind the single-use link ``/approve/{token}``.

GET only shows the estimate with Approve and Decline buttons (mail scanners open every link);
POST acts: it claims the token (``used_at``, a conditional UPDATE, committed at once so no row
lock is held while the workflow runs — the workflow's own activities touch these rows), then
sends the update; if the workflow refuses, the claim is released so the link still works. A
second POST finds the link used. The token never reaches the workflow (the update carries the
customer id).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.deps import AppSettings, DbSession, TemporalClient
from api.errors import Problem
from api.services import repair_live
from db.models import ApprovalToken, WorkOrder
from db.repositories import approval_tokens, catalog, customers
from db.repositories import work_orders as work_orders_repo
from domain.access import EVERYTHING
from domain.approval_links import CLOSED_BY_STATUS, LinkClosed, hash_token, looks_like_token
from domain.contracts.approval import ApproveRequest, DeclineRequest
from domain.schedule import local_time_text
from domain.work_status import StaffAction, WorkStatus

log = logging.getLogger(__name__)
router = APIRouter(tags=["customer pages"], include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


def _page(request: Request, status_code: int, **context) -> HTMLResponse:
    context.setdefault("title", "Estimate")
    return templates.TemplateResponse(
        request, "approval.html", context, status_code=status_code, headers=NO_STORE
    )


def _closed(request: Request, status_code: int, heading: str, message: str) -> HTMLResponse:
    return _page(request, status_code, state="closed", heading=heading, message=message)


#: The page of a revoked link, by why it was revoked: (heading, message with ``{wo}``).
REVOKED_PAGES: dict[LinkClosed, tuple[str, str]] = {
    LinkClosed.REPLACED: ("Link replaced", "This estimate has changed; this link no longer works."),
    LinkClosed.CANCELLED: (
        "Request cancelled",
        "Repair request {wo} was cancelled, so there is nothing to approve; this link no longer works.",
    ),
    LinkClosed.ANSWERED: ("Already answered", "Estimate {wo} has already been answered."),
    LinkClosed.EXPIRED: ("Link expired", "This approval link has expired."),
}


def _revoked_because(row: ApprovalToken, wo: WorkOrder) -> LinkClosed:
    """Why ``row`` was revoked; a row revoked without a reason (by a worker older than the
    column) is read from the work order, as migration 0004 did for the rows before it."""
    if row.revoked_reason is not None:
        return LinkClosed(row.revoked_reason)
    if row.estimate_version < wo.estimate_version:
        return LinkClosed.REPLACED
    return CLOSED_BY_STATUS.get(WorkStatus(wo.status), LinkClosed.REPLACED)


def _check(row: ApprovalToken | None, wo: WorkOrder | None, now: datetime) -> tuple[int, str, str] | None:
    """Why a link cannot be used, as (status, heading, message), or None when it can."""
    if row is None or wo is None:
        return 404, "Link not found", "This approval link is not valid."
    if row.used_at is not None:
        return 410, "Already answered", "This estimate has already been answered with this link."
    if row.revoked_at is not None:
        heading, message = REVOKED_PAGES[_revoked_because(row, wo)]
        return 410, heading, message.format(wo=wo.id)
    if row.expires_at <= now or wo.status == WorkStatus.EXPIRED.value:
        return 410, *REVOKED_PAGES[LinkClosed.EXPIRED]
    if row.estimate_version != wo.estimate_version:
        return 410, *REVOKED_PAGES[LinkClosed.REPLACED]
    if wo.status == WorkStatus.CANCELLED.value:  # taken by the workflow, links not yet revoked
        heading, message = REVOKED_PAGES[LinkClosed.CANCELLED]
        return 410, heading, message.format(wo=wo.id)
    if wo.status != WorkStatus.PENDING_APPROVAL.value:
        return 410, "No longer waiting", f"Work order {wo.id} is {wo.status.replace('_', ' ')}."
    return None


def _load(db, token: str) -> tuple[ApprovalToken | None, WorkOrder | None]:
    if not looks_like_token(token):
        return None, None
    row = approval_tokens.find_by_hash(db, token_hash=hash_token(token))
    return row, (work_orders_repo.get(db, row.work_order_id) if row else None)


@router.get("/approve/{token}", response_class=HTMLResponse)
def show_estimate(token: str, request: Request, db: DbSession, settings: AppSettings) -> HTMLResponse:
    """The estimate with Approve and Decline buttons (no side effect)."""
    row, wo = _load(db, token)
    problem = _check(row, wo, datetime.now(UTC))
    if problem:
        return _closed(request, *problem)
    customer = customers.get(db, wo.customer_id)
    entry = catalog.get(db, wo.job_type)
    return _page(
        request,
        200,
        state="open",
        wo=wo,
        customer_name=customer.first_name if customer else "",
        job_name=entry.name if entry else wo.job_type,
        expires=local_time_text(row.expires_at, settings.timezone),
    )


@router.post("/approve/{token}", response_class=HTMLResponse)
async def answer_estimate(
    token: str,
    request: Request,
    db: DbSession,
    client: TemporalClient,
    decision: Annotated[str, Form(pattern="^(approve|decline)$")],
) -> HTMLResponse:
    """Approve or decline through the link: single use, bound to the estimate version."""
    row, wo = _load(db, token)
    now = datetime.now(UTC)
    problem = _check(row, wo, now)
    if problem:
        return _closed(request, *problem)
    if not approval_tokens.claim(db, token_id=row.id, at=now):
        return _closed(
            request, 410, "Already answered", "This estimate has already been answered with this link."
        )
    db.commit()
    actor = f"customer:{wo.customer_id}:link"
    if decision == "approve":
        update, payload = (
            StaffAction.APPROVE,
            ApproveRequest(actor=actor, estimate_version=row.estimate_version, reason="approved by link"),
        )
    else:
        update, payload = (
            StaffAction.DECLINE,
            DeclineRequest(actor=actor, estimate_version=row.estimate_version, reason="declined by link"),
        )
    try:
        # the token is the customer's right to answer for exactly this work order: no staff scope
        await repair_live.act(
            db, client=client, work_order_id=wo.id, scope=EVERYTHING, update=update, payload=payload
        )
    except Exception as err:
        db.rollback()
        if isinstance(err, Problem) and err.status == 409:  # refused: the link stays usable
            approval_tokens.release(db, token_id=row.id)
            db.commit()
            return _closed(request, 409, "Could not record your answer", err.detail)
        # unreachable: the answer may or may not have landed; free the link only if it did not
        log.warning("approval answer for %s not confirmed: %s", wo.id, type(err).__name__)
        live, _ = await repair_live.live_status(client, work_order=wo)
        if live is not None and live.status == WorkStatus.PENDING_APPROVAL:
            approval_tokens.release(db, token_id=row.id)
            db.commit()
        return _closed(
            request,
            503,
            "Please try again",
            "We could not confirm your answer just now. Open the link again in a few minutes.",
        )
    return _page(request, 200, state="done", wo=wo, decision=decision)
