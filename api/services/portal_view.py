"""How the portal words a work order for its customer: status labels, the visit line
(technician and arrival window in the company's zone) and the rows of the work-order list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from db.models import Technician, WorkOrder
from db.repositories import catalog

#: what each ``work_orders.status`` means to a customer
STATUS_LABELS = {
    "requested": "Received",
    "pending_approval": "Waiting for your approval",
    "approved": "Approved",
    "declined": "Declined",
    "expired": "Estimate expired",
    "awaiting_assignment": "Approved, scheduling a technician",
    "assigned": "Technician booked",
    "in_progress": "Technician on site",
    "completed": "Completed",
    "cancelled": "Cancelled",
}
#: CSS class of a status badge: attention (needs the customer), active, done, ended
STATUS_TONES = {
    "pending_approval": "attention",
    "completed": "done",
    "declined": "ended",
    "expired": "ended",
    "cancelled": "ended",
}


def status_label(status: str) -> str:
    """The customer's wording of ``status``."""
    return STATUS_LABELS.get(status, status.replace("_", " "))


@dataclass(frozen=True, slots=True)
class VisitLine:
    """A booked visit as shown: ``day`` (``Thu Nov 26``), ``window`` (``9:00 AM - 11:00 AM CST``
    or None before one is set), the technician's first name (None before assignment) and the
    window the customer asked for (``Morning, 8:00 AM - 12:00 PM CST``; None: any time)."""

    work_order_id: str
    day: str
    window: str | None
    technician: str | None
    requested: str | None = None


def visit_line(wo: WorkOrder, techs: dict[str, Technician], tz_name: str) -> VisitLine:
    """The visit line of ``wo`` in zone ``tz_name``."""
    zone = ZoneInfo(tz_name)

    def span(start: datetime | None, end: datetime | None) -> str | None:
        if start is None or end is None:
            return None
        return f"{start.astimezone(zone):%-I:%M %p} - {end.astimezone(zone):%-I:%M %p %Z}"

    requested = span(wo.preferred_window_start, wo.preferred_window_end)
    if requested and wo.window_preference in ("morning", "afternoon"):
        requested = f"{wo.window_preference.capitalize()}, {requested}"
    tech = techs.get(wo.technician_id or "")
    return VisitLine(
        wo.id,
        f"{wo.scheduled_date:%a %b %-d}",
        span(wo.service_window_start, wo.service_window_end),
        tech.first_name if tech else None,
        requested,
    )


@dataclass(frozen=True, slots=True)
class WorkOrderRow:
    """One line of the work-order list."""

    id: str
    job: str
    status: str
    label: str
    tone: str
    visit: VisitLine


def work_order_rows(
    session: Session, orders: list[WorkOrder], techs: dict[str, Technician], tz_name: str
) -> list[WorkOrderRow]:
    """The list rows of ``orders`` (job names from the catalog)."""
    names: dict[str, str] = {}
    rows = []
    for wo in orders:
        if wo.job_type not in names:
            entry = catalog.get(session, wo.job_type)
            names[wo.job_type] = entry.name if entry else wo.job_type
        rows.append(
            WorkOrderRow(
                id=wo.id,
                job=names[wo.job_type],
                status=wo.status,
                label=status_label(wo.status),
                tone=STATUS_TONES.get(wo.status, "active"),
                visit=visit_line(wo, techs, tz_name),
            )
        )
    return rows
