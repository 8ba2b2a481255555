"""RepairWorkflow: one repair request from its work order to completion (DESIGN.md workflow catalog).

The API has written the work order → quote → approval decision (an activity, so decision and
reasons are in the history) → auto/manager approval, or a customer link with reminder and expiry
(workflows/repair_approval.py) → insertion into the day's routes (OR-Tools model, batched) → start and complete by the technician
(updates) → completed work stays uninvoiced for batch invoicing. Cancel is allowed until
completion. Every staff action is an update whose validator refuses it in the wrong state; the
workflow owns the status (workflows/repair_state.py). Deterministic code only.
"""

from __future__ import annotations

import asyncio

from temporalio import workflow
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ActivityError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from domain.contracts import approval as approval_contract
    from domain.contracts import assignment as assignment_contract
    from domain.contracts import repair as contract
    from domain.contracts.approval import (
        ApprovalFailure,
        ApproveRequest,
        DeclineRequest,
        PriceOverrideRequest,
        RecordPriceOverrideInput,
        ReviseEstimateRequest,
    )
    from domain.contracts.assignment import (
        INSERT_REPAIR,
        AssignInput,
        AssignmentFailure,
        AssignRequest,
        AssignResult,
    )
    from domain.contracts.dispatch import REPLAN_SIGNAL, ReplanSignal
    from domain.contracts.lot_walk import LOT_WALK_DECISION_SIGNAL, LotWalkChildDecision
    from domain.contracts.repair import (
        ESTIMATE_UPDATE,
        STATUS_QUERY,
        CancelRequest,
        CompleteRequest,
        CompletionInput,
        CreateWorkOrderInput,
        RepairFailure,
        RepairInput,
        RepairStatus,
        StartRequest,
    )
    from domain.contracts.survey import SURVEY_WORKFLOW, SurveyInput, SurveyTimings, survey_workflow_id
    from domain.ids import REPAIR_WORKFLOW
    from domain.pricing import override_refusal
    from domain.work_status import (
        TERMINAL_STATUSES,
        InvalidTransition,
        StaffAction,
        WorkStatus,
        check_transition,
    )

from workflows.kit import (
    DB_CALL,
    OPTIMIZER_CALL,
    SA_AMOUNT,
    SA_CUSTOMER,
    SA_JOB_TYPE,
    SA_PRIORITY,
    SA_STATUS,
    SA_TECHNICIAN,
    ActivityCall,
    failure,
)
from workflows.repair_approval import ApprovalStep
from workflows.repair_state import (
    PATCH_BATCHED_INSERTION,
    PATCH_DISPATCH_REPLAN,
    PATCH_DISPATCH_REPLAN_WAITS,
    PATCH_SERIAL_STATUS_WRITES,
    PATCH_SURVEY,
    PATCH_WORKFLOW_OWNS_STATUS,
)
from workflows.repair_tracking import TrackingStep

create_work_order = ActivityCall(contract.CREATE_WORK_ORDER, DB_CALL)
record_completion = ActivityCall(contract.RECORD_COMPLETION, DB_CALL)
assign_technician = ActivityCall(assignment_contract.ASSIGN_TECHNICIAN, OPTIMIZER_CALL)
record_price_override = ActivityCall(approval_contract.RECORD_PRICE_OVERRIDE, DB_CALL)
insert_repair = ActivityCall(INSERT_REPAIR, OPTIMIZER_CALL)


