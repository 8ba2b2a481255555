"""Post-service surveys: survey links (issue, find, claim with the answer, release, revoke), what
holds a survey (open return visits, open invoice disputes), and storing an answer into the seed
004 tables (``reviews``, ``customer_technician_ratings``, ``service_follow_ups``). Never commit."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import String, and_, cast, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from db.models import (
    AuditLog,
    CustomerTechnicianRating,
    Invoice,
    InvoiceWorkOrder,
    Review,
    ServiceFollowUp,
    SurveyLink,
    WorkOrder,
)
from db.models.technicians import technician_managed
from domain.access import ENDED_STATUSES

DISPUTE_ACTIONS = ("dunning_dispute", "dunning_resolve_dispute")


# ---- links ---------------------------------------------------------------------------------


def issue_link(
    session: Session,
    *,
    work_order_id: str,
    customer_id: int,
    token_hash: str,
    nonce: str,
    expires_at: datetime,
) -> SurveyLink:
    """The work order's survey link, created on the first call (one per work order)."""
    session.execute(
        insert(SurveyLink)
        .values(
            work_order_id=work_order_id,
            customer_id=customer_id,
            token_hash=token_hash,
            nonce=nonce,
            expires_at=expires_at,
        )
        .on_conflict_do_nothing(index_elements=["work_order_id"])
    )
    link = link_of(session, work_order_id=work_order_id)
    assert link is not None
    return link


def link_of(session: Session, *, work_order_id: str) -> SurveyLink | None:
    """The survey link of a work order, if issued."""
    return session.scalars(select(SurveyLink).where(SurveyLink.work_order_id == work_order_id)).first()


def find_by_hash(session: Session, *, token_hash: str) -> SurveyLink | None:
    """The link with this token hash, if any."""
    return session.scalars(select(SurveyLink).where(SurveyLink.token_hash == token_hash)).first()


def claim(
    session: Session, *, link_id: int, rating: int, comment: str | None, via: str, at: datetime
) -> bool:
    """Use a live link (unused, unrevoked, unexpired at ``at``) for this answer; False when it
    was used, revoked or expired first (single use: a conditional UPDATE)."""
    result = session.execute(
        update(SurveyLink)
        .where(
            SurveyLink.id == link_id,
            SurveyLink.used_at.is_(None),
            SurveyLink.revoked_at.is_(None),
            SurveyLink.expires_at > at,
        )
        .values(used_at=at, rating=rating, comment=comment, answered_via=via)
        .returning(SurveyLink.id)
    )
    return result.scalar_one_or_none() is not None


def release(session: Session, *, link_id: int) -> None:
    """Undo a claim the workflow refused, so the link works again."""
    session.execute(
        update(SurveyLink)
        .where(SurveyLink.id == link_id)
        .values(used_at=None, rating=None, comment=None, answered_via=None)
    )


def revoke(session: Session, *, work_order_id: str, at: datetime) -> None:
    """Close an unanswered survey's link (no effect on a used one)."""
    session.execute(
        update(SurveyLink)
        .where(
            SurveyLink.work_order_id == work_order_id,
            SurveyLink.used_at.is_(None),
            SurveyLink.revoked_at.is_(None),
        )
        .values(revoked_at=at)
    )


def open_for_customers(session: Session, *, customer_ids: list[int], now: datetime) -> list[SurveyLink]:
    """The customers' surveys waiting for an answer (live links), newest first."""
    return list(
        session.scalars(
            select(SurveyLink)
            .where(
                SurveyLink.customer_id.in_(customer_ids),
                SurveyLink.used_at.is_(None),
                SurveyLink.revoked_at.is_(None),
                SurveyLink.expires_at > now,
            )
            .order_by(SurveyLink.id.desc())
        )
    )


# ---- holds ---------------------------------------------------------------------------------


def open_return_visits(session: Session, *, work_order: WorkOrder) -> list[str]:
    """Jobs of the same customer opened after this one was completed that have not ended."""
    since = work_order.actual_end_time
    if since is None:
        return []
    return list(
        session.scalars(
            select(WorkOrder.id).where(
                WorkOrder.customer_id == work_order.customer_id,
                WorkOrder.id != work_order.id,
                WorkOrder.created_at > since,
                WorkOrder.status.not_in(sorted(ENDED_STATUSES)),
            )
        )
    )


