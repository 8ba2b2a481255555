"""MessageDigestWorkflow: one run per hour (schedule ``fieldops-message-digests``) sends every
customer's daily digest that is due (activities/notifications.py). Deterministic code only.

Each customer gets at most one digest per local day (the outbox key ``digest-{customer}:{day}``),
so an overlapping, retried or caught-up run sends nothing twice.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.contracts import messaging as contract
    from domain.contracts.messaging import DigestRunInput, DigestRunResult
    from domain.ids import MESSAGE_DIGEST_WORKFLOW

from workflows.kit import DB_CALL, ActivityCall

send_due_digests = ActivityCall(contract.SEND_DUE_DIGESTS, DB_CALL)


@workflow.defn(name=MESSAGE_DIGEST_WORKFLOW)
class MessageDigestWorkflow:
    """Send the daily digests due now; returns how many went out and the items they carried."""

    @workflow.run
    async def run(self) -> DigestRunResult:
        """One pass over the customers with held messages, at the workflow's now."""
        return await send_due_digests(DigestRunInput(at=workflow.now()))
