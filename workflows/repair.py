"""RepairWorkflow: one repair request from creation to completion (DESIGN.md workflow catalog).

create work order → quote → approval decision (an activity, so decision and reasons are in the
history) → auto/manager approval, or a customer link with reminder and expiry
(workflows/repair_approval.py) → OR-Tools assignment → start and complete by the technician
(updates) → completed work stays uninvoiced for batch invoicing. Cancel is allowed until
completion. Every staff action is an update whose validator refuses it in the wrong state.
Deterministic code only.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributePair
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.contracts import (
        STATUS_QUERY,
        ActivityName,
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
        RepairInput,
        RepairStatus,
        RepairUpdate,
        ReviseEstimateRequest,
        StartRequest,
    )
    from domain.ids import REPAIR_WORKFLOW
    from domain.work_status import TERMINAL_STATUSES, StaffAction, WorkStatus, check_transition

from workflows.repair_approval import (
    SA_AMOUNT,
    SA_CUSTOMER,
    SA_JOB_TYPE,
    SA_PRIORITY,
    SA_STATUS,
    SA_TECHNICIAN,
    RepairSteps,
)

ASSIGN_RETRY = RetryPolicy(maximum_attempts=5, non_retryable_error_types=["UnknownTechnician", "NotFound"])


@workflow.defn(name=REPAIR_WORKFLOW)
class RepairWorkflow(RepairSteps):
    """Durable process of one work order; ID ``repair-{work_order_id}``."""

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
            await self._auto_assign()
            await workflow.wait_condition(lambda: self.status in TERMINAL_STATUSES)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._state

    # ---- assignment ----------------------------------------------------------------------

    async def _assign_activity(self, inp: AssignInput) -> AssignResult:
        return await workflow.execute_activity(
            ActivityName.ASSIGN_TECHNICIAN,
            inp,
            result_type=AssignResult,
            task_queue=self._input.optimizer_task_queue,
            start_to_close_timeout=timedelta(minutes=2),
            heartbeat_timeout=timedelta(seconds=20),
            retry_policy=ASSIGN_RETRY,
            summary="Smart assignment (OR-Tools)"
            if inp.technician_id is None
            else f"Assign {inp.technician_id}",
        )

    async def _auto_assign(self) -> None:
        """Run the optimizer; when it finds nobody (or fails), wait for staff to assign by hand."""
        try:
            result = await self._assign_activity(AssignInput(work_order_id=self._state.work_order_id))
        except ActivityError as err:
            if not self._cancelled:
                await self._set_status(
                    WorkStatus.AWAITING_ASSIGNMENT, "workflow", f"assignment failed: {err.cause}"
                )
            return
        if not self._cancelled:
            self._apply_assignment(result)

    def _apply_assignment(self, result: AssignResult) -> None:
        if result.technician_id is None:
            self._state.technician_id = self._state.window_start = self._state.window_end = None
            workflow.upsert_search_attributes([SA_TECHNICIAN.value_unset()])
            self._status(WorkStatus.AWAITING_ASSIGNMENT)
            return
        self._state.technician_id = result.technician_id
        self._state.window_start, self._state.window_end = result.window_start, result.window_end
        workflow.upsert_search_attributes([SearchAttributePair(SA_TECHNICIAN, result.technician_id)])
        self._status(WorkStatus.ASSIGNED)

    # ---- query and validators ------------------------------------------------------------

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

    def _validate_decision(self, version: int | None) -> None:
        if version is not None and version != self._state.estimate_version:
            raise ApplicationError(
                f"estimate version {version} is not the current version {self._state.estimate_version}",
                type="StaleEstimate",
            )
        if self._decision is not None or self._revision is not None or not self._approval_open:
            raise ApplicationError(
                "the approval is closed, decided or being revised", type="InvalidTransition"
            )

    def _validate_technician(self, technician_id: str) -> None:
        if technician_id != self._state.technician_id:
            raise ApplicationError(
                f"technician {technician_id} is not assigned to this repair (assigned: {self._state.technician_id})",
                type="InvalidTransition",
            )

    # ---- updates -------------------------------------------------------------------------

    async def _decide(self, req: ApproveRequest | DeclineRequest) -> RepairStatus:
        self._decision = req
        await workflow.wait_condition(lambda: self.status != WorkStatus.PENDING_APPROVAL)
        if self.status == WorkStatus.CANCELLED:
            raise ApplicationError("the repair was cancelled before the decision", type="InvalidTransition")
        return self._state

    @workflow.update(name=RepairUpdate.APPROVE)
    async def approve(self, req: ApproveRequest) -> RepairStatus:
        """Approve the pending estimate (customer link, or staff on the customer's behalf)."""
        return await self._decide(req)

    @approve.validator
    def _approve_ok(self, req: ApproveRequest) -> None:
        self._validate(StaffAction.APPROVE)
        self._validate_decision(req.estimate_version)

    @workflow.update(name=RepairUpdate.DECLINE)
    async def decline(self, req: DeclineRequest) -> RepairStatus:
        """Decline the pending estimate (customer link, or staff on the customer's behalf)."""
        return await self._decide(req)

    @decline.validator
    def _decline_ok(self, req: DeclineRequest) -> None:
        self._validate(StaffAction.DECLINE)
        self._validate_decision(req.estimate_version)

    @workflow.update(name=RepairUpdate.REVISE_ESTIMATE)
    async def revise_estimate(self, req: ReviseEstimateRequest) -> RepairStatus:
        """Re-quote with a new repair count: the old link stops working, a new one is sent."""
        old = self._state.estimate_version
        self._revision = req.repair_count
        await workflow.wait_condition(
            lambda: (
                self.status in TERMINAL_STATUSES
                or (
                    self._state.estimate_version != old
                    and (self.status != WorkStatus.PENDING_APPROVAL or self._approval_open)
                )
            )
        )
        if self.status == WorkStatus.CANCELLED:
            raise ApplicationError("the repair was cancelled during the revision", type="InvalidTransition")
        return self._state

    @revise_estimate.validator
    def _revise_ok(self, req: ReviseEstimateRequest) -> None:
        self._validate(StaffAction.REVISE_ESTIMATE)
        self._validate_decision(None)

    @workflow.update(name=RepairUpdate.ASSIGN)
    async def assign(self, req: AssignRequest) -> RepairStatus:
        """Assign a named technician, or re-run the optimizer when ``technician_id`` is None.
        A named technician without room is refused and the current assignment stays."""
        with self._exclusive("assign"):
            result = await self._assign_activity(
                AssignInput(
                    work_order_id=self._state.work_order_id, technician_id=req.technician_id, actor=req.actor
                )
            )
            if req.technician_id is not None and result.technician_id is None:
                raise ApplicationError(result.explanation, type="AssignmentRejected")
            if not self._cancelled:
                self._apply_assignment(result)
        return self._state

    @assign.validator
    def _assign_ok(self, req: AssignRequest) -> None:
        self._validate(StaffAction.ASSIGN)

    @workflow.update(name=RepairUpdate.START)
    async def start(self, req: StartRequest) -> RepairStatus:
        """The assigned technician starts work on site."""
        with self._exclusive("start"):
            await self._set_status(WorkStatus.IN_PROGRESS, req.actor)
        return self._state

    @start.validator
    def _start_ok(self, req: StartRequest) -> None:
        self._validate(StaffAction.START)
        self._validate_technician(req.technician_id)

    @workflow.update(name=RepairUpdate.COMPLETE)
    async def complete(self, req: CompleteRequest) -> RepairStatus:
        """Record labor and parts, total the work order, mark it completed."""
        with self._exclusive("complete"):
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
        return self._state

    @complete.validator
    def _complete_ok(self, req: CompleteRequest) -> None:
        self._validate(StaffAction.COMPLETE)
        self._validate_technician(req.technician_id)

    @workflow.update(name=RepairUpdate.CANCEL)
    async def cancel(self, req: CancelRequest) -> RepairStatus:
        """Cancel before completion; revokes any open approval link."""
        with self._exclusive("cancel"):
            self._cancelled = True
            await self._set_status(WorkStatus.CANCELLED, req.actor, req.reason)
        return self._state

    @cancel.validator
    def _cancel_ok(self, req: CancelRequest) -> None:
        self._validate(StaffAction.CANCEL)
