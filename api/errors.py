"""RFC 9457 problem+json errors: every failure answers with a clear ``detail``, never a bare 500.

This module is the one place where failures become HTTP answers: domain :class:`Problem` errors,
validation errors, routing errors (405 with ``Allow``), and a backing service that cannot be
reached (PostgreSQL or Temporal), which is a 503 with ``Retry-After`` rather than a 500. It also
holds the OpenAPI description of those answers (:data:`PROBLEM_RESPONSES`, :class:`ProblemDetails`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import fastapi.routing
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.service import RPCError, RPCStatusCode

from api.logging_setup import redact_approval_tokens

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
#: seconds a client should wait before retrying a 503 (``Retry-After`` on every 503 answer)
RETRY_AFTER_SECONDS = 5
#: Temporal RPC statuses that mean "the server cannot be reached right now", not "refused"
TEMPORAL_UNAVAILABLE = frozenset({RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED})

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class Problem(Exception):
    """A domain error carrying its HTTP status; raised by services, rendered as problem+json."""

    def __init__(self, status: int, detail: str, *, type_: str = "about:blank", **extra: object) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.type = type_
        self.extra = extra


class NotFound(Problem):
    """404 for a record that does not exist (or the caller may not see)."""

    def __init__(self, detail: str) -> None:
        super().__init__(404, detail)


class Conflict(Problem):
    """409 for an action the record's state does not allow."""

    def __init__(self, detail: str, **extra: object) -> None:
        super().__init__(409, detail, **extra)


def problem_response(
    status: int,
    detail: str,
    *,
    instance: str | None = None,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extra: object,
) -> JSONResponse:
    """A problem+json response body ``{type, title, status, detail, instance, ...}``; a 503 always
    carries ``Retry-After`` (:data:`RETRY_AFTER_SECONDS`)."""
    body = {"type": type_, "title": TITLES.get(status, "Error"), "status": status, "detail": detail}
    if instance:
        body["instance"] = redact_approval_tokens(instance)  # an error body never echoes a link token
    body.update(extra)
    if status == 503:
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS), **(headers or {})}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def unavailable_service(exc: BaseException) -> str | None:
    """``"PostgreSQL"`` or ``"Temporal"`` when ``exc`` means that backing service cannot be reached
    (or is overloaded) right now, so a retry may succeed; None for any other error.

    PostgreSQL: SQLAlchemy's OperationalError and InterfaceError (connection refused or lost,
    server shutting down, statement timeout, serialization failure), a DBAPI error that
    invalidated its connection, and a pool checkout timeout. Temporal: an RPCError with status
    UNAVAILABLE or DEADLINE_EXCEEDED.
    """
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeoutError):
        return "PostgreSQL"
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return "PostgreSQL"
    if isinstance(exc, RPCError) and exc.status in TEMPORAL_UNAVAILABLE:
        return "Temporal"
    return None


def _allowed_methods(request: Request) -> str:
    """Every method some route accepts on this path, for the ``Allow`` header of a 405 (Starlette
    names only the methods of the first route matching the path, while GET and POST on one path
    are two routes)."""
    # FastAPI >= 0.16x nests included routers; iter_route_contexts flattens them (as its OpenAPI
    # generation does); older versions list every route flat in app.routes.
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    routes = flatten(request.app.routes) if flatten is not None else request.app.routes
    path = request.scope.get("path", "")
    methods: set[str] = set()
    for route in routes:
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(path):
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


class FieldErrorOut(BaseModel):
    """One invalid input of a 422: where (``loc``, dotted) and why (``msg``)."""

    loc: str
    msg: str


class ProblemDetails(BaseModel):
    """An RFC 9457 problem (``application/problem+json``); some answers add members (``errors``
    on a 422, ``work_order_id`` or ``work_status`` on some 409/503)."""

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str = Field(default="about:blank", description="a URI naming the kind of problem")
    title: str = Field(examples=["Not Found"])
    status: int = Field(ge=400, le=599)
    detail: str = Field(description="what went wrong, for a person to read")
    instance: str | None = Field(default=None, description="the request path")
    errors: list[FieldErrorOut] | None = Field(default=None, description="422: each invalid input")


_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_WHEN = {
    400: "the body is not well-formed JSON (or form data) for its Content-Type",
    401: "no X-API-Key header, or an unknown or revoked key",
    403: "the key's role may not do this",
    404: "no such record (or not one the caller may see)",
    409: "the record's state does not allow this",
    422: "invalid input (each one listed in `errors`), including a NUL character anywhere",
    503: "PostgreSQL or Temporal cannot be reached right now; retry after `Retry-After` seconds",
}
#: The problem answers every API operation may give, for ``FastAPI(responses=...)``.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": f"{TITLES[status]}: {when}", "content": {PROBLEM_JSON: {"schema": _PROBLEM_REF}}}
    for status, when in _WHEN.items()
}
PROBLEM_RESPONSES[503]["headers"] = {
    "Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}
}


def install_problem_schema(app: FastAPI) -> None:
    """Add the ``Problem`` schema that :data:`PROBLEM_RESPONSES` refers to to the app's OpenAPI."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = generate()
        problem = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        schemas.update(problem.pop("$defs", {}))
        schemas["Problem"] = problem
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def _validation_detail(exc: RequestValidationError) -> tuple[str, list[dict]]:
    errors = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body",))
        errors.append({"loc": loc, "msg": err.get("msg", "invalid")})
    summary = "; ".join(f"{e['loc']}: {e['msg']}" for e in errors[:5]) or "invalid request"
    return summary, errors


def install_error_handlers(app: FastAPI) -> None:
    """Render Problem, validation errors, HTTP errors and anything unexpected as problem+json."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(
            exc.status, exc.detail, instance=request.url.path, type_=exc.type, **exc.extra
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail, errors = _validation_detail(exc)
        return problem_response(422, detail, instance=request.url.path, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(request)
        return problem_response(exc.status_code, str(exc.detail), instance=request.url.path, headers=headers)

    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, redact_approval_tokens(request.url.path))
        return problem_response(500, "internal error; see the server log", instance=request.url.path)

    async def _backing_service(request: Request, exc: Exception) -> JSONResponse:
        service = unavailable_service(exc)
        if service is None:
            return await _unexpected(request, exc)
        log.warning(
            "%s unavailable on %s %s: %s",
            service,
            request.method,
            redact_approval_tokens(request.url.path),
            type(exc).__name__,
        )
        return problem_response(
            503, f"{service} is unavailable; retry in a few seconds", instance=request.url.path
        )

    for kind in (DBAPIError, PoolTimeoutError, RPCError):
        app.add_exception_handler(kind, _backing_service)

    app.add_exception_handler(Exception, _unexpected)
