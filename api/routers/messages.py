"""``/api/v1/messages``: the outbox of SMS and email sent to customers (read-only; office, manager
and admin keys only, since an outbox body holds the customer's live approval link)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentScope, DbSession, OfficeStaff
from api.errors import NotFound
from api.logging_setup import redact_approval_tokens
from api.pagination import Page, Pagination, paginate
from api.schemas.messages import Channel, MessageOut
from db.repositories import messages
from domain.access import Scope

router = APIRouter(prefix="/api/v1/messages", tags=["messages"])


@router.get("", response_model=Page[MessageOut], summary="List messages")
def list_messages(
    db: DbSession,
    staff: OfficeStaff,
    scope: CurrentScope,
    paging: Pagination,
    work_order_id: Annotated[str | None, Query(max_length=40)] = None,
    customer_id: Annotated[int | None, Query(ge=1)] = None,
    channel: Channel | None = None,
    purpose: Annotated[str | None, Query(max_length=40, examples=["approval-request-v1"])] = None,
) -> Page[MessageOut]:
    """Messages in the caller's scope (a manager: his team's and the open queue's) newest first,
    filtered by work order, customer, channel and purpose."""
    stmt = messages.list_stmt(
        work_order_id=work_order_id, customer_id=customer_id, channel=channel, purpose=purpose, scope=scope
    )
    rows, total = paginate(db, stmt, paging)
    return Page[MessageOut](
        items=[shown(MessageOut.model_validate(r), scope) for r in rows],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get("/{message_id}", response_model=MessageOut, summary="Get a message")
def get_message(message_id: int, db: DbSession, staff: OfficeStaff, scope: CurrentScope) -> MessageOut:
    """One message in the caller's scope with its body and delivery status."""
    message = messages.get(db, message_id=message_id, scope=scope)
    if message is None:
        raise NotFound(f"message {message_id} does not exist")
    return shown(MessageOut.model_validate(message), scope)


def shown(message: MessageOut, scope: Scope) -> MessageOut:
    """The message as the caller may read it: only office and admin (scope ``everything``) see a
    live approval link in a body; for a manager it reads ``/approve/[redacted]``, or he could
    answer the customer's estimate as the customer, past his own approval limit."""
    if scope.everything:
        return message
    return message.model_copy(update={"body": redact_approval_tokens(message.body)})
