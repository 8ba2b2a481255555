"""``/api/v1/invoices``: invoices (list, detail, PDF), payments against them, and billing cycles.

Reading is open to every staff key within its scope (office and admin: all invoices; a manager
or technician: invoices of customers in his scope); recording payments and starting cycles are
office and admin work.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from api.auth import Staff
from api.deps import AppSettings, CurrentScope, DbSession, FieldStaff, TemporalClient, require_roles
from api.errors import Problem
from api.pagination import Page, Pagination, paginate
from api.schemas.common import IsoDate, QueryBool
from api.schemas.invoices import (
    BatchCreate,
    BatchStarted,
    DisputeBody,
    DunningOut,
    InvoiceDetail,
    InvoiceOut,
    PaymentCreate,
    PaymentPlanBody,
    PaymentRecorded,
)
from api.services import invoices as service
from db.repositories import billing as repo
from domain.billing import InvoiceStatus
from domain.contracts.billing import (
    DISPUTE_SIGNAL,
    PAYMENT_PLAN_SIGNAL,
    RESOLVE_DISPUTE_SIGNAL,
    DisputeRequest,
    PaymentPlanRequest,
    ResolveDisputeRequest,
)
from domain.schedule import local_today

router = APIRouter(prefix="/api/v1/invoices", tags=["invoices"])

BillingOffice = Annotated[Staff, Depends(require_roles("office"))]
PDF_RESPONSE = {200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}


@router.get("", response_model=Page[InvoiceOut], summary="List invoices")
def list_invoices(
    db: DbSession,
    staff: FieldStaff,
    scope: CurrentScope,
    paging: Pagination,
    settings: AppSettings,
    status_: Annotated[InvoiceStatus | None, Query(alias="status")] = None,
    customer_id: Annotated[int | None, Query(ge=1)] = None,
    period_key: Annotated[str | None, Query(max_length=40, examples=["2026-11"])] = None,
    overdue: Annotated[
        QueryBool | None, Query(description="only invoices with a balance past their due date")
    ] = None,
    issued_from: Annotated[IsoDate | None, Query()] = None,
    issued_to: Annotated[IsoDate | None, Query()] = None,
) -> Page[InvoiceOut]:
    """Invoices in the caller's scope, newest first; filter by status, customer, period key,
    overdue and issue-date range."""
    stmt = repo.list_stmt(
        scope=scope,
        status=status_.value if status_ else None,
        customer_id=customer_id,
        period_key=period_key,
        overdue_on=local_today(datetime.now(UTC), settings.timezone) if overdue else None,
        issued_from=issued_from,
        issued_to=issued_to,
    )
    rows, total = paginate(db, stmt, paging)
    return Page[InvoiceOut](
        items=[service.invoice_out(r) for r in rows],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.post(
    "/batch",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=BatchStarted,
    summary="Start a billing cycle",
)
async def start_batch(
    body: BatchCreate, db: DbSession, client: TemporalClient, settings: AppSettings, staff: BillingOffice
) -> BatchStarted:
    """Start BatchInvoicingWorkflow for a period or a selected set of work orders (all or nothing:
    409 when any of them is not completed or already invoiced); answers with its workflow id, whose
    ``progress`` query shows customers done, invoices issued and amounts."""
    return await service.start_batch(db, client=client, body=body, staff=staff, settings=settings)


@router.get(
    "/{invoice_id}.pdf",
    response_class=Response,
    responses=PDF_RESPONSE,
    summary="Download an invoice as PDF",
)
def invoice_pdf(
    invoice_id: int, db: DbSession, staff: FieldStaff, scope: CurrentScope, settings: AppSettings
) -> Response:
    """The invoice as a PDF: company, customer, number, dates, lines, tax, total and balance."""
    name, content = service.pdf(db, invoice_id=invoice_id, scope=scope, settings=settings)
    return Response(
        content, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'}
    )


@router.get("/{invoice_id}", response_model=InvoiceDetail, summary="Get an invoice")
def get_invoice(invoice_id: int, db: DbSession, staff: FieldStaff, scope: CurrentScope) -> InvoiceDetail:
    """One invoice with its lines, the work orders it billed, and its payments."""
    return service.detail(db, invoice_id=invoice_id, scope=scope)


@router.post(
    "/{invoice_id}/payments",
    status_code=status.HTTP_201_CREATED,
    response_model=PaymentRecorded,
    summary="Record a payment",
)
async def record_payment(
    invoice_id: int,
    body: PaymentCreate,
    response: Response,
    db: DbSession,
    client: TemporalClient,
    settings: AppSettings,
    staff: BillingOffice,
) -> PaymentRecorded:
    """Record a payment (CASH, CARD, TRANSFER, CHECK) and update the balance and status; the
    same reference and body again answer 200 with the first payment, another body 409. More than
    the balance needs ``allow_credit``. The dunning run is told after the payment is stored."""
    recorded = service.record_payment(db, invoice_id=invoice_id, body=body, staff=staff, settings=settings)
    db.commit()  # stored before anyone is told
    if recorded.replayed:
        response.status_code = status.HTTP_200_OK
    return await service.signal_payment(client, recorded)


@router.get("/{invoice_id}/dunning", response_model=DunningOut, summary="Get an invoice's dunning")
async def get_dunning(
    invoice_id: int, db: DbSession, client: TemporalClient, staff: FieldStaff, scope: CurrentScope
) -> DunningOut:
    """The reminders of an invoice: state (active, disputed, paid, finished), balance, next step
    and every step taken, live from ``dunning-{invoice_id}``."""
    service.detail(db, invoice_id=invoice_id, scope=scope)  # 404 outside the caller's scope
    db.commit()  # hand the connection back before waiting on Temporal
    return await service.dunning(client, invoice_id=invoice_id)


@router.post("/{invoice_id}/dispute", status_code=status.HTTP_202_ACCEPTED, response_model=DunningOut)
async def dispute(
    invoice_id: int, body: DisputeBody, db: DbSession, client: TemporalClient, staff: BillingOffice
) -> DunningOut:
    """The customer disputes the invoice: reminders pause until the dispute is resolved."""
    payload = DisputeRequest(actor=staff.actor, reason=body.reason)
    return await service.signal_dunning(
        db, client, invoice_id=invoice_id, staff=staff, name=DISPUTE_SIGNAL, payload=payload
    )


@router.post("/{invoice_id}/resolve-dispute", status_code=status.HTTP_202_ACCEPTED, response_model=DunningOut)
async def resolve_dispute(
    invoice_id: int, db: DbSession, client: TemporalClient, staff: BillingOffice
) -> DunningOut:
    """The dispute is settled: reminders resume (only the latest step that fell due meanwhile)."""
    payload = ResolveDisputeRequest(actor=staff.actor)
    return await service.signal_dunning(
        db, client, invoice_id=invoice_id, staff=staff, name=RESOLVE_DISPUTE_SIGNAL, payload=payload
    )


@router.post("/{invoice_id}/payment-plan", status_code=status.HTTP_202_ACCEPTED, response_model=DunningOut)
async def payment_plan(
    invoice_id: int,
    body: PaymentPlanBody,
    db: DbSession,
    client: TemporalClient,
    settings: AppSettings,
    staff: BillingOffice,
) -> DunningOut:
    """The customer agreed to pay by ``due_date`` (after today): the reminders move with it."""
    if body.due_date <= local_today(datetime.now(UTC), settings.timezone):
        raise Problem(422, f"a payment plan's due date must be after today, got {body.due_date}")
    payload = PaymentPlanRequest(actor=staff.actor, due_date=body.due_date)
    return await service.signal_dunning(
        db, client, invoice_id=invoice_id, staff=staff, name=PAYMENT_PLAN_SIGNAL, payload=payload
    )
