"""Raising catalogued failures from activities, and turning permanent database errors into them.

A value the schema cannot hold (numeric overflow, a broken reference) fails the same way on
every retry; retrying it forever would wedge the workflow, so it fails once, as ``InvalidData``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import DataError, IntegrityError
from temporalio.exceptions import ApplicationError

from domain.contracts.shared import CommonFailure, FailureType

F = TypeVar("F", bound=Callable[..., Any])


def failure(kind: FailureType, message: str) -> ApplicationError:
    """An ``ApplicationError`` of a catalogued type (``raise failure(CommonFailure.NOT_FOUND, "…")``)."""
    return ApplicationError(message, **kind.error_kwargs())


def permanent_db_errors(fn: F) -> F:
    """Decorator for activity methods: DataError/IntegrityError → ``CommonFailure.INVALID_DATA``."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (DataError, IntegrityError) as err:
            detail = str(err.orig).strip().splitlines()[0] if err.orig else str(err)
            raise failure(CommonFailure.INVALID_DATA, f"the database refused the data: {detail}") from err

    return wrapper  # type: ignore[return-value]
