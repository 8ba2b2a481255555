"""A customer's service request from the portal (seed 003 Priority 2 "Self-Service Features":
request forms, photo upload, scheduling).

The request is written by ``api.services.repairs.write_request`` and its RepairWorkflow started
by ``repairs.start_workflow``, exactly as ``POST /api/v1/repairs`` does, with
``service_requests.source = 'portal'`` and the actor ``customer:{id}:portal``. The windows offered
are those of ``GET /api/v1/slots`` (``api.services.dispatch.slots``) at the customer's site; the
chosen one is checked again on submit and kept as the work order's window preference. Photos
(``domain.portal``: JPEG/PNG/WebP by their bytes, size capped, and decodable by Pillow) are
stored in ``portal_photos``; the request lists their portal URLs.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from PIL import Image, UnidentifiedImageError
from sqlalchemy.orm import Session

from api.schemas.dispatch import SlotOut
from api.services import dispatch
from api.services.repairs import RecordedRepair, recorded_repair, write_request
from config import Settings
from db.models import Customer, ServiceCatalogEntry
from db.repositories import catalog, portal_records
from domain.portal import MAX_PHOTOS, PhotoRejected, photo_type
from domain.schedule import local_today

#: days of bookable windows the form offers
SLOT_DAYS = 7


class RequestRejected(ValueError):
    """The form cannot be accepted as sent; the message is for the customer."""


def job_choices(session: Session) -> list[ServiceCatalogEntry]:
    """The active catalog entries a customer may ask for, by name."""
    return sorted(portal_records.active_catalog(session), key=lambda e: (e.category != "repair", e.name))


def offered_slots(
    session: Session, *, customer: Customer, job_type: str, settings: Settings
) -> list[SlotOut]:
    """The windows in which ``job_type`` at the customer's site fits the routes (next SLOT_DAYS days)."""
    return dispatch.slots(
        session,
        job_type=job_type,
        lat=customer.latitude,
        lon=customer.longitude,
        days=SLOT_DAYS,
        settings=settings,
    )


def slot_value(slot: SlotOut) -> str:
    """The form value of a slot: ``YYYY-MM-DD|morning``."""
    return f"{slot.date.isoformat()}|{slot.window}"


def check_photo(data: bytes) -> str:
    """The MIME type of an acceptable photo; RequestRejected otherwise (bad type, size, or bytes
    that claim to be an image but do not decode)."""
    try:
        mime = photo_type(data)
    except PhotoRejected as err:
        raise RequestRejected(str(err)) from err
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise RequestRejected("the photo could not be read as an image") from err
    return mime


@dataclass(frozen=True, slots=True)
class PortalRequest:
    """What the form sent, checked: job type, words, chosen slot value or date, and photos."""

    job_type: str
    description: str
    slot: str | None
    preferred_date: date | None
    photos: list[bytes]


def _schedule(
    session: Session, *, customer: Customer, form: PortalRequest, settings: Settings
) -> tuple[date, tuple[str, datetime, datetime] | None]:
    """The service day and window of the request; RequestRejected when the chosen window is no
    longer bookable or the date is out of range."""
    today = local_today(datetime.now(UTC), settings.timezone)
    if form.slot:
        for slot in offered_slots(session, customer=customer, job_type=form.job_type, settings=settings):
            if slot_value(slot) == form.slot:
                return slot.date, (slot.window, slot.window_start, slot.window_end)
        raise RequestRejected("That time was just booked by someone else. Please pick another one.")
    if form.preferred_date is None:
        raise RequestRejected("Pick a time for the visit.")
    if not today <= form.preferred_date <= today + timedelta(days=90):
        raise RequestRejected("Pick a date from today to 90 days ahead.")
    return form.preferred_date, None


def record(
    session: Session, *, customer: Customer, form: PortalRequest, settings: Settings
) -> RecordedRepair:
    """Write the request, its work order and its photos (the caller commits, then starts the
    workflow with ``repairs.start_workflow``). RequestRejected for an unknown job type, too many
    or unacceptable photos, or a window that is no longer bookable."""
    entry = catalog.get(session, form.job_type)
    if entry is None or not entry.is_active:
        raise RequestRejected("Pick the kind of service you need.")
    if len(form.photos) > MAX_PHOTOS:
        raise RequestRejected(f"Attach at most {MAX_PHOTOS} photos.")
    checked = [(data, check_photo(data)) for data in form.photos]
    scheduled, window = _schedule(session, customer=customer, form=form, settings=settings)
    today = local_today(datetime.now(UTC), settings.timezone)
    wo, request = write_request(
        session,
        customer=customer,
        job_type=entry.code,
        today=today,
        scheduled=scheduled,
        actor=f"customer:{customer.id}:portal",
        description=form.description or None,
        photos=[],
        priority="normal",
        repair_count=1,
        source="portal",
        window=window,
    )
    urls = []
    for data, mime in checked:
        photo = portal_records.add_photo(
            session,
            customer_id=customer.id,
            service_request_id=request.id,
            content_type=mime,
            data=data,
            sha256=hashlib.sha256(data).hexdigest(),
        )
        urls.append(f"{settings.public_base_url}/portal/photos/{photo.id}")
    request.photos = urls
    return recorded_repair(wo, request, settings=settings, job_name=entry.name, requested_by=None)
