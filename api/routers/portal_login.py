"""Customer portal sign-in by magic link (seed 003 Priority 2: "Magic link login, no passwords").

- ``GET /portal/login``: the form (email or mobile number).
- ``POST /portal/login``: records a link (hashed token, nonce, 15 minutes) for the customer with
  that address and starts ``portal-login-{id}``, which sends it through the outbox by email or
  SMS; the answer is the same page whether or not the address is known, so the form cannot be
  used to find customers. Limited per IP.
- ``GET /portal/login/{token}``: only shows a "Sign in" button (mail scanners open every link
  and must not use it up).
- ``POST /portal/login/{token}``: uses the link (single use, a conditional UPDATE) and starts a
  session. Unknown tokens count against the IP's guess allowance.
- ``POST /portal/logout``: ends the session on the server and clears the cookie.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from temporalio.common import WorkflowIDReusePolicy
from temporalio.service import RPCError

from api.deps import AppSettings, DbSession, TemporalClient
from api.services.portal_session import (
    COOKIE,
    COOKIE_PATH,
    PortalCustomer,
    check_csrf,
    client_ip,
    limiter,
    page,
    redirect,
    set_cookie,
    start_session,
    too_many,
)
from db.repositories import portal_auth
from domain.approval_links import hash_token, looks_like_token, new_nonce
from domain.contracts.portal import PORTAL_LOGIN_WORKFLOW, PortalLoginInput, portal_login_workflow_id
from domain.ids import TASK_QUEUE
from domain.portal import LOGIN_LINK_MINUTES, login_token, normalize_contact

log = logging.getLogger(__name__)
router = APIRouter(tags=["customer portal"], include_in_schema=False)


@router.get("/portal/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    """The sign-in form: one field, email or mobile number."""
    return page(request, "login.html", title="Sign in")


@router.post("/portal/login", response_class=HTMLResponse)
async def request_link(
    request: Request,
    db: DbSession,
    client: TemporalClient,
    settings: AppSettings,
    address: Annotated[str, Form(max_length=254)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> HTMLResponse:
    """Send a magic link to ``address`` if a customer has it; the same answer either way."""
    state = check_csrf(request, csrf_token)
    ip = client_ip(request)
    guard = limiter(request)
    if guard.blocked("login-request", ip):
        return too_many(request)
    guard.count("login-request", ip)
    contact = normalize_contact(address)
    if contact is None:
        return page(
            request,
            "login.html",
            422,
            cookie_state=state,
            title="Sign in",
            error="Enter the email address or mobile number we have on file for you.",
            address=address,
        )
    if contact.channel == "email":
        customer = portal_auth.customer_by_email(db, email=contact.address)
    else:
        customer = portal_auth.customer_by_phone(db, e164=contact.address)
    if customer is not None:
        nonce = new_nonce()
        link = portal_auth.add_link(
            db,
            customer_id=customer.id,
            channel=contact.channel,
            to_address=customer.email if contact.channel == "email" else customer.phone,
            token_hash=hash_token(login_token(settings.secret_key, nonce)),
            nonce=nonce,
            expires_at=datetime.now(UTC) + timedelta(minutes=LOGIN_LINK_MINUTES),
        )
        db.commit()  # the link exists before the workflow that sends it
        try:
            await client.start_workflow(
                PORTAL_LOGIN_WORKFLOW,
                PortalLoginInput(link_id=link.id),
                id=portal_login_workflow_id(link.id),
                task_queue=TASK_QUEUE,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                static_summary=f"Portal login link for customer {customer.id}",
            )
        except RPCError as err:
            log.warning("portal login link %s not started: %s", link.id, err.status)
            return page(
                request,
                "message.html",
                503,
                cookie_state=state,
                title="Please try again",
                heading="Please try again",
                message="We could not send your link just now. Try again in a minute.",
            )
    return page(
        request,
        "login_sent.html",
        cookie_state=state,
        title="Check your messages",
        channel=contact.channel,
        minutes=LOGIN_LINK_MINUTES,
    )


def _usable(db, token: str, request: Request):
    """The live link for ``token``, or the error page to show (counting a guess for the IP)."""
    ip = client_ip(request)
    guard = limiter(request)
    if guard.blocked("token-guess", ip):
        return None, too_many(request)
    row = portal_auth.link_by_hash(db, token_hash=hash_token(token)) if looks_like_token(token) else None
    if row is None:
        guard.count("token-guess", ip)
        return None, page(
            request,
            "message.html",
            404,
            title="Link not valid",
            heading="Link not valid",
            message="This sign-in link is not valid. Ask for a new one.",
            retry=True,
        )
    if row.used_at is not None or row.expires_at <= datetime.now(UTC):
        return None, page(
            request,
            "message.html",
            410,
            title="Link no longer works",
            heading="Link no longer works",
            message="Sign-in links work once and for "
            f"{LOGIN_LINK_MINUTES} minutes. This one was used or has expired. Ask for a new one.",
            retry=True,
        )
    return row, None


@router.get("/portal/login/{token}", response_class=HTMLResponse)
def confirm_form(token: str, request: Request, db: DbSession) -> HTMLResponse:
    """A "Sign in" button for a live link (no side effect: mail scanners may open it)."""
    _row, problem = _usable(db, token, request)
    if problem is not None:
        return problem
    return page(request, "confirm.html", title="Sign in")


@router.post("/portal/login/{token}", response_class=HTMLResponse)
def confirm(
    token: str,
    request: Request,
    db: DbSession,
    settings: AppSettings,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Use the link once and start a session (a new cookie: new session secret and CSRF value)."""
    check_csrf(request, csrf_token)
    row, problem = _usable(db, token, request)
    if problem is not None:
        return problem
    if not portal_auth.claim_link(db, link_id=row.id, at=datetime.now(UTC)):
        _, problem = _usable(db, token, request)
        return problem or redirect("/portal/login")
    state = start_session(db, settings, customer_id=row.customer_id, login_link_id=row.id)
    response = redirect("/portal")
    set_cookie(response, settings, state)
    return response


@router.post("/portal/logout", response_class=HTMLResponse)
def logout(
    request: Request,
    db: DbSession,
    user: PortalCustomer,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """End the session (server side) and clear the cookie."""
    check_csrf(request, csrf_token)
    portal_auth.end_session(db, session_id=user.session_id, at=datetime.now(UTC))
    response = redirect("/portal/login")
    response.delete_cookie(COOKIE, path=COOKIE_PATH)
    return response
