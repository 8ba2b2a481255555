"""Customer portal pages behind the session: home (estimates to answer, upcoming visits, work
orders), one work order with its live status, estimate answers, invoices with PDF and payments,
and communication preferences. Every read filters on the session's customer
(``db.repositories.portal_records``): another customer's id in a URL is a 404 page."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import AppSettings, DbSession, TemporalClient
from api.errors import Problem
from api.schemas.communication import CommunicationPreferencesIn
from api.services import communication, repair_live
from api.services.invoice_pdf import Issuer, render_invoice_pdf
from api.services.portal_session import PortalCustomer, PortalPageError, check_csrf, page, redirect
from api.services.portal_view import STATUS_TONES, status_label, visit_line, work_order_rows
from db.repositories import customers, portal_records
from domain.access import EVERYTHING
from domain.contracts.approval import ApproveRequest, DeclineRequest
from domain.schedule import local_today
from domain.work_status import StaffAction, WorkStatus

router = APIRouter(tags=["customer portal"], include_in_schema=False)


def _not_found(what: str) -> PortalPageError:
    return PortalPageError(404, "Not found", f"We could not find that {what} in your account.")


@router.get("/portal", response_class=HTMLResponse)
def home(request: Request, db: DbSession, settings: AppSettings, user: PortalCustomer) -> HTMLResponse:
    """Estimates awaiting an answer, upcoming visits and the customer's work orders."""
    today = local_today(datetime.now(UTC), settings.timezone)
    orders = portal_records.work_orders(db, customer_id=user.customer_id)
    visits = portal_records.upcoming_visits(db, customer_id=user.customer_id, today=today)
    pending = portal_records.awaiting_approval(db, customer_id=user.customer_id)
    techs = portal_records.technicians_by_id(db, {w.technician_id for w in orders if w.technician_id})
    return page(
        request,
        "home.html",
        title="Your service",
        active="home",
        user=user,
        estimates=pending,
        visits=[visit_line(w, techs, settings.timezone) for w in visits],
        orders=work_order_rows(db, orders, techs, settings.timezone),
        flash=request.query_params.get("done"),
    )


@router.get("/portal/work-orders/{work_order_id}", response_class=HTMLResponse)
async def work_order(
    work_order_id: str,
    request: Request,
    db: DbSession,
    client: TemporalClient,
    settings: AppSettings,
    user: PortalCustomer,
) -> HTMLResponse:
    """One work order: live status (the workflow's query while it runs), technician and window."""
    wo = portal_records.work_order(db, customer_id=user.customer_id, work_order_id=work_order_id[:40])
    if wo is None:
        raise _not_found("work order")
    db.expunge(wo)  # the live values below are for the page only: never flushed back
    live, _note = await repair_live.current_status(db, client, work_order=wo)
    status = live.status.value if live is not None else wo.status
    if live is not None:
        wo.technician_id = live.technician_id or wo.technician_id
        wo.service_window_start = live.window_start or wo.service_window_start
        wo.service_window_end = live.window_end or wo.service_window_end
    techs = portal_records.technicians_by_id(db, {wo.technician_id} if wo.technician_id else set())
    photos = (
        portal_records.photo_ids(db, customer_id=user.customer_id, service_request_id=wo.service_request_id)
        if wo.service_request_id
        else []
    )
    return page(
        request,
        "work_order.html",
        title=f"Work order {wo.id}",
        user=user,
        wo=wo,
        status=status,
        status_text=status_label(status),
        status_tone=STATUS_TONES.get(status, "active"),
        visit=visit_line(wo, techs, settings.timezone),
        photos=photos,
    )


