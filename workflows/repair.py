"""RepairWorkflow: one repair request from creation to completion (DESIGN.md workflow catalog).

create work order → quote → approval decision (an activity, so decision and reasons are in the
history) → auto/manager approval, or a customer link with reminder and expiry → OR-Tools
assignment → start and complete by the technician (updates) → completed work stays uninvoiced
for batch invoicing. Cancel is allowed until completion. Deterministic code only.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey, SearchAttributePair
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.contracts import (
        STATUS_QUERY,
        ActivityName,
        ApprovalDecisionInput,
        ApprovalDecisionResult,
        ApprovalReminderInput,
        ApprovalRequestInput,
        ApprovalRequestResult,
        ApproveRequest,
        AssignInput,
        AssignRequest,
        AssignResult,
        CancelRequest,
        CompleteRequest,
        CompletionInput,
        CompletionResult,
        CreateWorkOrderInput,
        DeclineRequest,
        QuoteInput,
        QuoteResult,
        RecordApprovalInput,
        RepairInput,
        RepairStatus,
        RepairUpdate,
        SetStatusInput,
        StartRequest,
    )
    from domain.ids import REPAIR_WORKFLOW
    from domain.work_status import TERMINAL_STATUSES, StaffAction, WorkStatus, check_transition

SA_CUSTOMER = SearchAttributeKey.for_keyword("CustomerId")
SA_TECHNICIAN = SearchAttributeKey.for_keyword("TechnicianId")
SA_JOB_TYPE = SearchAttributeKey.for_keyword("JobType")
SA_STATUS = SearchAttributeKey.for_keyword("WorkStatus")
SA_PRIORITY = SearchAttributeKey.for_keyword("Priority")
SA_AMOUNT = SearchAttributeKey.for_float("AmountDue")

DB_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))
DB_TIMEOUT = timedelta(seconds=30)


@workflow.defn(name=REPAIR_WORKFLOW)
class RepairWorkflow:
    """Durable process of one work order; ID ``repair-{work_order_id}``."""

    def __init__(self) -> None:
        self._state: RepairStatus | None = None
        self._input: RepairInput | None = None
        self._decision: ApproveRequest | DeclineRequest | None = None
        self._busy: str | None = None
        self._cancelled = False
        self._approval_open = False

    # ---- main flow -------------------------------------------------------------------

    @workflow.run
    async def run(self, inp: RepairInput) -> RepairStatus:
        """Run the repair to a terminal status and return the final status."""
        self._input = inp
        self._state = RepairStatus(work_order_id=inp.work_order_id, status=WorkStatus.REQUESTED)
        workflow.upsert_search_attributes(
            [
                SearchAttributePair(SA_CUSTOMER, str(inp.customer_id)),
                SearchAttributePair(SA_JOB_TYPE, inp.job_type),
                SearchAttributePair(SA_PRIORITY, inp.priority),
                SearchAttributePair(SA_STATUS, WorkStatus.REQUESTED.value),
            ]
        )
        await self._db(
            ActivityName.CREATE_WORK_ORDER,
            CreateWorkOrderInput(
                work_order_id=inp.work_order_id,
                service_request_id=inp.service_request_id,
                workflow_id=workflow.info().workflow_id,
                customer_id=inp.customer_id,
                job_type=inp.job_type,
                priority=inp.priority,
                scheduled_date=inp.scheduled_date,
            ),
            None,
            f"Create work order {inp.work_order_id}",
        )
        if await self._approve(inp):
            await self._assign(AssignInput(work_order_id=inp.work_order_id))
            await workflow.wait_condition(lambda: self.status in TERMINAL_STATUSES)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._state

    async def _approve(self, inp: RepairInput) -> bool:
        """Quote and obtain approval; False when the repair ended (declined, expired, cancelled)."""
        quote: QuoteResult = await self._db(
            ActivityName.QUOTE_WORK_ORDER,
            QuoteInput(
                work_order_id=inp.work_order_id,
                repair_count=inp.repair_count,
                first_repair_position=inp.first_repair_position,
                visit_repair_count=inp.visit_repair_count,
            ),
            QuoteResult,
            "Quote estimate (catalog, repair tiers, volume discount)",
        )
        self._state.estimate_amount = quote.amount
        self._state.estimate_version = quote.estimate_version
        decision: ApprovalDecisionResult = await self._db(
            ActivityName.DECIDE_APPROVAL,
            ApprovalDecisionInput(
                work_order_id=inp.work_order_id,
                amount=quote.amount,
                has_photo=inp.has_photo,
                requested_by_technician_id=inp.requested_by_technician_id,
                from_lot_walk=inp.from_lot_walk,
            ),
            ApprovalDecisionResult,
            f"Decide approval of ${quote.amount}",
        )
        self._state.approval_mode = decision.mode
        if self._cancelled:
            return False
        if decision.approved:
            await self._record_approval(
                True, decision.mode, decision.approved_by or "policy", decision.reasons
            )
            return True

        self._approval_open = not self._cancelled
        await self._set_status(WorkStatus.PENDING_APPROVAL, "workflow", "; ".join(decision.reasons))
        wf_id = workflow.info().workflow_id
        durations = inp.durations
        expires_at = workflow.now() + timedelta(seconds=durations.approval_expiry_seconds)
        decided = lambda: self._decision is not None or self._cancelled  # noqa: E731
        if not decided():  # staff may have approved by phone already
            await self._db(
                ActivityName.REQUEST_CUSTOMER_APPROVAL,
                ApprovalRequestInput(
                    work_order_id=inp.work_order_id,
                    workflow_id=wf_id,
                    estimate_version=quote.estimate_version,
                    expires_at=expires_at,
                ),
                ApprovalRequestResult,
                "Send approval link to customer",
            )
        reminder_after = min(durations.approval_reminder_seconds, durations.approval_expiry_seconds)
        if not await self._wait(decided, reminder_after):
            self._state.reminders_sent += 1
            await self._db(
                ActivityName.SEND_APPROVAL_REMINDER,
                ApprovalReminderInput(
                    work_order_id=inp.work_order_id,
                    workflow_id=wf_id,
                    estimate_version=quote.estimate_version,
                ),
                None,
                "Send approval reminder",
            )
            await self._wait(decided, durations.approval_expiry_seconds - reminder_after)
        self._approval_open = False
        if self._cancelled:
            return False
        if self._decision is None:
            await self._record_approval(False, "expired", "workflow", ["approval link expired unanswered"])
            await self._set_status(WorkStatus.EXPIRED, "workflow", "approval expired")
            return False
        approved = isinstance(self._decision, ApproveRequest)
        reason = self._decision.reason or ("approved" if approved else "declined")
        await self._record_approval(approved, "customer", self._decision.actor, [reason])
        if not approved:
            await self._set_status(WorkStatus.DECLINED, self._decision.actor, reason)
        return approved

    async def _wait(self, cond, seconds: int) -> bool:
        """Wait for ``cond`` up to ``seconds``; True when it became true."""
        if seconds <= 0:
            return cond()
        try:
            await workflow.wait_condition(cond, timeout=timedelta(seconds=seconds))
            return True
        except TimeoutError:
            return False

    async def _record_approval(self, approved: bool, mode: str, by: str, reasons: list[str]) -> None:
        await self._db(
            ActivityName.RECORD_APPROVAL,
            RecordApprovalInput(
                work_order_id=self._state.work_order_id,
                approved=approved,
                mode=mode,
                decided_by=by,
                reasons=reasons,
                estimate_version=self._state.estimate_version or 0,
            ),
            None,
            f"Record {'approval' if approved else 'no approval'} ({mode}) by {by}",
        )
        self._state.approval_mode = mode
        if approved:
            self._state.approved_by = by
            self._status(WorkStatus.APPROVED)

    async def _assign(self, inp: AssignInput) -> AssignResult:
        result: AssignResult = await workflow.execute_activity(
            ActivityName.ASSIGN_TECHNICIAN,
            inp,
            result_type=AssignResult,
            task_queue=self._input.optimizer_task_queue,
            start_to_close_timeout=timedelta(minutes=2),
            heartbeat_timeout=timedelta(seconds=20),
            retry_policy=RetryPolicy(maximum_attempts=5, non_retryable_error_types=["UnknownTechnician"]),
            summary="Smart assignment (OR-Tools)"
            if inp.technician_id is None
            else f"Assign {inp.technician_id}",
        )
        if self._cancelled:
            return result
        if result.technician_id is None:
            self._state.technician_id = None
            self._status(WorkStatus.AWAITING_ASSIGNMENT)
        else:
            self._state.technician_id = result.technician_id
            self._state.window_start = result.window_start
            self._state.window_end = result.window_end
            workflow.upsert_search_attributes([SearchAttributePair(SA_TECHNICIAN, result.technician_id)])
            self._status(WorkStatus.ASSIGNED)
        return result

    # ---- activities and status --------------------------------------------------------

    async def _db(self, name: ActivityName, arg, result_type, summary: str):
        return await workflow.execute_activity(
            name,
            arg,
            result_type=result_type,
            start_to_close_timeout=DB_TIMEOUT,
            retry_policy=DB_RETRY,
            summary=summary,
        )

    async def _set_status(self, status: WorkStatus, actor: str, reason: str | None = None) -> None:
        """Take the status now (validators see it at once), then persist it with an audit entry."""
        self._status(status)
        await self._db(
            ActivityName.SET_WORK_STATUS,
            SetStatusInput(
                work_order_id=self._state.work_order_id,
                status=status,
                actor=actor,
                at=workflow.now(),
                reason=reason,
            ),
            None,
            f"Set status {status}",
        )

    def _status(self, status: WorkStatus) -> None:
        if self._state.status in TERMINAL_STATUSES:
            return  # a cancel recorded while an activity was in flight wins
        self._state.status = status
        workflow.upsert_search_attributes([SearchAttributePair(SA_STATUS, status.value)])

    @property
    def status(self) -> WorkStatus:
        return self._state.status if self._state else WorkStatus.REQUESTED

    # ---- query and updates -------------------------------------------------------------

    @workflow.query(name=STATUS_QUERY)
    def get_status(self) -> RepairStatus:
        """Current status, estimate, approval and assignment."""
        if self._state is None:
            raise ApplicationError("workflow has not started yet", type="NotStarted")
        return self._state

    def _validate(self, action: StaffAction) -> None:
        if self._state is None:
            raise ApplicationError("workflow has not started yet", type="NotStarted")
        if self._busy is not None:
            raise ApplicationError(
                f"another action ({self._busy}) is being applied; retry", type="InvalidTransition"
            )
        try:
            check_transition(action, self.status)
        except Exception as err:
            raise ApplicationError(str(err), type="InvalidTransition") from err

    def _validate_version(self, version: int | None) -> None:
        if version is not None and version != self._state.estimate_version:
            raise ApplicationError(
                f"estimate version {version} is not the current version {self._state.estimate_version}",
                type="StaleEstimate",
            )

    @workflow.update(name=RepairUpdate.APPROVE)
    async def approve(self, req: ApproveRequest) -> RepairStatus:
        """Approve the pending estimate (staff or customer link)."""
        return await self._decide(req)

    async def _decide(self, req: ApproveRequest | DeclineRequest) -> RepairStatus:
        self._decision = req
        await workflow.wait_condition(lambda: self.status != WorkStatus.PENDING_APPROVAL)
        if self.status == WorkStatus.CANCELLED:
            raise ApplicationError("the repair was cancelled before the decision", type="InvalidTransition")
        return self._state

    @approve.validator
    def _approve_ok(self, req: ApproveRequest) -> None:
        self._validate(StaffAction.APPROVE)
        self._validate_version(req.estimate_version)
        if self._decision is not None or not self._approval_open:
            raise ApplicationError("the approval is closed or already decided", type="InvalidTransition")

    @workflow.update(name=RepairUpdate.DECLINE)
    async def decline(self, req: DeclineRequest) -> RepairStatus:
        """Decline the pending estimate (staff or customer link)."""
        return await self._decide(req)

    @decline.validator
    def _decline_ok(self, req: DeclineRequest) -> None:
        self._approve_ok(ApproveRequest(actor=req.actor, estimate_version=req.estimate_version))

    @workflow.update(name=RepairUpdate.ASSIGN)
    async def assign(self, req: AssignRequest) -> RepairStatus:
        """Assign a named technician, or re-run the optimizer when ``technician_id`` is None."""
        self._busy = "assign"
        try:
            result = await self._assign(
                AssignInput(
                    work_order_id=self._state.work_order_id, technician_id=req.technician_id, actor=req.actor
                )
            )
            if req.technician_id is not None and result.technician_id is None:
                raise ApplicationError(result.explanation, type="AssignmentRejected")
        finally:
            self._busy = None
        return self._state

    @assign.validator
    def _assign_ok(self, req: AssignRequest) -> None:
        self._validate(StaffAction.ASSIGN)

    @workflow.update(name=RepairUpdate.START)
    async def start(self, req: StartRequest) -> RepairStatus:
        """The assigned technician starts work on site."""
        self._busy = "start"
        try:
            await self._set_status(WorkStatus.IN_PROGRESS, req.actor)
        finally:
            self._busy = None
        return self._state

    @start.validator
    def _start_ok(self, req: StartRequest) -> None:
        self._validate(StaffAction.START)
        if req.technician_id != self._state.technician_id:
            raise ApplicationError(
                f"technician {req.technician_id} is not assigned to this repair "
                f"(assigned: {self._state.technician_id})",
                type="InvalidTransition",
            )

    @workflow.update(name=RepairUpdate.COMPLETE)
    async def complete(self, req: CompleteRequest) -> RepairStatus:
        """Record labor and parts, total the work order, mark it completed."""
        self._busy = "complete"
        try:
            result: CompletionResult = await self._db(
                ActivityName.RECORD_COMPLETION,
                CompletionInput(
                    work_order_id=self._state.work_order_id,
                    technician_id=req.technician_id,
                    labor_minutes=req.labor_minutes,
                    parts=req.parts,
                    completed_at=workflow.now(),
                ),
                CompletionResult,
                "Record labor, parts and totals",
            )
            self._state.total_amount = result.total_amount
            workflow.upsert_search_attributes([SearchAttributePair(SA_AMOUNT, float(result.total_amount))])
            self._status(WorkStatus.COMPLETED)
        finally:
            self._busy = None
        return self._state

    @complete.validator
    def _complete_ok(self, req: CompleteRequest) -> None:
        self._validate(StaffAction.COMPLETE)
        if req.technician_id != self._state.technician_id:
            raise ApplicationError(
                f"technician {req.technician_id} is not assigned to this repair", type="InvalidTransition"
            )

    @workflow.update(name=RepairUpdate.CANCEL)
    async def cancel(self, req: CancelRequest) -> RepairStatus:
        """Cancel before completion; revokes any open approval link."""
        self._busy = "cancel"
        try:
            self._cancelled = True
            await self._set_status(WorkStatus.CANCELLED, req.actor, req.reason)
        finally:
            self._busy = None
        return self._state

    @cancel.validator
    def _cancel_ok(self, req: CancelRequest) -> None:
        self._validate(StaffAction.CANCEL)
