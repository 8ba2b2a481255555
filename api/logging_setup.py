"""Logging for the API process: approval tokens never reach the access log."""

from __future__ import annotations

import logging

from api.routers.approval_pages import RedactApprovalTokens


def install_token_redaction() -> None:
    """Attach the redaction filter to uvicorn's access and error loggers (idempotent)."""
    for name in ("uvicorn.access", "uvicorn.error", "uvicorn"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactApprovalTokens) for f in logger.filters):
            logger.addFilter(RedactApprovalTokens())