@router.post("/portal/estimates/{work_order_id}", response_class=HTMLResponse)
async def answer_estimate(
    work_order_id: str,
    request: Request,
    db: DbSession,
    client: TemporalClient,
    user: PortalCustomer,
    decision: Annotated[str, Form(pattern="^(approve|decline)$")],
    estimate_version: Annotated[int, Form(ge=1)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Approve or decline one's own estimate: the same workflow update the approval link sends,
    pinned to the version the customer saw (a revised estimate is refused, not approved)."""
    check_csrf(request, csrf_token)
    wo = portal_records.work_order(db, customer_id=user.customer_id, work_order_id=work_order_id[:40])
    if wo is None:
        raise _not_found("estimate")
    if wo.status != WorkStatus.PENDING_APPROVAL.value:
        raise PortalPageError(409, "No longer waiting", f"Work order {wo.id} is {status_label(wo.status)}.")
    actor = f"customer:{user.customer_id}:portal"
    if decision == "approve":
        update, payload = (
            StaffAction.APPROVE,
            ApproveRequest(actor=actor, estimate_version=estimate_version, reason="approved in the portal"),
        )
    else:
        update, payload = (
            StaffAction.DECLINE,
            DeclineRequest(actor=actor, estimate_version=estimate_version, reason="declined in the portal"),
        )
    try:
        await repair_live.act(
            db, client=client, work_order_id=wo.id, scope=EVERYTHING, update=update, payload=payload
        )
    except Problem as err:
        if err.status in (409, 404):
            raise PortalPageError(409, "Could not record your answer", err.detail) from err
        raise PortalPageError(
            503, "Please try again", "We could not record your answer just now. Try again in a minute."
        ) from err
    return redirect(f"/portal?done={'approved' if decision == 'approve' else 'declined'}")


@router.get("/portal/invoices", response_class=HTMLResponse)
def invoices(request: Request, db: DbSession, user: PortalCustomer) -> HTMLResponse:
    """The customer's invoices with balance, status and payments."""
    return page(
        request,
        "invoices.html",
        title="Invoices",
        active="invoices",
        user=user,
        invoices=portal_records.invoices(db, customer_id=user.customer_id),
    )


@router.get("/portal/invoices/{invoice_id}", response_class=HTMLResponse)
def invoice(invoice_id: int, request: Request, db: DbSession, user: PortalCustomer) -> HTMLResponse:
    """One invoice: lines, totals and payment history."""
    row = portal_records.invoice(db, customer_id=user.customer_id, invoice_id=invoice_id)
    if row is None:
        raise _not_found("invoice")
    return page(
        request, "invoice.html", title=f"Invoice {row.number}", active="invoices", user=user, invoice=row
    )


@router.get("/portal/invoices/{invoice_id}/pdf")
def invoice_pdf(invoice_id: int, db: DbSession, settings: AppSettings, user: PortalCustomer) -> Response:
    """The invoice PDF as it stands now (the billing service's renderer), as a download."""
    row = portal_records.invoice(db, customer_id=user.customer_id, invoice_id=invoice_id)
    customer = customers.get(db, user.customer_id)
    if row is None or customer is None:
        raise _not_found("invoice")
    data = render_invoice_pdf(row, customer, Issuer(settings.company_name, settings.company_address))
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{row.number}.pdf"'},
    )


@router.get("/portal/preferences", response_class=HTMLResponse)
def preferences(request: Request, db: DbSession, settings: AppSettings, user: PortalCustomer) -> HTMLResponse:
    """The customer's communication preferences (the preferences service's view)."""
    prefs = communication.get_preferences(
        db, customer_id=user.customer_id, scope=EVERYTHING, default_time_zone=settings.timezone
    )
    return page(
        request,
        "preferences.html",
        title="Messages",
        active="preferences",
        user=user,
        prefs=prefs,
        saved=request.query_params.get("saved") == "1",
    )


@router.post("/portal/preferences", response_class=HTMLResponse)
def save_preferences(
    request: Request,
    db: DbSession,
    settings: AppSettings,
    user: PortalCustomer,
    channel: Annotated[str, Form(pattern="^(sms|email)$")],
    language: Annotated[str, Form(pattern="^(en|es)$")],
    frequency: Annotated[str, Form(pattern="^(immediate|daily_digest)$")],
    status_updates: Annotated[str | None, Form(max_length=3)] = None,
    surveys: Annotated[str | None, Form(max_length=3)] = None,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Save channel, language, frequency and the optional categories; contact windows, time zone
    and digest time are kept as they were (the office sets those with the customer)."""
    check_csrf(request, csrf_token)
    current = communication.get_preferences(
        db, customer_id=user.customer_id, scope=EVERYTHING, default_time_zone=settings.timezone
    )
    opted_out = [name for name, on in (("status_updates", status_updates), ("surveys", surveys)) if not on]
    data = CommunicationPreferencesIn.model_validate_json(  # the API's strict body, as JSON
        json.dumps(
            {
                "channel": channel,
                "language": language,
                "time_zone": None if current.time_zone_is_default else current.time_zone,
                "contact_windows": [w.model_dump() for w in current.contact_windows],
                "frequency": frequency,
                "digest_time": current.digest_time,
                "opted_out": opted_out,
            }
        )
    )
    communication.set_preferences(
        db, customer_id=user.customer_id, scope=EVERYTHING, data=data, default_time_zone=settings.timezone
    )
    return redirect("/portal/preferences?saved=1")
