"""Outgoing webhook subscriptions: register, list, read, remove, and read deliveries with every
attempt. Office and admin only (the router's role check)."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from api.errors import NotFound
from api.pagination import Page, PageParams, paginate
from api.schemas.webhooks import DeliveryOut, SubscriptionCreated, SubscriptionIn, SubscriptionOut
from db.models import WebhookSubscription
from db.repositories import webhooks as repo


def create(session: Session, *, data: SubscriptionIn, actor: str) -> SubscriptionCreated:
    """Store the subscription with a new random signing secret (``whsec_`` + 32 bytes, base64url)."""
    row = repo.create_subscription(
        session,
        url=data.url,
        event_types=data.event_types,
        description=data.description,
        signing_secret="whsec_" + secrets.token_urlsafe(32),
        created_by=actor,
    )
    return SubscriptionCreated.model_validate(row)


def _get(session: Session, subscription_id: int) -> WebhookSubscription:
    row = repo.get_subscription(session, subscription_id)
    if row is None:
        raise NotFound(f"webhook subscription {subscription_id} does not exist")
    return row


def get(session: Session, *, subscription_id: int) -> SubscriptionOut:
    """One subscription; 404 when unknown."""
    return SubscriptionOut.model_validate(_get(session, subscription_id))


def list_(session: Session, *, active: bool | None, params: PageParams) -> Page[SubscriptionOut]:
    """Subscriptions, newest first."""
    rows, total = paginate(session, repo.subscriptions_stmt(active=active), params)
    return Page(
        items=[SubscriptionOut.model_validate(r) for r in rows],
        total=total,
        page=params.page,
        page_size=params.page_size,
    )


def remove(session: Session, *, subscription_id: int) -> None:
    """Deactivate: no new deliveries; pending ones end as failed at their next attempt. 404 when unknown."""
    _get(session, subscription_id)
    repo.deactivate(session, subscription_id=subscription_id)


def deliveries(
    session: Session, *, subscription_id: int, status: str | None, params: PageParams
) -> Page[DeliveryOut]:
    """A subscription's deliveries with their attempts, newest first; 404 when unknown."""
    _get(session, subscription_id)
    rows, total = paginate(
        session, repo.deliveries_stmt(subscription_id=subscription_id, status=status), params
    )
    return Page(
        items=[DeliveryOut.model_validate(r) for r in rows],
        total=total,
        page=params.page,
        page_size=params.page_size,
    )


def delivery(session: Session, *, subscription_id: int, delivery_id: int) -> DeliveryOut:
    """One delivery of the subscription with its attempts; 404 when either is unknown."""
    row = repo.get_delivery(session, delivery_id)
    if row is None or row.subscription_id != subscription_id:
        raise NotFound(f"webhook delivery {delivery_id} of subscription {subscription_id} does not exist")
    return DeliveryOut.model_validate(row)
