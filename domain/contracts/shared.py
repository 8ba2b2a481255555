"""What every capability contract uses: activity specs and the failure-catalog base.

Pure Python (no Temporal import): ``workflows/kit.py`` turns an :class:`ActivitySpec` into a typed
call with timeouts and retries, ``activities/`` register their methods under ``spec.name``, and
``api/failures.py`` maps every :class:`FailureType` to its HTTP status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

I = TypeVar("I", bound=BaseModel)  # noqa: E741 - the conventional name of an input type variable
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class ActivitySpec(Generic[I, R]):
    """One activity, declared once: its globally unique verb_noun ``name``, its ``input`` payload
    type, its ``result`` type (None for activities that return nothing) and ``summary``, a pure
    function of the input giving the line the Temporal UI shows for the call."""

    name: str
    input: type[I]
    result: type[R] | None
    summary: Callable[[I], str]

    def describe(self, arg: I) -> str:
        """The UI summary of a call with ``arg``."""
        return self.summary(arg)


class FailureType(StrEnum):
    """Base of each capability's failure catalog: an ``ApplicationError`` type with its HTTP status.

    Members are declared as ``NAME = ("TypeString", http_status, retryable, "meaning")``. The
    value is the ``type`` of the ``ApplicationError`` raised; ``retryable`` False means it is
    raised with ``non_retryable=True`` (retrying cannot change the outcome).
    """

    http_status: int
    retryable: bool
    meaning: str

    def __new__(cls, value: str, http_status: int, retryable: bool, meaning: str) -> FailureType:
        member = str.__new__(cls, value)
        member._value_ = value
        member.http_status = http_status
        member.retryable = retryable
        member.meaning = meaning
        return member

    def error_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``ApplicationError(message, **kwargs)``: type and retryability."""
        return {"type": self.value, "non_retryable": not self.retryable}


class CommonFailure(FailureType):
    """Failures any capability's activities may raise."""

    NOT_FOUND = ("NotFound", 404, False, "the record the call names does not exist")
    INVALID_DATA = (
        "InvalidData",
        422,
        False,
        "the database refused a value (overflow, broken reference); it would fail on every retry",
    )