@workflow.defn(name=REPAIR_WORKFLOW)
class RepairWorkflow(ApprovalStep, TrackingStep):
    """Durable process of one work order; ID ``repair-{work_order_id}``."""

    @workflow.run
    async def run(self, inp: RepairInput) -> RepairStatus:
        """Run the repair to a terminal status and return the final status."""
        self._input = inp
        self._state = RepairStatus(work_order_id=inp.work_order_id, status=WorkStatus.REQUESTED)
        self._serial_writes = workflow.patched(PATCH_SERIAL_STATUS_WRITES)
        workflow.upsert_search_attributes(
            [
                SA_CUSTOMER.value_set(str(inp.customer_id)),
                SA_JOB_TYPE.value_set(inp.job_type),
                SA_PRIORITY.value_set(inp.priority),
                SA_STATUS.value_set(WorkStatus.REQUESTED.value),
            ]
        )
        if inp.service_request_id is not None:
            # started by an API that did not write the work order yet: create it here (a no-op
            # when the row exists); today's API leaves service_request_id unset
            await create_work_order(
                CreateWorkOrderInput(
                    work_order_id=inp.work_order_id,
                    service_request_id=inp.service_request_id,
                    workflow_id=workflow.info().workflow_id,
                    customer_id=inp.customer_id,
                    job_type=inp.job_type,
                    priority=inp.priority,
                    scheduled_date=inp.scheduled_date,
                )
            )
        if await self._approve(inp):
            await self._auto_assign()
            await workflow.wait_condition(lambda: self.status in TERMINAL_STATUSES)
        await workflow.wait_condition(workflow.all_handlers_finished)
        if self._announcements:  # status updates still waiting for the customer's contact window
            await asyncio.gather(*self._announcements)
        return self._state

    # ---- assignment ----------------------------------------------------------------------

    async def _assign(self, inp: AssignInput) -> AssignResult:
        return await assign_technician(inp, task_queue=self.inp.optimizer_task_queue)

    async def _auto_assign(self) -> None:
        """Insert the approved repair into its day's routes (micro-batched with the repairs
        approved at the same time; behind ``PATCH_BATCHED_INSERTION``, before it the per-job
        CP-SAT model); when it finds nobody (or fails), wait for staff to assign by hand."""
        inp = AssignInput(work_order_id=self._state.work_order_id)
        try:
            if workflow.patched(PATCH_BATCHED_INSERTION):
                result = await insert_repair(inp, task_queue=self.inp.optimizer_task_queue)
            else:
                result = await self._assign(inp)
        except ActivityError as err:
            if not self._cancelled:
                await self._set_status(
                    WorkStatus.AWAITING_ASSIGNMENT, "workflow", f"assignment failed: {err.cause}"
                )
            return
        if not self._cancelled:
            await self._apply_assignment(result, "optimizer")

    async def _apply_assignment(self, result: AssignResult, actor: str) -> None:
        """Take the assignment (or its absence) and the status that follows, then persist the status."""
        if result.technician_id is None:
            self._state.technician_id = self._state.window_start = self._state.window_end = None
            workflow.upsert_search_attributes([SA_TECHNICIAN.value_unset()])
            status = WorkStatus.AWAITING_ASSIGNMENT
        else:
            self._state.technician_id = result.technician_id
            self._state.window_start, self._state.window_end = result.window_start, result.window_end
            workflow.upsert_search_attributes([SA_TECHNICIAN.value_set(result.technician_id)])
            status = WorkStatus.ASSIGNED
        self._assignments += 1
        if workflow.patched(f"{PATCH_WORKFLOW_OWNS_STATUS}-{self._assignments}"):
            await self._set_status(status, actor, result.explanation)
        else:  # runs recorded when the assignment activity wrote the status itself
            self._take(status)
        if status == WorkStatus.ASSIGNED:
            self._announce("assigned")  # once per repair (the message key); re-plans tell their own

    # ---- dispatch re-plan -----------------------------------------------------------------

    @workflow.signal(name=REPLAN_SIGNAL)
    async def dispatch_replanned(self, sig: ReplanSignal) -> None:
        """The day's DispatchWorkflow changed this repair's technician or window (it has written
        them). Taken only while the repair waits for or has an assignment; one that arrives while
        a staff action or another re-plan is being applied waits for it (behind
        ``PATCH_DISPATCH_REPLAN_WAITS``; before, it was dropped and the workflow kept the old
        technician while the record held the new one). The status it leads to (assigned, or
        awaiting assignment) is persisted as for any assignment. Behind ``PATCH_DISPATCH_REPLAN``
        (runs recorded before it never got it)."""
        if not self._started or self._cancelled:
            return
        if self._busy is not None:
            if not workflow.patched(PATCH_DISPATCH_REPLAN_WAITS):
                return
            while self._busy is not None:
                await workflow.wait_condition(lambda: self._busy is None)
        if self._cancelled or self.status not in (WorkStatus.ASSIGNED, WorkStatus.AWAITING_ASSIGNMENT):
            return
        if not workflow.patched(PATCH_DISPATCH_REPLAN):
            return
        with self._exclusive("dispatch"):
            await self._apply_assignment(
                AssignResult(
                    technician_id=sig.technician_id,
                    scheduled_date=sig.scheduled_date,
                    window_start=sig.window_start,
                    window_end=sig.window_end,
                    explanation=sig.explanation,
                ),
                "dispatch",
            )

    # ---- query and validators ------------------------------------------------------------

    @workflow.query(name=STATUS_QUERY)
    def get_status(self) -> RepairStatus:
        """Current status, estimate, approval and assignment."""
        if not self._started:
            raise failure(RepairFailure.NOT_STARTED, "workflow has not started yet")
        return self._state

    def _validate(self, action: StaffAction) -> None:
        if not self._started:
            raise failure(RepairFailure.NOT_STARTED, "workflow has not started yet")
        if self._busy is not None:
            raise failure(
                RepairFailure.INVALID_TRANSITION, f"another action ({self._busy}) is being applied; retry"
            )
        try:
            check_transition(action, self.status)
        except InvalidTransition as err:
            raise failure(RepairFailure.INVALID_TRANSITION, str(err)) from err

    def _validate_decision(self, version: int | None) -> None:
        if version is not None and version != self._state.estimate_version:
            raise failure(
                ApprovalFailure.STALE_ESTIMATE,
                f"estimate version {version} is not the current version {self._state.estimate_version}",
            )
        if (
            self._decision is not None
            or self._revision is not None
            or self._override is not None
            or not self._approval_open
        ):
            raise failure(
                RepairFailure.INVALID_TRANSITION, "the approval is closed, decided or being revised"
            )

    def _validate_technician(self, technician_id: str) -> None:
        if technician_id != self._state.technician_id:
            raise failure(
                RepairFailure.INVALID_TRANSITION,
                f"technician {technician_id} is not assigned to this repair (assigned: {self._state.technician_id})",
            )

    # ---- updates -------------------------------------------------------------------------

    async def _decide(self, req: ApproveRequest | DeclineRequest) -> RepairStatus:
        self._decision = req
        await workflow.wait_condition(lambda: self.status != WorkStatus.PENDING_APPROVAL)
        if self.status == WorkStatus.CANCELLED:
            raise failure(RepairFailure.INVALID_TRANSITION, "the repair was cancelled before the decision")
        return self._state

    @workflow.update(name=StaffAction.APPROVE)
    async def approve(self, req: ApproveRequest) -> RepairStatus:
        """Approve the pending estimate (customer link, or staff on the customer's behalf)."""
        return await self._decide(req)

    @approve.validator
    def _approve_ok(self, req: ApproveRequest) -> None:
        self._validate(StaffAction.APPROVE)
        self._validate_decision(req.estimate_version)

    @workflow.update(name=StaffAction.DECLINE)
    async def decline(self, req: DeclineRequest) -> RepairStatus:
        """Decline the pending estimate (customer link, or staff on the customer's behalf)."""
        return await self._decide(req)

    @decline.validator
    def _decline_ok(self, req: DeclineRequest) -> None:
        self._validate(StaffAction.DECLINE)
        self._validate_decision(req.estimate_version)

    @workflow.update(name=StaffAction.REVISE_ESTIMATE)
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
            raise failure(RepairFailure.INVALID_TRANSITION, "the repair was cancelled during the revision")
        return self._state

    @revise_estimate.validator
    def _revise_ok(self, req: ReviseEstimateRequest) -> None:
        self._validate(StaffAction.REVISE_ESTIMATE)
        self._validate_decision(None)

    @workflow.update(name=StaffAction.OVERRIDE_PRICE)
    async def override_price(self, req: PriceOverrideRequest) -> RepairStatus:
        """Set another price (seed 001 1.3). While the customer has not answered, the estimate is
        re-quoted at that price as a new version and decided again (the old link stops working,
        the customer approves the price he will pay). After approval the override is recorded on
        the work order without a new approval, which is why it may then only lower the price."""
        awaiting_approval = self.status == WorkStatus.PENDING_APPROVAL
        if awaiting_approval:
            old = self._state.estimate_version
            self._override = req
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
                raise failure(
                    RepairFailure.INVALID_TRANSITION, "the repair was cancelled during the override"
                )
            return self._state
        with self._exclusive("override_price"):
            result = await record_price_override(
                RecordPriceOverrideInput(
                    work_order_id=self._state.work_order_id, override=req, at=workflow.now()
                )
            )
            self._state.estimate_amount = result.amount
            self._state.cost_override = req.amount
        return self._state

    @override_price.validator
    def _override_price_ok(self, req: PriceOverrideRequest) -> None:
        self._validate(StaffAction.OVERRIDE_PRICE)
        pending = self.status == WorkStatus.PENDING_APPROVAL
        if pending:
            self._validate_decision(None)
        refusal = override_refusal(
            awaiting_approval=pending, approved_amount=self._state.estimate_amount, price=req.amount
        )
        if refusal is not None:
            raise failure(ApprovalFailure.OVERRIDE_REFUSED, refusal)

    @workflow.signal(name=LOT_WALK_DECISION_SIGNAL)
    def lot_walk_decision(self, decision: LotWalkChildDecision) -> None:
        """The walk's answer for this repair (seed 001 2.3): taken only while this repair waits
        for it and nothing else has decided it (a signal cannot be refused, so a late or
        duplicate one is ignored)."""
        if self._input is None or self._input.lot_walk_workflow_id is None:
            return
        if not self._approval_open or self._decision is not None or self._walk_expired:
            return
        if decision.outcome == "expire":
            self._walk_expired = True
        elif decision.outcome == "approve":
            self._decision = ApproveRequest(actor=decision.actor, reason=decision.reason)
        else:
            self._decision = DeclineRequest(actor=decision.actor, reason=decision.reason)

    @workflow.update(name=ESTIMATE_UPDATE)
    async def estimate(self) -> RepairStatus:
        """Answer once the first estimate is quoted and its approval decided (seed 001 2.2: the
        office tells the customer the price while he is on the phone). Issues no commands."""
        await workflow.wait_condition(lambda: self._started and self.status != WorkStatus.REQUESTED)
        return self._state

    @workflow.update(name=StaffAction.ASSIGN)
    async def assign(self, req: AssignRequest) -> RepairStatus:
        """Assign a named technician, or re-run the optimizer when ``technician_id`` is None.
        A named technician without room is refused and the current assignment stays."""
        with self._exclusive("assign"):
            result = await self._assign(
                AssignInput(
                    work_order_id=self._state.work_order_id, technician_id=req.technician_id, actor=req.actor
                )
            )
            if req.technician_id is not None and result.technician_id is None:
                raise failure(AssignmentFailure.ASSIGNMENT_REJECTED, result.explanation)
            if not self._cancelled:
                await self._apply_assignment(result, req.actor)
        return self._state

    @assign.validator
    def _assign_ok(self, req: AssignRequest) -> None:
        self._validate(StaffAction.ASSIGN)

    @workflow.update(name=StaffAction.START)
    async def start(self, req: StartRequest) -> RepairStatus:
        """The assigned technician starts work on site."""
        with self._exclusive("start"):
            await self._set_status(WorkStatus.IN_PROGRESS, req.actor)
        return self._state

    @start.validator
    def _start_ok(self, req: StartRequest) -> None:
        self._validate(StaffAction.START)
        self._validate_technician(req.technician_id)

    @workflow.update(name=StaffAction.COMPLETE)
    async def complete(self, req: CompleteRequest) -> RepairStatus:
        """Record labor and parts, total the work order, mark it completed."""
        with self._exclusive("complete"):
            async with self._writing_status():
                result = await record_completion(
                    CompletionInput(
                        work_order_id=self._state.work_order_id,
                        technician_id=req.technician_id,
                        labor_minutes=req.labor_minutes,
                        parts=req.parts,
                        completed_at=workflow.now(),
                        gallons_pumped=req.gallons_pumped,
                        tank_size_gallons=req.tank_size_gallons,
                    )
                )
            self._state.total_amount = result.total_amount
            workflow.upsert_search_attributes([SA_AMOUNT.value_set(float(result.total_amount))])
            self._take(WorkStatus.COMPLETED)
            self._announce("completed")
            await self._start_survey()
        return self._state

    async def _start_survey(self) -> None:
        """Start ``survey-{work_order_id}`` as a child left running when the repair completes
        (ABANDON), for runs started with survey timings and behind ``PATCH_SURVEY``."""
        durations = self.inp.durations
        if durations.survey_delay_seconds is None or not workflow.patched(PATCH_SURVEY):
            return
        try:
            await workflow.start_child_workflow(
                SURVEY_WORKFLOW,
                SurveyInput(
                    work_order_id=self._state.work_order_id,
                    customer_id=self.inp.customer_id,
                    timings=SurveyTimings(
                        delay_seconds=durations.survey_delay_seconds,
                        reminder_seconds=durations.survey_reminder_seconds,
                        expiry_seconds=durations.survey_expiry_seconds,
                        hold_recheck_seconds=durations.survey_hold_recheck_seconds,
                    ),
                ),
                id=survey_workflow_id(self._state.work_order_id),
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                static_summary=f"Post-service survey of {self._state.work_order_id}",
            )
        except WorkflowAlreadyStartedError:
            pass  # a survey of this job exists already

    @complete.validator
    def _complete_ok(self, req: CompleteRequest) -> None:
        self._validate(StaffAction.COMPLETE)
        self._validate_technician(req.technician_id)

    @workflow.update(name=StaffAction.CANCEL)
    async def cancel(self, req: CancelRequest) -> RepairStatus:
        """Cancel before completion; revokes any open approval link."""
        with self._exclusive("cancel"):
            self._cancelled = True
            await self._set_status(WorkStatus.CANCELLED, req.actor, req.reason)
        return self._state

    @cancel.validator
    def _cancel_ok(self, req: CancelRequest) -> None:
        self._validate(StaffAction.CANCEL)
