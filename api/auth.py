"""Staff API keys: ``fo_<prefix>_<secret>``, stored as SHA-256, each carrying one role."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session

from db.models import ROLES
from db.repositories import api_keys


@dataclass(frozen=True, slots=True)
class Staff:
    """The caller behind an API key."""

    key_id: int
    name: str
    role: str
    technician_id: str | None

    @property
    def actor(self) -> str:
        """How the caller appears in audit logs and workflow history."""
        return f"staff:{self.key_id}:{self.role}"


def hash_key(key: str) -> str:
    """SHA-256 hex of a full API key (keys are 190-bit random, so a fast hash is enough)."""
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(session: Session, *, name: str, role: str, technician_id: str | None = None) -> str:
    """Store a new key and return it in clear (shown once).

    Technician and manager keys belong to a technician: a technician key sees his own jobs, a
    manager key his team's (the technicians that technician manages, see ``domain.access``).
    Raises ValueError for an unknown role, or a technician or manager key without technician_id.
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    if role in ("technician", "manager") and not technician_id:
        raise ValueError(f"a {role} key needs technician_id (its team is that technician's)")
    prefix = secrets.token_hex(4)
    key = f"fo_{prefix}_{secrets.token_urlsafe(24)}"
    api_keys.add(
        session, name=name, role=role, key_prefix=prefix, key_hash=hash_key(key), technician_id=technician_id
    )
    return key


def verify_api_key(session: Session, key: str) -> Staff | None:
    """The staff member for ``key``, or None when unknown, malformed or revoked."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != "fo":
        return None
    row = api_keys.by_prefix(session, key_prefix=parts[1])
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.key_hash, hash_key(key)):
        return None
    return Staff(key_id=row.id, name=row.name, role=row.role, technician_id=row.technician_id)
