"""Customer portal logins: find the customer behind an address, magic links, sessions. Never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db.models import Customer, PortalLoginLink, PortalSession


def customer_by_email(session: Session, *, email: str) -> Customer | None:
    """The customer with this email (case-insensitive); the oldest when several share it."""
    return session.scalars(
        select(Customer).where(func.lower(Customer.email) == email.lower()).order_by(Customer.id)
    ).first()


def customer_by_phone(session: Session, *, e164: str) -> Customer | None:
    """The customer whose phone has the same last 10 digits as ``e164`` (``+1XXXXXXXXXX``;
    stored phones may carry punctuation); the oldest when several share it."""
    digits = func.right(func.regexp_replace(Customer.phone, r"\D", "", "g"), 10)
    return session.scalars(select(Customer).where(digits == e164[-10:]).order_by(Customer.id)).first()


def add_link(
    session: Session,
    *,
    customer_id: int,
    channel: str,
    to_address: str,
    token_hash: str,
    nonce: str,
    expires_at: datetime,
) -> PortalLoginLink:
    """Store a new magic link (flushed, so its id is known)."""
    link = PortalLoginLink(
        customer_id=customer_id,
        channel=channel,
        to_address=to_address,
        token_hash=token_hash,
        nonce=nonce,
        expires_at=expires_at,
    )
    session.add(link)
    session.flush()
    return link


def link(session: Session, link_id: int) -> PortalLoginLink | None:
    """The magic link ``link_id``."""
    return session.get(PortalLoginLink, link_id)


def link_by_hash(session: Session, *, token_hash: str) -> PortalLoginLink | None:
    """The magic link with this token hash, used or not."""
    return session.scalars(select(PortalLoginLink).where(PortalLoginLink.token_hash == token_hash)).first()


def claim_link(session: Session, *, link_id: int, at: datetime) -> bool:
    """Mark a live link used at ``at`` (single use, a conditional UPDATE); False when it was
    already used or has expired (another request got it first)."""
    result = session.execute(
        update(PortalLoginLink)
        .where(
            PortalLoginLink.id == link_id,
            PortalLoginLink.used_at.is_(None),
            PortalLoginLink.expires_at > at,
        )
        .values(used_at=at)
        .returning(PortalLoginLink.id)
    )
    return result.scalar_one_or_none() is not None


def add_session(
    session: Session, *, customer_id: int, login_link_id: int | None, session_hash: str, expires_at: datetime
) -> PortalSession:
    """Store a new logged-in session."""
    row = PortalSession(
        customer_id=customer_id, login_link_id=login_link_id, session_hash=session_hash, expires_at=expires_at
    )
    session.add(row)
    session.flush()
    return row


def live_session(session: Session, *, session_hash: str, now: datetime) -> PortalSession | None:
    """The session with this hash if it has neither ended nor expired at ``now``."""
    return session.scalars(
        select(PortalSession).where(
            PortalSession.session_hash == session_hash,
            PortalSession.ended_at.is_(None),
            PortalSession.expires_at > now,
        )
    ).first()


def end_session(session: Session, *, session_id: int, at: datetime) -> None:
    """Log out: the session stops working at ``at``."""
    session.execute(update(PortalSession).where(PortalSession.id == session_id).values(ended_at=at))
