"""Shared shapes of request bodies and the strict input types they use.

Request bodies are strict (:class:`RequestBody`): ``true``/``false`` only for booleans (never
``0``/``1`` or ``"yes"``), integers only as JSON integers, strings only as strings. Dates, times
and money amounts are the exceptions JSON needs, each with one accepted spelling that the OpenAPI
schema states: :data:`IsoDate` (``YYYY-MM-DD``), :data:`LocalTime` (``HH:MM[:SS]``) and
:func:`money` (a JSON number or a plain decimal string, with its digit limits).
"""

from __future__ import annotations

import re
from datetime import date, time
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LOCAL_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"


def _iso_date(value: Any) -> Any:
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return date.fromisoformat(value) if isinstance(value, str) else value
    raise PydanticCustomError("date_type", "Input should be a date as YYYY-MM-DD")


def _local_time(value: Any) -> Any:
    if isinstance(value, time) and value.tzinfo is None:
        return value
    if isinstance(value, str) and re.fullmatch(_LOCAL_TIME, value):
        return time.fromisoformat(value)
    raise PydanticCustomError("time_type", "Input should be a local time as HH:MM or HH:MM:SS")


#: A calendar date, only as an ISO ``YYYY-MM-DD`` string (not ``0``, not a timestamp); for
#: bodies and query parameters alike.
IsoDate = Annotated[date, BeforeValidator(_iso_date)]

#: A local wall-clock time without offset: ``HH:MM`` or ``HH:MM:SS`` in, ``HH:MM:SS`` out.
LocalTime = Annotated[
    time,
    BeforeValidator(_local_time),
    PlainSerializer(lambda t: t.isoformat(timespec="seconds"), return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": _LOCAL_TIME,
            "description": "local time, HH:MM or HH:MM:SS (24 h, no UTC offset)",
            "examples": ["07:00:00"],
        }
    ),
]


def _query_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise PydanticCustomError("bool_type", "Input should be true or false")


#: A boolean query parameter: only ``true`` or ``false`` (not ``1``, ``0``, ``yes``, ``on``).
QueryBool = Annotated[bool, BeforeValidator(_query_bool)]


def money(*, max_digits: int = 12, decimal_places: int = 2, le: Decimal | None = None) -> Any:
    """An amount ``>= 0`` stored as ``Numeric(max_digits, decimal_places)``: a JSON number or a
    plain decimal string (``"180.00"``; no exponent, sign or spaces). The schema states the digit
    limits (``maximum``, ``multipleOf`` and a ``pattern``) the server enforces."""
    whole = max_digits - decimal_places
    pattern = rf"^(0|[1-9][0-9]{{0,{whole - 1}}})(\.[0-9]{{1,{decimal_places}}})?$"
    step = Decimal(1).scaleb(-decimal_places)
    largest = le if le is not None else Decimal(10) ** whole - step

    def plain(value: Any) -> Any:
        if isinstance(value, bool) or (isinstance(value, str) and not re.fullmatch(pattern, value)):
            raise PydanticCustomError(
                "decimal_type",
                "Input should be a number or a decimal string like 12.50 "
                "(at most {whole} digits before the point and {places} after)",
                {"whole": whole, "places": decimal_places},
            )
        return value

    number = {"type": "number", "minimum": 0, "maximum": float(largest), "multipleOf": float(step)}
    text = {"type": "string", "pattern": pattern}
    if le is not None:
        text["description"] = f"at most {le}"
    return Annotated[
        Decimal,
        BeforeValidator(plain),
        Field(ge=0, le=le, max_digits=max_digits, decimal_places=decimal_places, strict=False),
        WithJsonSchema({"anyOf": [number, text]}, mode="validation"),
    ]


#: USD amount: ``Numeric(12, 2)``, so at most 10 digits before the point and 2 after.
Money = money()


class RequestBody(BaseModel):
    """A request body: unknown fields are refused and types are strict (no ``0`` for ``false``,
    no ``"3"`` for ``3``)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class PatchModel(RequestBody):
    """A PATCH body: ``changes()`` gives only what the caller sent.

    Fields named in ``not_null`` (NOT NULL columns) may be omitted ("unchanged") but not sent as
    null: that is a 422 on the field, and their OpenAPI schema does not offer null.
    """

    not_null: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*")
    @classmethod
    def _refuse_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name in cls.not_null:
            raise ValueError("may not be null")
        return value

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        for name, prop in target.get("properties", {}).items():
            if name not in cls.not_null or "anyOf" not in prop:
                continue
            branches = [b for b in prop.pop("anyOf") if b.get("type") != "null"]
            if prop.get("default", 0) is None:
                del prop["default"]
            if len(branches) == 1:
                prop.update({k: v for k, v in branches[0].items() if k not in prop})
            else:
                prop["anyOf"] = branches
        return schema

    def changes(self) -> dict[str, Any]:
        """The fields the caller sent, with their values."""
        return self.model_dump(exclude_unset=True)
