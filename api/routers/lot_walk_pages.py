"""The customer's page for a lot walk's single approval link (seed 001 2.3): one page lists every
repair waiting for approval with Approve/Decline for each; one POST answers them all.

The link works once and until its deadline (``lot_walks.approval_expires_at``); only its SHA-256
is stored. An answer goes to the walk as its ``decide_repairs`` update, which signals each repair.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.deps import AppSettings, DbSession, TemporalClient
from api.errors import Problem
from api.services import lot_walks as service
from db.models import LotWalk
from db.repositories import customers, lot_walks, service_requests
from domain.approval_links import hash_token, looks_like_token
from domain.contracts.lot_walk import DECISIONS_UPDATE, DecisionsRequest, LotWalkState, RepairDecision
from domain.schedule import local_time_text
from domain.work_status import WorkStatus

log = logging.getLogger(__name__)
router = APIRouter(tags=["customer pages"], include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))


def _page(request: Request, status_code: int, **context) -> HTMLResponse:
    response = templates.TemplateResponse(
        request, "lot_walk_approval.html", {"title": "Lot walk approval", **context}, status_code=status_code
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _closed(request: Request, status_code: int, heading: str, message: str) -> HTMLResponse:
    return _page(request, status_code, state="closed", heading=heading, message=message)


def _open_walk(db, token: str, now: datetime) -> tuple[LotWalk | None, tuple[int, str, str] | None]:
    walk = lot_walks.by_token_hash(db, token_hash=hash_token(token)) if looks_like_token(token) else None
    if walk is None:
        return None, (404, "Link not found", "This link is not valid.")
    if walk.approval_used_at is not None:
        return walk, (410, "Already answered", "These repairs have already been answered with this link.")
    if walk.closed_at is not None or (walk.approval_expires_at and walk.approval_expires_at <= now):
        return walk, (410, "Link expired", "This approval link has expired.")
    if walk.state != LotWalkState.AWAITING_APPROVAL.value:
        return walk, (410, "Nothing to answer", "No repair of this walk waits for your answer any more.")
    return walk, None


def _waiting(db, walk: LotWalk) -> list[dict]:
    rows = []
    for wo in lot_walks.repairs(db, lot_walk_id=walk.id):
        if wo.status != WorkStatus.PENDING_APPROVAL.value:
            continue
        request = service_requests.get(db, wo.service_request_id) if wo.service_request_id else None
        rows.append(
            {
                "id": wo.id,
                "position": wo.repair_position,
                "what": request.description if request else wo.id,
                "amount": wo.estimate_amount,
            }
        )
    return rows


@router.get("/lot-walk-approval/{token}", response_class=HTMLResponse)
def show_walk(token: str, request: Request, db: DbSession, settings: AppSettings) -> HTMLResponse:
    """Every repair of the walk waiting for approval, with Approve/Decline each (no side effect)."""
    walk, problem = _open_walk(db, token, datetime.now(UTC))
    if problem or walk is None:
        return _closed(request, *(problem or (404, "Link not found", "This link is not valid.")))
    customer = customers.get(db, walk.customer_id)
    return _page(
        request,
        200,
        state="open",
        walk=walk,
        repairs=_waiting(db, walk),
        customer_name=customer.first_name if customer else "",
        expires=local_time_text(walk.approval_expires_at or datetime.now(UTC), settings.timezone),
    )


@router.post("/lot-walk-approval/{token}", response_class=HTMLResponse)
async def answer_walk(token: str, request: Request, db: DbSession, client: TemporalClient) -> HTMLResponse:
    """One answer per listed repair (form fields named by work order id: ``approve``/``decline``);
    single use. A repair not answered is declined."""
    now = datetime.now(UTC)
    walk, problem = _open_walk(db, token, now)
    if problem or walk is None:
        return _closed(request, *(problem or (404, "Link not found", "This link is not valid.")))
    form = await request.form()
    waiting = _waiting(db, walk)
    decisions = [
        RepairDecision(work_order_id=r["id"], approve=form.get(r["id"]) == "approve") for r in waiting
    ]
    if not decisions:
        return _closed(
            request, 410, "Nothing to answer", "No repair of this walk waits for your answer any more."
        )
    locked = lot_walks.get(db, walk.id, lock=True)
    if locked is None or locked.approval_used_at is not None:
        return _closed(
            request, 410, "Already answered", "These repairs have already been answered with this link."
        )
    locked.approval_used_at = now
    db.commit()
    payload = DecisionsRequest(actor=f"customer:{walk.customer_id}:lot-walk-link", decisions=decisions)
    try:
        await service.send_update(db, client=client, walk=walk, name=DECISIONS_UPDATE, payload=payload)
    except Problem as err:
        log.warning("lot walk answer for %s not recorded: %s", walk.id, err.status)
        again = lot_walks.get(db, walk.id, lock=True)
        if again is not None:
            again.approval_used_at = None  # not recorded: the link stays usable
            db.commit()
        if err.status >= 500:
            return _closed(
                request,
                503,
                "Please try again",
                "We could not record your answer just now. Open the link again in a few minutes.",
            )
        return _closed(request, 409, "Could not record your answer", err.detail)
    approved = sum(1 for d in decisions if d.approve)
    return _page(request, 200, state="done", approved=approved, declined=len(decisions) - approved)
