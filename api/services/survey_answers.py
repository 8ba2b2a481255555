"""Answering a post-service survey, from its page or by an SMS digit: claim the single-use link
with the rating and comment (a conditional UPDATE, committed at once), then send the ``answer_survey``
update to ``survey-{work_order_id}``. A refused update (the survey closed meanwhile) or an
unreachable Temporal releases the claim, so the link works again. The comment never reaches the
workflow: the update carries the rating only and the workflow reads the rest from the link.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session
from temporalio.client import Client, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError

from db.models import SurveyLink
from db.repositories import surveys
from domain.approval_links import hash_token, looks_like_token
from domain.contracts.survey import SURVEY_ANSWER_UPDATE, SurveyAnswer, SurveyStatus, survey_workflow_id

log = logging.getLogger(__name__)
UPDATE_TIMEOUT_S = 10.0


class Answered(StrEnum):
    """How an answer attempt ended."""

    RECORDED = "recorded"  # the workflow took it
    USED = "used"  # the link was used (or closed) first
    CLOSED = "closed"  # the survey is not waiting any more (expired, closed)
    RETRY = "retry"  # Temporal did not answer; the link is released


def find(session: Session, token: str) -> SurveyLink | None:
    """The link of ``token`` (shape-checked before any look-up), or None."""
    if not looks_like_token(token):
        return None
    return surveys.find_by_hash(session, token_hash=hash_token(token))


async def answer(
    session: Session, *, client: Client, link: SurveyLink, rating: int, comment: str | None, via: str
) -> Answered:
    """Claim ``link`` with the answer and hand the rating to the survey's workflow."""
    now = datetime.now(UTC)
    if not surveys.claim(
        session, link_id=link.id, rating=rating, comment=(comment or "").strip() or None, via=via, at=now
    ):
        return Answered.USED
    session.commit()  # no row lock is held while the workflow runs
    handle = client.get_workflow_handle(survey_workflow_id(link.work_order_id))
    try:
        await handle.execute_update(
            SURVEY_ANSWER_UPDATE,
            SurveyAnswer(rating=rating, via=via),  # type: ignore[arg-type]
            result_type=SurveyStatus,
            rpc_timeout=timedelta(seconds=UPDATE_TIMEOUT_S),
        )
    except (WorkflowUpdateFailedError, RPCError, WorkflowUpdateRPCTimeoutOrCancelledError) as err:
        session.rollback()
        refused = isinstance(err, WorkflowUpdateFailedError) or (
            isinstance(err, RPCError) and err.status.name == "NOT_FOUND"
        )
        if not refused and await _took_it(client, link.work_order_id):
            return Answered.RECORDED  # the answer landed although its confirmation was lost
        surveys.release(session, link_id=link.id)
        session.commit()
        log.info("survey answer for %s not taken: %s", link.work_order_id, type(err).__name__)
        return Answered.CLOSED if refused else Answered.RETRY
    return Answered.RECORDED


async def _took_it(client: Client, work_order_id: str) -> bool:
    """Whether the survey's workflow holds an answer (False when it cannot be asked)."""
    try:
        status = await client.get_workflow_handle(survey_workflow_id(work_order_id)).query(
            "survey_status", result_type=SurveyStatus
        )
    except Exception:
        return False
    return status.rating is not None
