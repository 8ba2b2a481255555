"""The post-service survey page behind the single-use link ``/survey/{token}`` (issue 9).

GET only shows the job with five rating buttons and a comment box (mail scanners open every
link); POST answers: the link is claimed with the rating and comment, then the survey's workflow
takes the rating (``api/services/survey_answers.py``). A used, closed or expired link answers 410
and says why. Like the approval page: no API key, no token in logs or histories.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.deps import AppSettings, DbSession, TemporalClient
from api.services import survey_answers
from api.services.survey_answers import Answered
from db.models import SurveyLink
from db.repositories import catalog, customers, technicians
from db.repositories import work_orders as work_orders_repo
from domain.schedule import local_time_text
from domain.survey import MAX_COMMENT_CHARS

router = APIRouter(tags=["customer pages"], include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


def _page(request: Request, status_code: int, **context) -> HTMLResponse:
    context.setdefault("title", "How did we do?")
    return templates.TemplateResponse(
        request, "survey.html", context, status_code=status_code, headers=NO_STORE
    )


def _closed(request: Request, status_code: int, heading: str, message: str) -> HTMLResponse:
    return _page(request, status_code, state="closed", heading=heading, message=message)


def _check(link: SurveyLink | None, now: datetime) -> tuple[int, str, str] | None:
    """Why a link cannot be used, as (status, heading, message), or None when it can."""
    if link is None:
        return 404, "Link not found", "This survey link is not valid."
    if link.used_at is not None:
        return 410, "Already answered", "Thank you: this survey has already been answered."
    if link.revoked_at is not None or link.expires_at <= now:
        return (
            410,
            "Survey closed",
            "This survey has closed. Call the office if you want to tell us anything.",
        )
    return None


@router.get("/survey/{token}", response_class=HTMLResponse)
def show_survey(token: str, request: Request, db: DbSession, settings: AppSettings) -> HTMLResponse:
    """The job and the rating form (no side effect)."""
    link = survey_answers.find(db, token)
    problem = _check(link, datetime.now(UTC))
    if problem:
        return _closed(request, *problem)
    assert link is not None
    wo = work_orders_repo.get(db, link.work_order_id)
    customer = customers.get(db, link.customer_id)
    technician = technicians.get(db, wo.technician_id) if wo and wo.technician_id else None
    entry = catalog.get(db, wo.job_type) if wo else None
    return _page(
        request,
        200,
        state="open",
        work_order_id=link.work_order_id,
        customer_name=customer.first_name if customer else "",
        technician=technician.first_name if technician else "our technician",
        job=entry.name.lower() if entry else "visit",
        completed=local_time_text(wo.actual_end_time, settings.timezone)
        if wo and wo.actual_end_time
        else None,
        expires=local_time_text(link.expires_at, settings.timezone),
        max_comment=MAX_COMMENT_CHARS,
    )


@router.post("/survey/{token}", response_class=HTMLResponse)
async def answer_survey(
    token: str,
    request: Request,
    db: DbSession,
    client: TemporalClient,
    rating: Annotated[int, Form(ge=1, le=5)],
    comment: Annotated[str | None, Form(max_length=MAX_COMMENT_CHARS)] = None,
) -> HTMLResponse:
    """Answer once: the rating (1-5) and an optional comment."""
    link = survey_answers.find(db, token)
    problem = _check(link, datetime.now(UTC))
    if problem:
        return _closed(request, *problem)
    assert link is not None
    outcome = await survey_answers.answer(
        db, client=client, link=link, rating=rating, comment=comment, via="page"
    )
    if outcome == Answered.USED:
        return _closed(request, 410, "Already answered", "Thank you: this survey has already been answered.")
    if outcome == Answered.CLOSED:
        return _closed(request, 409, "Survey closed", "This survey is no longer open for answers.")
    if outcome == Answered.RETRY:
        return _closed(
            request,
            503,
            "Please try again",
            "We could not record your answer just now. Open the link again in a few minutes.",
        )
    return _page(request, 200, state="done", rating=rating, work_order_id=link.work_order_id)
