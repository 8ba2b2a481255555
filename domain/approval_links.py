"""Approval-link tokens: short, opaque, random, stored only as a hash.

token = base64url(HMAC-SHA256(secret_key, nonce))[:22] (132 bits) — no dots, so SMS apps keep
the link whole (a JWT breaks at its dots). The nonce is random per link; the database keeps the
nonce and SHA-256(token), so a reminder can re-derive the same link but a database leak alone
cannot produce one.

A link stops working when it is used, when it expires, or when it is revoked; a revoked link
keeps the reason (:class:`LinkClosed`) so its page can say why.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from enum import StrEnum

from domain.work_status import WorkStatus

TOKEN_LENGTH = 22


class LinkClosed(StrEnum):
    """Why an approval link was revoked before it was used (``approval_tokens.revoked_reason``)."""

    REPLACED = "replaced"  # the estimate was revised: the link of the new version replaces it
    CANCELLED = "cancelled"  # the repair was cancelled
    ANSWERED = "answered"  # decided another way (staff declined on the customer's behalf)
    EXPIRED = "expired"  # the approval expired unanswered


#: The reason recorded when a repair reaches one of these statuses with a live link.
CLOSED_BY_STATUS: dict[WorkStatus, LinkClosed] = {
    WorkStatus.CANCELLED: LinkClosed.CANCELLED,
    WorkStatus.EXPIRED: LinkClosed.EXPIRED,
    WorkStatus.DECLINED: LinkClosed.ANSWERED,
}


def new_nonce() -> str:
    """A fresh random nonce (32 hex chars)."""
    return secrets.token_hex(16)


def derive_token(secret_key: str, nonce: str) -> str:
    """The link token for ``nonce`` under ``secret_key`` (22 URL-safe characters)."""
    digest = hmac.new(secret_key.encode(), nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:TOKEN_LENGTH]


def hash_token(token: str) -> str:
    """SHA-256 hex of a token, the only form stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(value: str) -> bool:
    """Cheap shape check before any database look-up."""
    return len(value) == TOKEN_LENGTH and all(c.isalnum() or c in "-_" for c in value)
