"""Contract of the customer portal's login link: ``PortalLoginWorkflow`` (``portal-login-{link_id}``)
sends one magic link through the outbox. Payloads carry ids only: the token is derived inside
the activity from the stored nonce, so it never enters a workflow history."""

from __future__ import annotations

from pydantic import BaseModel

from domain.contracts.shared import ActivitySpec

PORTAL_LOGIN_WORKFLOW = "PortalLoginWorkflow"


def portal_login_workflow_id(link_id: int) -> str:
    """``portal-login-{link_id}``: the one run that sends login link ``link_id``."""
    return f"portal-login-{link_id}"


class PortalLoginInput(BaseModel):
    """Start argument of PortalLoginWorkflow: the ``portal_login_links`` row to send."""

    link_id: int


class SendLoginLinkInput(BaseModel):
    """Send login link ``link_id``; the outbox key is ``{workflow_id}:portal-login``."""

    link_id: int
    workflow_id: str


class SendLoginLinkResult(BaseModel):
    """``sent`` False when the link was already used or expired before it could go out
    (nothing is sent then); ``message_id`` is the outbox row."""

    sent: bool
    channel: str
    message_id: int | None = None


SEND_PORTAL_LOGIN_LINK: ActivitySpec[SendLoginLinkInput, SendLoginLinkResult] = ActivitySpec(
    "send_portal_login_link",
    SendLoginLinkInput,
    SendLoginLinkResult,
    lambda i: f"Send portal login link {i.link_id}",
)
