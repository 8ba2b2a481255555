"""What a logged-in portal customer may read: his own work orders, invoices and photos.

Every function takes the customer's id and filters on it in SQL, so another customer's id in a
URL finds nothing (the portal answers 404, as for a record that does not exist). Never commit.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from db.models import Invoice, PortalPhoto, ServiceCatalogEntry, ServiceRequest, Technician, WorkOrder
from domain.work_status import TERMINAL_STATUSES, WorkStatus

#: statuses of a visit that is booked and has not ended
VISIT_STATUSES = (WorkStatus.ASSIGNED.value, WorkStatus.IN_PROGRESS.value)


def work_orders(session: Session, *, customer_id: int, limit: int = 50) -> list[WorkOrder]:
    """The customer's work orders, newest first (at most ``limit``)."""
    return list(
        session.scalars(
            select(WorkOrder)
            .where(WorkOrder.customer_id == customer_id)
            .order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc())
            .limit(limit)
        )
    )


def work_order(session: Session, *, customer_id: int, work_order_id: str) -> WorkOrder | None:
    """The work order if it is the customer's, else None."""
    return session.scalars(
        select(WorkOrder).where(WorkOrder.id == work_order_id, WorkOrder.customer_id == customer_id)
    ).first()


def upcoming_visits(session: Session, *, customer_id: int, today: date) -> list[WorkOrder]:
    """Booked visits (assigned or under way) from ``today`` on, soonest first."""
    return list(
        session.scalars(
            select(WorkOrder)
            .where(
                WorkOrder.customer_id == customer_id,
                WorkOrder.status.in_(VISIT_STATUSES),
                WorkOrder.scheduled_date >= today,
            )
            .order_by(WorkOrder.scheduled_date, WorkOrder.service_window_start, WorkOrder.id)
        )
    )


def awaiting_approval(session: Session, *, customer_id: int) -> list[WorkOrder]:
    """The customer's estimates waiting for his answer, oldest first."""
    return list(
        session.scalars(
            select(WorkOrder)
            .where(
                WorkOrder.customer_id == customer_id,
                WorkOrder.status == WorkStatus.PENDING_APPROVAL.value,
            )
            .order_by(WorkOrder.created_at, WorkOrder.id)
        )
    )


def open_count(session: Session, *, customer_id: int) -> int:
    """How many of the customer's work orders have not ended."""
    ended = sorted(s.value for s in TERMINAL_STATUSES)
    return len(
        session.scalars(
            select(WorkOrder.id).where(WorkOrder.customer_id == customer_id, WorkOrder.status.not_in(ended))
        ).all()
    )


def technicians_by_id(session: Session, ids: set[str]) -> dict[str, Technician]:
    """Technicians by id (for the names shown beside a visit)."""
    if not ids:
        return {}
    return {t.id: t for t in session.scalars(select(Technician).where(Technician.id.in_(sorted(ids))))}


def service_request(session: Session, *, customer_id: int, request_id: int) -> ServiceRequest | None:
    """The service request if it is the customer's."""
    return session.scalars(
        select(ServiceRequest).where(
            ServiceRequest.id == request_id, ServiceRequest.customer_id == customer_id
        )
    ).first()


def invoices(session: Session, *, customer_id: int) -> list[Invoice]:
    """The customer's invoices with their payments, newest first."""
    return list(
        session.scalars(
            select(Invoice)
            .options(selectinload(Invoice.payments))
            .where(Invoice.customer_id == customer_id)
            .order_by(Invoice.issue_date.desc(), Invoice.id.desc())
        )
    )


def invoice(session: Session, *, customer_id: int, invoice_id: int) -> Invoice | None:
    """The invoice (with lines and payments) if it is the customer's."""
    return session.scalars(
        select(Invoice)
        .options(selectinload(Invoice.lines), selectinload(Invoice.payments))
        .where(Invoice.id == invoice_id, Invoice.customer_id == customer_id)
    ).first()


def add_photo(
    session: Session,
    *,
    customer_id: int,
    service_request_id: int,
    content_type: str,
    data: bytes,
    sha256: str,
) -> PortalPhoto:
    """Store an uploaded photo of a service request."""
    photo = PortalPhoto(
        customer_id=customer_id,
        service_request_id=service_request_id,
        content_type=content_type,
        size_bytes=len(data),
        sha256=sha256,
        data=data,
    )
    session.add(photo)
    session.flush()
    return photo


def photo(session: Session, *, customer_id: int, photo_id: int) -> PortalPhoto | None:
    """The photo if the customer uploaded it."""
    return session.scalars(
        select(PortalPhoto).where(PortalPhoto.id == photo_id, PortalPhoto.customer_id == customer_id)
    ).first()


def photo_ids(session: Session, *, customer_id: int, service_request_id: int) -> list[int]:
    """Ids of the photos of one of the customer's service requests."""
    return list(
        session.scalars(
            select(PortalPhoto.id)
            .where(
                PortalPhoto.customer_id == customer_id, PortalPhoto.service_request_id == service_request_id
            )
            .order_by(PortalPhoto.id)
        )
    )


def active_catalog(session: Session) -> list[ServiceCatalogEntry]:
    """The catalog entries customers may ask for (active ones)."""
    return list(session.scalars(select(ServiceCatalogEntry).where(ServiceCatalogEntry.is_active.is_(True))))
