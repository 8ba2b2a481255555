"""The quote-and-approval step of RepairWorkflow. Deterministic code only.

Each estimate version is quoted and decided in an activity. When the customer must approve,
the link is sent (and reminded) while timers run; the customer or staff decide, staff may
revise the estimate (a new version: the old link dies, a new one goes out), or it expires.
One deadline, fixed before the link is sent, is both the link's ``expires_at`` and the end of
the wait; the reminder is timed from the same instant, so a slow send delays neither.
A message that cannot be delivered does not stop the step: staff can still decide by phone and
the expiry still ends it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from domain.contracts import approval as contract
    from domain.contracts import messaging as messaging_contract
    from domain.contracts.approval import (
        ApprovalDecisionInput,
        ApprovalReminderInput,
        ApprovalRequestInput,
        ApproveRequest,
        PriceOverrideRequest,
        QuoteInput,
        RecordApprovalInput,
    )
    from domain.contracts.lot_walk import REPAIR_DECIDED_SIGNAL, RepairDecided
    from domain.contracts.messaging import ContactTimeInput, NotifyCustomerInput
    from domain.contracts.repair import RepairInput
    from domain.work_status import WorkStatus

from workflows.kit import DB_CALL, SEND_CALL, ActivityCall, wait_until
from workflows.repair_state import (
    PATCH_ONE_APPROVAL_DEADLINE,
    PATCH_QUIET_HOURS,
    PATCH_STATUS_UPDATES,
    RepairState,
)

quote_work_order = ActivityCall(contract.QUOTE_WORK_ORDER, DB_CALL)
decide_approval = ActivityCall(contract.DECIDE_APPROVAL, DB_CALL)
record_approval = ActivityCall(contract.RECORD_APPROVAL, DB_CALL)
request_customer_approval = ActivityCall(contract.REQUEST_CUSTOMER_APPROVAL, SEND_CALL)
send_approval_reminder = ActivityCall(contract.SEND_APPROVAL_REMINDER, SEND_CALL)
next_contact_time = ActivityCall(messaging_contract.NEXT_CONTACT_TIME, DB_CALL)
notify_customer = ActivityCall(messaging_contract.NOTIFY_CUSTOMER, SEND_CALL)
#: How often a wait for the contact window re-reads the preferences before giving up on them
#: changing (each wake re-reads; a week of windows is at most a few wakes).
MAX_CONTACT_WAITS = 10

Outcome = Literal["approved", "declined", "expired", "cancelled", "revised"]


class ApprovalStep(RepairState):
    """Quote, decide, and when needed ask the customer; RepairWorkflow adds the run and updates."""

    async def _approve(self, inp: RepairInput) -> bool:
        """Quote and obtain approval; False when the repair ended (declined, expired, cancelled)."""
        repair_count, version = inp.repair_count, 1
        override: PriceOverrideRequest | None = None
        while True:
            quote = await quote_work_order(
                QuoteInput(
                    work_order_id=inp.work_order_id,
                    target_version=version,
                    repair_count=repair_count,
                    first_repair_position=inp.first_repair_position,
                    visit_repair_count=inp.visit_repair_count,
                    price_override=override,
                )
            )
            self._state.estimate_amount = quote.amount
            self._state.cost_override = override.amount if override is not None else None
            self._state.estimate_version = quote.estimate_version
            decision = await decide_approval(
                ApprovalDecisionInput(
                    work_order_id=inp.work_order_id,
                    amount=quote.amount,
                    has_photo=inp.has_photo,
                    # a manager approved what he asked for, not a later revision he never saw
                    requested_by_technician_id=inp.requested_by_technician_id if version == 1 else None,
                    from_lot_walk=inp.from_lot_walk,
                )
            )
            self._state.approval_mode = decision.mode
            if self._cancelled:
                return False
            if decision.approved:
                await self._record_approval(
                    True, decision.mode, decision.approved_by or "policy", decision.reasons
                )
                if inp.lot_walk_workflow_id is not None:
                    await self._tell_walk(inp, True)
                return not self._cancelled
            self._approval_open = True
            await self._set_status(WorkStatus.PENDING_APPROVAL, "workflow", "; ".join(decision.reasons))
            if inp.lot_walk_workflow_id is not None:
                outcome = await self._await_walk(inp)
            else:
                outcome = await self._await_customer(inp, quote.estimate_version)
            if outcome != "revised":
                return outcome == "approved"
            # a price override keeps the stored repair count (None) and sets the price instead
            override, self._override = self._override, None
            repair_count, version = (self._revision if override is None else None), version + 1
            self._revision = None

    def _settled(self) -> bool:
        return (
            self._decision is not None
            or self._cancelled
            or self._revision is not None
            or self._override is not None
            or self._walk_expired
        )

    async def _await_customer(self, inp: RepairInput, version: int) -> Outcome:
        """Send the link, remind once, and wait for an answer, a revision, a cancel or the expiry."""
        if workflow.patched(PATCH_ONE_APPROVAL_DEADLINE):
            await self._ask_until_deadline(inp, version)
        else:
            await self._ask_with_timers_after_sends(inp, version)
        self._approval_open = False
        return await self._conclude()

    async def _await_walk(self, inp: RepairInput) -> Outcome:
        """A lot-walk repair waits for its walk's single approval request (seed 001 2.3: one
        request listing all the walk's repairs, not one text per repair): no link or reminder of
        its own. It tells the walk it waits, then takes the walk's answer (or a staff action, a
        revision, a cancel); twice the approval expiry is the backstop should the walk never
        answer (the walk itself expires the request after one expiry)."""
        await self._tell_walk(inp, None)
        await wait_until(self._settled, 2 * inp.durations.approval_expiry_seconds)
        self._approval_open = False
        return await self._conclude()

    async def _tell_walk(self, inp: RepairInput, approved: bool | None) -> None:
        """Signal the walk this repair belongs to its estimate and decision (None: waiting)."""
        assert inp.lot_walk_workflow_id is not None
        await workflow.get_external_workflow_handle(inp.lot_walk_workflow_id).signal(
            REPAIR_DECIDED_SIGNAL,
            RepairDecided(
                work_order_id=inp.work_order_id,
                amount=self._state.estimate_amount or Decimal("0"),
                approval_mode=self._state.approval_mode or "",
                approved=approved,
            ),
        )

    async def _conclude(self) -> Outcome:
        """After the wait: the outcome of a cancel, a revision, no answer (expired) or an answer."""
        if self._cancelled:
            return "cancelled"
        if self._revision is not None or self._override is not None:
            return "revised"
        if self._decision is None:
            await self._record_approval(False, "expired", "workflow", ["approval link expired unanswered"])
            await self._set_status(WorkStatus.EXPIRED, "workflow", "approval expired")
            return "expired"
        approved = isinstance(self._decision, ApproveRequest)
        actor = self._decision.actor
        mode = "customer_link" if actor.startswith("customer:") else "staff_on_behalf"
        reason = self._decision.reason or ("approved" if approved else "declined")
        await self._record_approval(approved, mode, actor, [reason])
        if not approved:
            await self._set_status(WorkStatus.DECLINED, actor, reason)
        return "approved" if approved and not self._cancelled else "declined"

    def _link_request(self, inp: RepairInput, version: int, expires_at: datetime) -> ApprovalRequestInput:
        return ApprovalRequestInput(
            work_order_id=inp.work_order_id,
            workflow_id=workflow.info().workflow_id,
            estimate_version=version,
            expires_at=expires_at,
        )

    def _reminder(self, inp: RepairInput, version: int) -> ApprovalReminderInput:
        return ApprovalReminderInput(
            work_order_id=inp.work_order_id, workflow_id=workflow.info().workflow_id, estimate_version=version
        )

    async def _ask_until_deadline(self, inp: RepairInput, version: int) -> None:
        """Send the link and remind once, all measured from one deadline fixed before the send.

        The link's ``expires_at`` is that deadline; the reminder goes out at the reminder delay
        after the same instant (only while the deadline is still ahead) and the wait ends at the
        deadline itself, so a slow or retried send delays neither the reminder nor the expiry.
        Returns when settled (answer, revision, cancel) or at the deadline.
        """
        durations = inp.durations
        quiet_hours = workflow.patched(PATCH_QUIET_HOURS)
        if quiet_hours:
            # the link goes out in the customer's contact window; its deadline counts from then
            await self._wait_for_contact_time(self._settled)
        start = workflow.now()
        deadline = start + timedelta(seconds=durations.approval_expiry_seconds)
        remind_at = min(start + timedelta(seconds=durations.approval_reminder_seconds), deadline)
        if not self._settled():
            await self._deliver_by(
                deadline,
                request_customer_approval(self._link_request(inp, version, deadline)),
                "approval link",
            )
        if not await wait_until(self._settled, remind_at - workflow.now()) and workflow.now() < deadline:
            # a reminder whose window opens only after the link died is not sent
            if not quiet_hours or await self._wait_for_contact_time(self._settled, deadline):
                self._state.reminders_sent += 1
                await self._deliver_by(
                    deadline, send_approval_reminder(self._reminder(inp, version)), "approval reminder"
                )
        await wait_until(self._settled, deadline - workflow.now())

    async def _wait_for_contact_time(self, stop: Callable[[], bool], limit: datetime | None = None) -> bool:
        """Sleep (a durable timer) until the customer's contact window is open; True then.
        False when ``stop`` became true meanwhile or the window opens only at or after
        ``limit``. Each wake re-reads the preferences (they may have changed while waiting)."""
        for _ in range(MAX_CONTACT_WAITS):
            now = workflow.now()
            timing = await next_contact_time(ContactTimeInput(customer_id=self.inp.customer_id, at=now))
            if timing.allowed_at <= workflow.now():
                return not stop()
            if limit is not None and timing.allowed_at >= limit:
                return False
            if await wait_until(stop, timing.allowed_at - workflow.now()):
                return False
        return not stop()

    async def _ask_with_timers_after_sends(self, inp: RepairInput, version: int) -> None:
        """Runs recorded before ``PATCH_ONE_APPROVAL_DEADLINE``: each timer started after its send
        returned, so a slow send pushed the reminder and the expiry past the link's ``expires_at``."""
        durations = inp.durations
        if not self._settled():
            await self._deliver(
                request_customer_approval(
                    self._link_request(
                        inp, version, workflow.now() + timedelta(seconds=durations.approval_expiry_seconds)
                    )
                ),
                "approval link",
            )
        reminder_after = min(durations.approval_reminder_seconds, durations.approval_expiry_seconds)
        if not await wait_until(self._settled, reminder_after):
            self._state.reminders_sent += 1
            await self._deliver(send_approval_reminder(self._reminder(inp, version)), "approval reminder")
            await wait_until(self._settled, durations.approval_expiry_seconds - reminder_after)

    async def _deliver_by(self, deadline: datetime, sending: Awaitable[object], what: str) -> None:
        """:meth:`_deliver`, given up at ``deadline``: a send still running (retrying) then is
        cancelled, because the link it carries is dead, and the approval closes at once, so no
        answer is accepted after the link's expiry while the cancellation lands."""
        delivery = asyncio.ensure_future(self._deliver(sending, what))
        if not await wait_until(delivery.done, deadline - workflow.now()):
            self._approval_open = False
            delivery.cancel()
        await delivery

    async def _deliver(self, sending: Awaitable[object], what: str) -> None:
        """Await a customer message's send; a failed delivery is counted, not fatal."""
        try:
            await sending
        except ActivityError as err:
            self._state.delivery_failures += 1
            workflow.logger.warning("%s failed: %s", what, err.cause or err)

    def _announce(self, event: str) -> None:
        """Tell the customer about ``event`` (``approved``, ``assigned``, ``completed``) in a task
        of its own: it waits for his contact window, then ``notify_customer`` sends it, holds it
        for his digest or records it suppressed (his preferences). Only for runs started with
        ``notify_status_updates`` and behind ``PATCH_STATUS_UPDATES``; the run waits for these
        tasks before it returns, so none is dropped."""
        if not self.inp.notify_status_updates or not workflow.patched(PATCH_STATUS_UPDATES):
            return
        self._announcements.append(asyncio.ensure_future(self._notify(event)))

    async def _notify(self, event: str) -> None:
        await self._wait_for_contact_time(lambda: False)
        try:
            await notify_customer(
                NotifyCustomerInput(
                    workflow_id=workflow.info().workflow_id, work_order_id=self.inp.work_order_id, event=event
                )
            )
        except ActivityError as err:
            self._state.delivery_failures += 1
            workflow.logger.warning("status update %s failed: %s", event, err.cause or err)

    async def _record_approval(self, approved: bool, mode: str, by: str, reasons: list[str]) -> None:
        """Store the decision; an approval moves the work order to ``approved`` (decided here)."""
        async with self._writing_status():
            await record_approval(
                RecordApprovalInput(
                    work_order_id=self._state.work_order_id,
                    approved=approved,
                    mode=mode,
                    decided_by=by,
                    reasons=reasons,
                    estimate_version=self._state.estimate_version or 0,
                )
            )
        self._state.approval_mode = mode
        if approved:
            self._state.approved_by = by
            self._take(WorkStatus.APPROVED)
            self._announce("approved")
