"""``/api/v1/webhook-subscriptions``: outgoing webhooks (seed 001 3.2, 7.2). A subscriber
registers a URL and event types; every delivery is signed (HMAC-SHA256 with a timestamp), retried
with backoff by its workflow, and visible here with every attempt. Office and admin keys only."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response, status

from api.auth import Staff
from api.deps import DbSession, require_roles
from api.pagination import Page, Pagination
from api.schemas.webhooks import DeliveryOut, SubscriptionCreated, SubscriptionIn, SubscriptionOut
from api.services import webhooks as service

router = APIRouter(prefix="/api/v1/webhook-subscriptions", tags=["webhooks"])
Office = Annotated[Staff, Depends(require_roles("office"))]


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=SubscriptionCreated, summary="Register a webhook"
)
def create_subscription(body: SubscriptionIn, db: DbSession, staff: Office) -> SubscriptionCreated:
    """Register ``url`` for ``event_types``; the answer carries the signing secret, shown once."""
    return service.create(db, data=body, actor=staff.actor)


@router.get("", response_model=Page[SubscriptionOut], summary="List webhook subscriptions")
def list_subscriptions(
    db: DbSession,
    staff: Office,
    params: Pagination,
    active: Annotated[bool | None, Query(description="only active (true) or removed (false)")] = None,
) -> Page[SubscriptionOut]:
    """Subscriptions, newest first (secrets are never listed)."""
    return service.list_(db, active=active, params=params)


@router.get("/{subscription_id}", response_model=SubscriptionOut, summary="Get a webhook subscription")
def get_subscription(subscription_id: int, db: DbSession, staff: Office) -> SubscriptionOut:
    """One subscription."""
    return service.get(db, subscription_id=subscription_id)


@router.delete(
    "/{subscription_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Remove a webhook subscription",
)
def remove_subscription(subscription_id: int, db: DbSession, staff: Office) -> Response:
    """Stop deliveries: nothing new is queued, pending deliveries end as failed."""
    service.remove(db, subscription_id=subscription_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{subscription_id}/deliveries",
    response_model=Page[DeliveryOut],
    summary="List a subscription's deliveries with their attempts",
)
def list_deliveries(
    subscription_id: int,
    db: DbSession,
    staff: Office,
    params: Pagination,
    status_: Annotated[Literal["pending", "delivered", "failed"] | None, Query(alias="status")] = None,
) -> Page[DeliveryOut]:
    """Deliveries, newest first, each with every attempt (status code, error, duration)."""
    return service.deliveries(db, subscription_id=subscription_id, status=status_, params=params)


@router.get(
    "/{subscription_id}/deliveries/{delivery_id}",
    response_model=DeliveryOut,
    summary="Get one delivery with its attempts",
)
def get_delivery(subscription_id: int, delivery_id: int, db: DbSession, staff: Office) -> DeliveryOut:
    """One delivery and every attempt."""
    return service.delivery(db, subscription_id=subscription_id, delivery_id=delivery_id)
