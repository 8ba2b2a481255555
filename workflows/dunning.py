"""DunningWorkflow: reminders for one unpaid invoice until it is paid (issue 8 "Dunning and
payments"; seed 003 Priority 3; cadence rules in ``domain/dunning.py``).

Started by the invoicing cycle for an invoice with a balance (``dunning-{invoice_id}``). It reads
the invoice, then takes each step of the cadence at its time: email, SMS, an office task, and last
the customer's credit hold. Signals: ``payment_received`` (the payments API sends it after the
payment is committed) lowers the balance and ends the run at once when nothing is owed;
``dispute`` pauses the reminders until ``resolve_dispute``; ``payment_plan`` moves the due date and
recomputes the steps. A step's activity re-reads the balance under the invoice's row lock and
sends nothing for a zero balance, so a payment that lands while a reminder is being sent never
lets a reminder for a paid invoice out. ``AmountDue`` always holds the balance the run knows.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from domain.contracts import billing as contract
    from domain.contracts.billing import (
        DISPUTE_SIGNAL,
        DUNNING_STATUS_QUERY,
        PAYMENT_PLAN_SIGNAL,
        PAYMENT_RECEIVED_SIGNAL,
        RESOLVE_DISPUTE_SIGNAL,
        DisputeRequest,
        DunningInput,
        DunningStatus,
        DunningStepInput,
        DunningStepRecord,
        InvoiceFactsInput,
        PaymentPlanRequest,
        PaymentReceived,
        ResolveDisputeRequest,
    )
    from domain.dunning import (
        SECONDS_PER_DAY,
        DunningChannel,
        DunningStep,
        cadence,
        decide,
        first_step_after,
        first_step_on_or_after,
        first_step_on_or_after_moment,
        scaled_cadence,
    )
    from domain.ids import DUNNING_WORKFLOW

from workflows.kit import DB_CALL, SA_AMOUNT, SA_CUSTOMER, SEND_CALL, ActivityCall, wait_until

load_invoice_facts = ActivityCall(contract.LOAD_INVOICE_FACTS, DB_CALL)
take_dunning_step = ActivityCall(contract.TAKE_DUNNING_STEP, SEND_CALL)
take_office_step = ActivityCall(contract.TAKE_DUNNING_STEP, DB_CALL)


@workflow.defn(name=DUNNING_WORKFLOW)
class DunningWorkflow:
    """Dunning of one invoice; ID ``dunning-{invoice_id}``."""

    def __init__(self) -> None:
        self._status = DunningStatus(invoice_id=0)
        self._last_payment_id = 0
        self._disputed = False
        self._plan: PaymentPlanRequest | None = None

    @workflow.run
    async def run(self, inp: DunningInput) -> DunningStatus:
        """Remind until the balance is zero or the cadence (ending in the credit hold) is done."""
        status = self._status
        status.invoice_id = inp.invoice_id
        facts = await load_invoice_facts(InvoiceFactsInput(invoice_id=inp.invoice_id))
        if self._last_payment_id == 0:  # a payment signalled before the read is already in it
            status.balance = facts.balance
        else:
            status.balance = min(status.balance, facts.balance)
        status.due_date = facts.due_date
        workflow.upsert_search_attributes([SA_CUSTOMER.value_set(str(facts.customer_id))])
        self._publish_amount()
        start = workflow.now()
        if inp.day_seconds == SECONDS_PER_DAY:
            steps = cadence(facts.due_date, inp.offsets_days, inp.channels)
            next_index = first_step_on_or_after(steps, facts.issue_date)
        else:  # the demo's compressed clock: the run's start stands for the issue date
            steps = self._scaled(inp, start, facts.issue_date, facts.due_date)
            next_index = first_step_on_or_after_moment(steps, start)
        status.state = "active"
        while status.balance > 0:
            if self._plan is not None:  # a payment plan: new due date, steps from now on
                plan, self._plan = self._plan, None
                status.plan_version += 1
                status.due_date = plan.due_date
                if inp.day_seconds == SECONDS_PER_DAY:
                    steps = cadence(plan.due_date, inp.offsets_days, inp.channels)
                else:
                    steps = self._scaled(inp, start, facts.issue_date, plan.due_date)
                next_index = first_step_after(steps, workflow.now())
            if self._disputed:
                status.state = "disputed"
                status.next_step_at = None
                await workflow.wait_condition(
                    lambda: not self._disputed or status.balance <= 0 or self._plan is not None
                )
                status.state = "active"
                continue
            decision = decide(steps, next_index, workflow.now(), balance=status.balance, disputed=False)
            for index in decision.skipped:
                self._record(steps[index], "skipped", "a later step was due at the same time")
            if decision.step is None:
                status.next_step_at = decision.wake_at
                if decision.wake_at is None:
                    break  # every step taken: the last one put the customer on credit hold
                await wait_until(
                    lambda: status.balance <= 0 or self._disputed or self._plan is not None,
                    decision.wake_at - workflow.now(),
                )
                continue
            next_index = decision.next_index
            await self._take(decision.step, inp.invoice_id)
        status.next_step_at = None
        status.state = "paid" if status.balance <= 0 else "finished"
        self._publish_amount()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return status

    @staticmethod
    def _scaled(inp: DunningInput, start: datetime, issue_date: date, due: date) -> tuple[DunningStep, ...]:
        return scaled_cadence(
            start=start,
            issue_date=issue_date,
            due=due,
            day_seconds=inp.day_seconds,
            offsets_days=inp.offsets_days,
            channels=inp.channels,
        )

    async def _take(self, step: DunningStep, invoice_id: int) -> None:
        """Take one step; a zero balance read inside its claim ends the run."""
        call = (
            take_dunning_step
            if step.channel in (DunningChannel.EMAIL, DunningChannel.SMS)
            else take_office_step
        )
        try:
            result = await call(
                DunningStepInput(
                    invoice_id=invoice_id,
                    workflow_id=workflow.info().workflow_id,
                    index=step.index,
                    plan_version=self._status.plan_version,
                    channel=step.channel.value,
                    offset_days=step.offset_days,
                )
            )
        except ActivityError as err:
            self._record(step, "failed", str(err.cause))
            return
        if not result.done:
            self._status.balance = min(self._status.balance, result.balance)
            self._record(step, "refused_paid", "the balance was zero when the step was claimed")
            self._publish_amount()
            return
        if result.balance < self._status.balance:  # a payment whose signal was lost
            self._status.balance = result.balance
            self._publish_amount()
        if step.channel is DunningChannel.CREDIT_HOLD:
            self._status.credit_hold = True
        self._record(step, "sent")

    def _record(self, step: DunningStep, outcome: str, detail: str | None = None) -> None:
        self._status.steps.append(
            DunningStepRecord(
                index=step.index,
                plan_version=self._status.plan_version,
                channel=step.channel.value,
                at=workflow.now(),
                outcome=outcome,  # type: ignore[arg-type]
                detail=detail,
            )
        )

    def _publish_amount(self) -> None:
        workflow.upsert_search_attributes(
            [SA_AMOUNT.value_set(float(max(self._status.balance, Decimal("0"))))]
        )

    # ---- signals and query -------------------------------------------------------------------

    @workflow.signal(name=PAYMENT_RECEIVED_SIGNAL)
    def payment_received(self, payment: PaymentReceived) -> None:
        """A payment was committed: take its balance (a later payment's balance wins)."""
        if payment.payment_id <= self._last_payment_id:
            return
        self._last_payment_id = payment.payment_id
        self._status.balance = payment.balance
        if self._status.state != "starting":
            self._publish_amount()

    @workflow.signal(name=DISPUTE_SIGNAL)
    def dispute(self, req: DisputeRequest) -> None:
        """Pause reminders until ``resolve_dispute``."""
        self._disputed = True

    @workflow.signal(name=RESOLVE_DISPUTE_SIGNAL)
    def resolve_dispute(self, req: ResolveDisputeRequest) -> None:
        """Resume reminders (only the latest step that fell due meanwhile is taken)."""
        self._disputed = False

    @workflow.signal(name=PAYMENT_PLAN_SIGNAL)
    def payment_plan(self, req: PaymentPlanRequest) -> None:
        """Move the due date to ``req.due_date``; the cadence restarts from it."""
        self._plan = req

    @workflow.query(name=DUNNING_STATUS_QUERY)
    def status(self) -> DunningStatus:
        """State, balance, due date, next step time and every step taken so far."""
        return self._status
