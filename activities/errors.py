"""Turning permanent database errors into non-retryable activity failures.

A value the schema cannot hold (numeric overflow, a broken reference) fails the same way on
every retry; retrying it forever would wedge the workflow, so it fails once, as ``InvalidData``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DataError, IntegrityError
from temporalio.exceptions import ApplicationError

F = TypeVar("F", bound=Callable)


def permanent_db_errors(fn: F) -> F:
    """Decorator for activity methods: DataError/IntegrityError → ApplicationError(InvalidData)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (DataError, IntegrityError) as err:
            detail = str(err.orig).strip().splitlines()[0] if err.orig else str(err)
            raise ApplicationError(
                f"the database refused the data: {detail}", type="InvalidData", non_retryable=True
            ) from err

    return wrapper  # type: ignore[return-value]
