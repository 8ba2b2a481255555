"""Customer portal security: the session cookie, CSRF tokens, per-IP limits on guessing links,
the pages' security headers, and the renderer every portal page goes through.

Cookie ``fo_portal``: an itsdangerous ``URLSafeTimedSerializer`` (HMAC-SHA1 over the payload
with ``FIELDOPS_SECRET_KEY``, salt ``portal-session``) of ``{"c": csrf, "s": session secret}``;
HttpOnly, SameSite=Lax, Secure outside the dev/demo/test profiles, Path ``/portal``. A visitor
who is not logged in gets one with a CSRF value only, so the login forms are protected too.
The session secret is 32 random bytes; the database keeps its SHA-256 (``portal_sessions``),
so logging out or expiry ends it on the server. Logging in rotates both values.

Every form carries ``csrf_token``; a POST whose field does not equal the cookie's value is
refused with 403 (compared in constant time).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import DbSession
from config import Settings
from db.repositories import customers, portal_auth
from domain.approval_links import hash_token
from domain.portal import (
    GUESS_WINDOW_SECONDS,
    GUESSES_PER_IP,
    LOGIN_REQUESTS_PER_IP,
    MAX_PHOTO_BYTES,
    MAX_PHOTOS,
    SESSION_HOURS,
)

COOKIE = "fo_portal"
COOKIE_PATH = "/portal"
#: the pages load only their own stylesheet and images and post only to themselves
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
}
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates" / "portal"))


#: the largest body a portal form may send: every photo at its limit, plus the text fields
MAX_REQUEST_BYTES = MAX_PHOTOS * MAX_PHOTO_BYTES + 64 * 1024


def _body_refusal(scope: Scope) -> tuple[int, str] | None:
    """(status, reason) when a portal request's body must not even be read: a body without a
    ``Content-Length`` (411) or over :data:`MAX_REQUEST_BYTES` (413)."""
    if scope.get("method") in ("GET", "HEAD", "OPTIONS"):
        return None
    lengths = [v for k, v in scope.get("headers", ()) if k.lower() == b"content-length"]
    if not lengths:
        return 411, "Length Required"
    try:
        length = int(lengths[0])
    except ValueError:
        return 411, "Length Required"
    if length > MAX_REQUEST_BYTES:
        return 413, f"The form is larger than {MAX_REQUEST_BYTES // (1024 * 1024)} MB"
    return None


class PortalSecurityHeaders:
    """ASGI middleware: every response under ``/portal`` gets :data:`SECURITY_HEADERS`, and a
    body the portal would never accept (see :func:`_body_refusal`) is refused before it is read
    (the NUL gate inside reads form bodies whole)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(COOKIE_PATH):
            await self.app(scope, receive, send)
            return
        refusal = _body_refusal(scope)
        if refusal is not None:
            status, reason = refusal
            headers = {**SECURITY_HEADERS, "Connection": "close"}
            await PlainTextResponse(reason, status_code=status, headers=headers)(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.decode().lower() != "cache-control"
                ]
                headers += [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class PortalPageError(Exception):
    """A portal request that ends on an error page (``status``, ``heading``, ``message``)."""

    def __init__(self, status: int, heading: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.heading = heading
        self.message = message


class LoginRequired(Exception):
    """No live session: the page redirects to the login form."""


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="portal-session")


@dataclass(frozen=True, slots=True)
class CookieState:
    """What the cookie says: ``csrf`` always; ``secret`` once logged in."""

    csrf: str
    secret: str | None = None


def read_cookie(request: Request) -> CookieState | None:
    """The cookie's content if it is there, signed by us and younger than a session; else None."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data = _serializer(request.app.state.settings).loads(raw, max_age=SESSION_HOURS * 3600)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), str):
        return None
    secret = data.get("s")
    return CookieState(csrf=data["c"], secret=secret if isinstance(secret, str) else None)


def set_cookie(response: Response, settings: Settings, state: CookieState) -> None:
    """Write ``state`` into the signed cookie on ``response``."""
    value = _serializer(settings).dumps({"c": state.csrf, "s": state.secret})
    response.set_cookie(
        COOKIE,
        value,
        max_age=SESSION_HOURS * 3600,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=settings.profile not in ("dev", "demo", "test"),
    )


def visitor_state(request: Request) -> CookieState:
    """The visitor's cookie state, or a fresh anonymous one (its CSRF value is new)."""
    return read_cookie(request) or CookieState(csrf=secrets.token_urlsafe(24))


def check_csrf(request: Request, submitted: str | None) -> CookieState:
    """The cookie state when ``submitted`` equals its CSRF value; PortalPageError 403 otherwise."""
    state = read_cookie(request)
    if state is None or not submitted or not hmac.compare_digest(state.csrf, submitted):
        raise PortalPageError(
            403, "Please try again", "This form has expired or was not sent from this site. Reload the page."
        )
    return state


def start_session(db, settings: Settings, *, customer_id: int, login_link_id: int | None) -> CookieState:
    """Create a server-side session for ``customer_id``; returns the new cookie state (new CSRF too)."""
    secret = secrets.token_urlsafe(32)
    portal_auth.add_session(
        db,
        customer_id=customer_id,
        login_link_id=login_link_id,
        session_hash=hash_token(secret),
        expires_at=datetime.now(UTC) + timedelta(hours=SESSION_HOURS),
    )
    return CookieState(csrf=secrets.token_urlsafe(24), secret=secret)


@dataclass(frozen=True, slots=True)
class PortalUser:
    """The logged-in customer: his id and first name, the session row and the CSRF value."""

    customer_id: int
    first_name: str
    session_id: int
    csrf: str


def current_customer(request: Request, db: DbSession) -> PortalUser:
    """The customer of the request's live session; LoginRequired without one."""
    state = read_cookie(request)
    if state is None or state.secret is None:
        raise LoginRequired()
    row = portal_auth.live_session(db, session_hash=hash_token(state.secret), now=datetime.now(UTC))
    if row is None:
        raise LoginRequired()
    customer = customers.get(db, row.customer_id)
    if customer is None:
        raise LoginRequired()
    return PortalUser(customer.id, customer.first_name, row.id, state.csrf)


PortalCustomer = Annotated[PortalUser, Depends(current_customer)]


def client_ip(request: Request) -> str:
    """The caller's address as the server saw it (uvicorn's ``--proxy-headers`` sets it behind a proxy)."""
    return request.client.host if request.client else "unknown"


class GuessLimiter:
    """Per-IP moving-window limits (the ``limits`` library, in process memory, so per API
    process): ``token-guess`` allows ``GUESSES_PER_IP`` failed link look-ups and
    ``login-request`` ``LOGIN_REQUESTS_PER_IP`` sign-in links per ``GUESS_WINDOW_SECONDS``.
    ``per_window`` overrides both (tests)."""

    def __init__(self, per_window: int | None = None, window_seconds: int = GUESS_WINDOW_SECONDS) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._items = {
            "token-guess": RateLimitItemPerSecond(per_window or GUESSES_PER_IP, window_seconds),
            "login-request": RateLimitItemPerSecond(per_window or LOGIN_REQUESTS_PER_IP, window_seconds),
        }

    def blocked(self, kind: str, ip: str) -> bool:
        """True when ``ip`` has used up its ``kind`` allowance (nothing is counted); KeyError
        for another kind."""
        return not self._limiter.test(self._items[kind], kind, ip)

    def count(self, kind: str, ip: str) -> None:
        """Count one ``kind`` event for ``ip``."""
        self._limiter.hit(self._items[kind], kind, ip)


def limiter(request: Request) -> GuessLimiter:
    """The app's limiter (one per app, created on first use)."""
    state = request.app.state
    if getattr(state, "portal_limiter", None) is None:
        state.portal_limiter = GuessLimiter()
    return state.portal_limiter


def too_many(request: Request) -> HTMLResponse:
    """The 429 page (with ``Retry-After``)."""
    response = page(
        request,
        "message.html",
        429,
        heading="Too many tries",
        message="Too many sign-in attempts from this network. Wait a few minutes and try again.",
    )
    response.headers["Retry-After"] = str(GUESS_WINDOW_SECONDS)
    return response


def page(request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
    """Render a portal page; the visitor's cookie (new CSRF value if he had none) is set on it."""
    state = context.pop("cookie_state", None) or visitor_state(request)
    context.setdefault("csrf", state.csrf)
    context.setdefault("user", None)
    response = templates.TemplateResponse(request, template, context, status_code=status_code)
    set_cookie(response, request.app.state.settings, state)
    return response


def redirect(url: str) -> RedirectResponse:
    """303 See Other to ``url`` (after a POST, so a reload does not post again)."""
    return RedirectResponse(url, status_code=303)
