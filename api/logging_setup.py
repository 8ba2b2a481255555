"""Logging for the API process: approval, survey and portal sign-in link tokens never reach a log line."""

from __future__ import annotations

import logging
import re

_TOKEN_IN_PATH = re.compile(r"(/(?:approve|survey|lot-walk-approval|portal/login)/)[^/\s?\"]+")


def redact_approval_tokens(text: str) -> str:
    """``/approve/<token>`` becomes ``/approve/[redacted]`` anywhere in ``text`` (and so do a
    survey link's ``/survey/<token>``, a lot walk's ``/lot-walk-approval/<token>`` and a portal
    sign-in link's ``/portal/login/<token>``)."""
    return _TOKEN_IN_PATH.sub(r"\1[redacted]", text)


class RedactApprovalTokens(logging.Filter):
    """Log filter applying ``redact_approval_tokens`` to the message and its string arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_approval_tokens(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact_approval_tokens(record.msg)
        return True


def install_token_redaction() -> None:
    """Attach the redaction filter to uvicorn's access and error loggers (idempotent)."""
    for name in ("uvicorn.access", "uvicorn.error", "uvicorn"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactApprovalTokens) for f in logger.filters):
            logger.addFilter(RedactApprovalTokens())
