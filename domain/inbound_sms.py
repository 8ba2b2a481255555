"""What a customer's SMS reply means (English and Spanish keywords; case, accents, spaces and
trailing punctuation ignored). Pure.

``approve``/``decline`` answer the customer's one pending estimate; ``stop``/``start`` change SMS
consent (the carrier-standard opt-out and opt-in words); ``help`` asks what he can reply;
anything else is ``unknown`` and gets a helpful answer.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum


class Reply(StrEnum):
    """The meaning of an inbound SMS."""

    APPROVE = "approve"
    DECLINE = "decline"
    STOP = "stop"
    START = "start"
    HELP = "help"
    UNKNOWN = "unknown"


_WORDS = {
    Reply.APPROVE: {"yes", "y", "si", "approve", "approved", "aprobar", "apruebo"},
    Reply.DECLINE: {"no", "n", "decline", "declined", "rechazar", "rechazo"},
    Reply.STOP: {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "parar", "alto"},
    Reply.START: {"start", "unstop", "optin", "resume", "reanudar"},
    Reply.HELP: {"help", "info", "ayuda"},
}


def classify(body: str) -> Reply:
    """The meaning of an SMS ``body``: its one word, lower-cased, without accents or punctuation."""
    plain = unicodedata.normalize("NFKD", body).encode("ascii", "ignore").decode().lower()
    word = "".join(ch for ch in plain if ch.isalnum() or ch.isspace()).strip()
    for reply, words in _WORDS.items():
        if word in words:
            return reply
    return Reply.UNKNOWN
