"""BatchInvoicingWorkflow: one invoice per customer per billing period from completed, uninvoiced
work (issue 8 "Batch invoicing"; seed 003 Priority 3; seed 001 5.1 batch operations).

Period mode (on demand for ``[period_start, period_end]``, or a scheduled run billing the last
closed period of its cycle): find the billable work, then invoice one customer at a time; each
invoice is its own activity, idempotent on (customer, period key), so a re-run or a crash mid-cycle
finds the invoices already issued and never bills a work order twice. Selection mode (a chosen set
of work orders): all-or-nothing — every work order must be billable, and all invoices are issued
in one transaction. Each issued invoice is sent to its customer and gets its DunningWorkflow
(``dunning-{invoice_id}``, a child left running when the cycle ends) when it has a balance.
Progress is in the ``progress`` query; the history shows one activity per customer.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from temporalio import workflow
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ActivityError, ApplicationError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from domain.billing import last_closed_period, period_for, selection_key
    from domain.contracts import billing as contract
    from domain.contracts.billing import (
        PROGRESS_QUERY,
        BatchInvoicingInput,
        BatchProgress,
        BillingFailure,
        DunningInput,
        FindBillableInput,
        IssuedInvoice,
        IssueInvoicesInput,
        SendInvoiceInput,
    )
    from domain.contracts.shared import CommonFailure
    from domain.ids import BATCH_INVOICING_WORKFLOW, DUNNING_WORKFLOW, dunning_workflow_id

from workflows.kit import DB_CALL, SEND_CALL, ActivityCall, failure

find_billable_work = ActivityCall(contract.FIND_BILLABLE_WORK, DB_CALL)
issue_invoices = ActivityCall(contract.ISSUE_INVOICES, DB_CALL)
send_invoice = ActivityCall(contract.SEND_INVOICE, SEND_CALL)


@workflow.defn(name=BATCH_INVOICING_WORKFLOW)
class BatchInvoicingWorkflow:
    """One billing cycle; ID ``billing-{period_key}`` on demand, ``billing-cycle-…`` when scheduled."""

    def __init__(self) -> None:
        self._progress = BatchProgress()

    @workflow.run
    async def run(self, inp: BatchInvoicingInput) -> BatchProgress:
        """Invoice the period or selection; returns the final progress (state ``done``), or fails
        with ``NotBillable`` when a selected work order cannot be billed (nothing invoiced)."""
        progress = self._progress
        today = workflow.now().date()
        if inp.work_order_ids:
            progress.mode = "selection"
            progress.period_key = selection_key(inp.work_order_ids)
            start = end = None
        else:
            period = (
                period_for(inp.period_start, inp.period_end)
                if inp.period_start is not None and inp.period_end is not None
                else last_closed_period(inp.cycle, today)
            )
            progress.period_key, start, end = period.key, period.start, period.end
        try:
            work = await find_billable_work(
                FindBillableInput(period_start=start, period_end=end, work_order_ids=inp.work_order_ids)
            )
        except ActivityError as err:
            raise self._failed(err) from err
        progress.customers_total = len(work.groups)
        progress.state = "invoicing"
        batches = (
            [work.groups] if progress.mode == "selection" and work.groups else [[g] for g in work.groups]
        )
        for groups in batches:
            try:
                result = await issue_invoices(
                    IssueInvoicesInput(
                        workflow_id=workflow.info().workflow_id,
                        period_key=progress.period_key,
                        period_start=start,
                        period_end=end,
                        issue_date=today,
                        groups=groups,
                        all_or_nothing=progress.mode == "selection",
                    )
                )
            except ActivityError as err:
                raise self._failed(err) from err
            for invoice in result.invoices:
                progress.invoices.append(invoice)
                progress.work_orders_billed += len(invoice.work_order_ids)
                progress.amount_invoiced += invoice.total
            progress.customers_done += len(groups)
            for invoice in result.invoices:
                await self._deliver(invoice, inp)
        progress.state = "done"
        return progress

    def _failed(self, err: ActivityError) -> ApplicationError:
        cause = err.cause
        message = cause.message if isinstance(cause, ApplicationError) else str(err)
        self._progress.state = "failed"
        self._progress.error = message
        kind = cause.type if isinstance(cause, ApplicationError) else None
        if kind == BillingFailure.NOT_BILLABLE.value:
            return failure(BillingFailure.NOT_BILLABLE, message)
        if kind == CommonFailure.NOT_FOUND.value:
            return failure(CommonFailure.NOT_FOUND, message)
        return failure(CommonFailure.INVALID_DATA, message)

    async def _deliver(self, invoice: IssuedInvoice, inp: BatchInvoicingInput) -> None:
        """Send the invoice (once per invoice) and start its dunning when it has a balance."""
        try:
            await send_invoice(SendInvoiceInput(invoice_id=invoice.invoice_id))
            self._progress.emails_sent += 1
        except ActivityError as err:
            self._progress.email_failures.append(f"{invoice.number}: {err.cause}")
        if invoice.balance <= Decimal("0"):
            return
        try:
            await workflow.start_child_workflow(
                DUNNING_WORKFLOW,
                DunningInput(
                    invoice_id=invoice.invoice_id,
                    offsets_days=inp.dunning_offsets_days,
                    channels=inp.dunning_channels,
                    day_seconds=inp.dunning_day_seconds,
                ),
                id=dunning_workflow_id(invoice.invoice_id),
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                static_summary=f"Dunning of invoice {invoice.number}",
                task_timeout=timedelta(seconds=10),
            )
            self._progress.dunning_started += 1
        except WorkflowAlreadyStartedError:
            pass  # an earlier run of this cycle started it

    @workflow.query(name=PROGRESS_QUERY)
    def progress(self) -> BatchProgress:
        """Customers done of total, invoices issued, work orders billed, amount, emails, dunning."""
        return self._progress