def disputed_invoices(session: Session, *, work_order_id: str) -> list[str]:
    """Numbers of the invoices billing this job whose last dispute action (audit log of the
    dunning signals) is a dispute, i.e. not resolved since."""
    latest = (
        select(AuditLog.entity_id, func.max(AuditLog.id).label("last_id"))
        .where(AuditLog.entity_type == "invoice", AuditLog.action.in_(DISPUTE_ACTIONS))
        .group_by(AuditLog.entity_id)
        .subquery()
    )
    return list(
        session.scalars(
            select(Invoice.number)
            .join(InvoiceWorkOrder, InvoiceWorkOrder.invoice_id == Invoice.id)
            .join(latest, latest.c.entity_id == cast(Invoice.id, String))
            .join(AuditLog, AuditLog.id == latest.c.last_id)
            .where(InvoiceWorkOrder.work_order_id == work_order_id, AuditLog.action == "dunning_dispute")
        )
    )


# ---- answers -------------------------------------------------------------------------------


def manager_of(session: Session, *, technician_id: str) -> str | None:
    """The technician's manager (the first by id when several manage him), or None."""
    return session.scalars(
        select(technician_managed.c.manager_id)
        .where(technician_managed.c.technician_id == technician_id)
        .order_by(technician_managed.c.manager_id)
    ).first()


def store_review(
    session: Session,
    *,
    work_order: WorkOrder,
    rating: int,
    comment: str | None,
    sentiment: Decimal,
    actor: str,
) -> None:
    """The survey's review (one per work order and source ``survey``) and the customer's rating
    of the job's technician (one per work order and technician); a repeat changes nothing."""
    session.execute(
        insert(Review)
        .values(
            work_order_id=work_order.id,
            customer_id=work_order.customer_id,
            technician_id=work_order.technician_id,
            rating=rating,
            comment=comment,
            sentiment_score=sentiment,
            source="survey",
            created_by=actor,
        )
        .on_conflict_do_nothing(constraint="uq_reviews_work_order_source")
    )
    session.execute(
        insert(CustomerTechnicianRating)
        .values(
            customer_id=work_order.customer_id,
            technician_id=work_order.technician_id,
            work_order_id=work_order.id,
            rating=rating,
            created_by=actor,
        )
        .on_conflict_do_nothing(constraint="uq_customer_technician_ratings_job_technician")
    )


def upsert_follow_up(
    session: Session,
    *,
    key: str,
    work_order: WorkOrder,
    reason: str,
    status: str,
    due_date: date | None,
    assigned_to: str | None = None,
    rating: int | None = None,
    feedback: str | None = None,
    at: datetime | None = None,
) -> int:
    """The follow-up under ``key``: created on the first call, its status, rating and feedback
    updated on later ones (a ``done`` one stays done). Returns its id."""
    done = status == "done"
    values = {
        "key": key,
        "customer_id": work_order.customer_id,
        "work_order_id": work_order.id,
        "technician_id": work_order.technician_id,
        "assigned_to_technician_id": assigned_to,
        "reason": reason,
        "status": status,
        "due_date": due_date,
        "source": "survey",
        "satisfaction_rating": rating,
        "feedback": feedback,
        "created_by": "workflow:survey",
        "completed_at": at if done else None,
        "completed_by": "workflow:survey" if done else None,
    }
    stmt = insert(ServiceFollowUp).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "reason": stmt.excluded.reason,
            "status": stmt.excluded.status,
            "satisfaction_rating": stmt.excluded.satisfaction_rating,
            "feedback": stmt.excluded.feedback,
            "completed_at": stmt.excluded.completed_at,
            "completed_by": stmt.excluded.completed_by,
        },
        where=and_(ServiceFollowUp.status != "done"),
    ).returning(ServiceFollowUp.id)
    row_id = session.execute(stmt).scalar_one_or_none()
    if row_id is None:  # already done: leave it as it is
        row_id = session.scalars(select(ServiceFollowUp.id).where(ServiceFollowUp.key == key)).one()
    return row_id
