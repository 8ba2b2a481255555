"""PortalLoginWorkflow: send one customer-portal magic link (``portal-login-{link_id}``).

The API records the link (hashed token, nonce, expiry) and starts this run; the activity
derives the token from the nonce, renders the ``portal_login`` template in the customer's
language and sends it once through the outbox (``{workflow_id}:portal-login``). The customer
asked for it just now, so it does not wait for his contact window. A send the provider or a gate
refuses is the run's result, not a failure: the customer simply asks again. Deterministic code only.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.contracts import portal as contract
    from domain.contracts.portal import PortalLoginInput, SendLoginLinkInput, SendLoginLinkResult

from workflows.kit import SEND_CALL, ActivityCall

send_login_link = ActivityCall(contract.SEND_PORTAL_LOGIN_LINK, SEND_CALL)


@workflow.defn(name=contract.PORTAL_LOGIN_WORKFLOW)
class PortalLoginWorkflow:
    """Send the link once; returns what the activity reported (``sent`` False: nothing went out)."""

    @workflow.run
    async def run(self, inp: PortalLoginInput) -> SendLoginLinkResult:
        """One send attempt with the messaging retry policy; a refused send ends the run quietly."""
        try:
            return await send_login_link(
                SendLoginLinkInput(link_id=inp.link_id, workflow_id=workflow.info().workflow_id)
            )
        except ActivityError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError) and cause.non_retryable:
                workflow.logger.info("login link %s not sent: %s", inp.link_id, cause.type)
                return SendLoginLinkResult(sent=False, channel="none")
            raise
