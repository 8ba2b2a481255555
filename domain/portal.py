"""Customer portal rules (seed 003 Priority 2 "Customer Portal": magic-link login, no passwords;
self-service requests with photos). Pure: no clock, no I/O.

- Magic link: ``token = derive_token(secret, "portal-login:" + nonce)`` (22 URL-safe characters,
  the approval link's construction in its own domain, so an approval nonce can never produce a
  login token). Only SHA-256(token) and the nonce are stored; the sending activity re-derives
  the token, so it never enters a workflow history. A link works once, for
  ``LOGIN_LINK_MINUTES``.
- A session is a random 32-byte secret in a signed cookie; the database keeps its SHA-256 and
  expiry (``SESSION_HOURS``), so logging out ends it on the server too.
- Who asks: a login request names an email or a phone; :func:`normalize_contact` turns it into
  the form customers are stored in (lower-case email, E.164 phone for US numbers).
- Photos: JPEG, PNG or WebP, at most ``MAX_PHOTO_BYTES`` each, at most ``MAX_PHOTOS`` per
  request; the type is read from the bytes (magic numbers), never from the name or header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.approval_links import derive_token

LOGIN_LINK_MINUTES = 15
SESSION_HOURS = 12
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTOS = 3
#: failed magic-link look-ups one IP may make per window (22 characters of 64: guessing is hopeless
#: anyway; the limit keeps scanners from hammering the database)
GUESSES_PER_IP = 10
#: sign-in links one IP may ask for per window (each sends an email or SMS; the SMS caps of the
#: outbox apply on top, per phone and per day)
LOGIN_REQUESTS_PER_IP = 20
GUESS_WINDOW_SECONDS = 600

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{2,}$")
_DIGITS = re.compile(r"\D")


def login_token(secret_key: str, nonce: str) -> str:
    """The magic-link token for ``nonce`` under ``secret_key`` (22 URL-safe characters)."""
    return derive_token(secret_key, f"portal-login:{nonce}")


@dataclass(frozen=True, slots=True)
class Contact:
    """A normalized login address: ``channel`` is ``email`` or ``sms``; ``address`` the stored form."""

    channel: str
    address: str


def normalize_contact(raw: str) -> Contact | None:
    """The email or US phone number a customer typed, normalized; None when it is neither.

    ``" Pat@Example.COM "`` → ``Contact("email", "pat@example.com")``;
    ``"(512) 555-0101"`` / ``"512.555.0101"`` / ``"+1 512 555 0101"`` → ``Contact("sms", "+15125550101")``.
    """
    value = raw.strip()
    if "@" in value:
        return Contact("email", value.lower()) if _EMAIL.match(value) else None
    digits = _DIGITS.sub("", value)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or not value.lstrip("+( ").strip() or re.search(r"[A-Za-z]", value):
        return None
    return Contact("sms", f"+1{digits}")


#: Image types accepted for a service request, by their leading bytes.
PHOTO_TYPES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/webp": (b"RIFF",),  # plus "WEBP" at offset 8, checked below
}


class PhotoRejected(ValueError):
    """A photo the portal does not accept; the message says why, for the customer."""


def photo_type(data: bytes) -> str:
    """The MIME type of an accepted photo, read from its bytes.

    Raises PhotoRejected for an empty file, one over ``MAX_PHOTO_BYTES``, or one that is not a
    JPEG, PNG or WebP image (whatever its name or declared type says)."""
    if not data:
        raise PhotoRejected("the photo is empty")
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoRejected(f"the photo is larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MB")
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    for mime, magics in PHOTO_TYPES.items():
        if mime != "image/webp" and any(data.startswith(m) for m in magics):
            return mime
    raise PhotoRejected("only JPEG, PNG or WebP photos are accepted")
