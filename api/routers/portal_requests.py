"""Customer portal service requests: the form (kind of service, words, a bookable window, photos)
and its photos. Submitting starts a RepairWorkflow exactly as ``POST /api/v1/repairs`` does
(``api.services.portal_requests``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from api.deps import AppSettings, DbSession, TemporalClient
from api.errors import Problem
from api.services import repairs
from api.services.portal_requests import (
    PortalRequest,
    RequestRejected,
    job_choices,
    offered_slots,
    record,
    slot_value,
)
from api.services.portal_session import PortalCustomer, PortalPageError, check_csrf, page, redirect
from db.repositories import customers, portal_records
from domain.portal import MAX_PHOTO_BYTES, MAX_PHOTOS

router = APIRouter(tags=["customer portal"], include_in_schema=False)


def _form(
    request: Request, db, settings, user, job_type: str, status_code: int = 200, **extra
) -> HTMLResponse:
    customer = customers.get(db, user.customer_id)
    jobs = job_choices(db)
    chosen = job_type if any(j.code == job_type for j in jobs) else (jobs[0].code if jobs else "")
    slots = offered_slots(db, customer=customer, job_type=chosen, settings=settings) if chosen else []
    return page(
        request,
        "request.html",
        status_code,
        title="Request service",
        active="request",
        tz=ZoneInfo(settings.timezone),
        user=user,
        jobs=jobs,
        job_type=chosen,
        slots=[(slot_value(s), s) for s in slots],
        max_photos=MAX_PHOTOS,
        max_mb=MAX_PHOTO_BYTES // (1024 * 1024),
        site=customers.service_location(customer),
        **extra,
    )


@router.get("/portal/request", response_class=HTMLResponse)
def request_form(
    request: Request, db: DbSession, settings: AppSettings, user: PortalCustomer, job_type: str = "repair"
) -> HTMLResponse:
    """The request form with the windows bookable for ``job_type`` at the customer's site."""
    return _form(request, db, settings, user, job_type[:40])


@router.post("/portal/request", response_class=HTMLResponse)
async def submit_request(
    request: Request,
    db: DbSession,
    client: TemporalClient,
    settings: AppSettings,
    user: PortalCustomer,
    job_type: Annotated[str, Form(min_length=1, max_length=40)],
    description: Annotated[str, Form(max_length=2000)] = "",
    slot: Annotated[str, Form(max_length=40)] = "",
    preferred_date: Annotated[date | None, Form()] = None,
    photos: Annotated[list[UploadFile] | None, File()] = None,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Record the request and start its RepairWorkflow; the form again with the reason when
    something is wrong (nothing is recorded then)."""
    check_csrf(request, csrf_token)
    uploads = [p for p in (photos or []) if p.filename]
    data = []
    for upload in uploads[: MAX_PHOTOS + 1]:
        data.append(await upload.read(MAX_PHOTO_BYTES + 1))
    form = PortalRequest(
        job_type=job_type,
        description=description.strip(),
        slot=slot or None,
        preferred_date=preferred_date,
        photos=data if len(uploads) <= MAX_PHOTOS else [*data, b""],
    )
    customer = customers.get(db, user.customer_id)
    try:
        recorded = record(db, customer=customer, form=form, settings=settings)
    except RequestRejected as err:
        db.rollback()
        return _form(
            request,
            db,
            settings,
            user,
            job_type,
            422,
            error=str(err),
            description=description,
            chosen_slot=slot,
        )
    db.commit()  # the work order exists before its workflow starts, as with POST /api/v1/repairs
    try:
        await repairs.start_workflow(db, client=client, repair=recorded)
    except Problem as err:
        raise PortalPageError(
            503,
            "Please try again",
            "We could not confirm your request just now. Look at your work orders in a minute "
            "before sending it again.",
        ) from err
    return redirect(f"/portal/work-orders/{recorded.work_order_id}?new=1")


@router.get("/portal/photos/{photo_id}")
def photo(photo_id: int, db: DbSession, user: PortalCustomer) -> Response:
    """A photo the customer uploaded (another customer's id is a 404)."""
    row = portal_records.photo(db, customer_id=user.customer_id, photo_id=photo_id)
    if row is None:
        raise PortalPageError(404, "Not found", "We could not find that photo in your account.")
    return Response(row.data, media_type=row.content_type)
