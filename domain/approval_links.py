"""Approval-link tokens: short, opaque, random, stored only as a hash.

token = base64url(HMAC-SHA256(secret_key, nonce))[:22] (132 bits) — no dots, so SMS apps keep
the link whole (a JWT breaks at its dots). The nonce is random per link; the database keeps the
nonce and SHA-256(token), so a reminder can re-derive the same link but a database leak alone
cannot produce one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

TOKEN_LENGTH = 22


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
