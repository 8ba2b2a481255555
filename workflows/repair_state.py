"""RepairWorkflow's state and the one owner of a work order's status. Deterministic code only.

The workflow decides every status: :meth:`RepairState._take` applies it in memory first (so
validators and the ``status`` query see it at once) and :meth:`RepairState._set_status` then
persists it through the ``set_work_status`` activity, one write at a time and in the order taken.
So the database (what the API shows) never runs ahead of what the workflow accepts.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.contracts import repair as contract
    from domain.contracts.approval import ApproveRequest, DeclineRequest, PriceOverrideRequest
    from domain.contracts.repair import RepairInput, RepairStatus, SetStatusInput
    from domain.work_status import WorkStatus, applies

from workflows.kit import DB_CALL, SA_STATUS, ActivityCall

set_work_status = ActivityCall(contract.SET_WORK_STATUS, DB_CALL)

#: Patch ids (``workflow.patched``): histories recorded before each change replay unchanged.
#: Status writes are serialised from this patch on (runs recorded before it wrote concurrently).
PATCH_SERIAL_STATUS_WRITES = "serial-status-writes"
#: Prefix of the per-assignment patch: the workflow persists the status an assignment leads to.
#: One id per assignment, because ``patched`` answers once per id for the whole run, and a run
#: recorded before the change must still persist the status of an assignment made after it.
PATCH_WORKFLOW_OWNS_STATUS = "workflow-owns-status"
#: One approval deadline, fixed before the link is sent, drives the link's ``expires_at``, the
#: reminder and the expiry (runs recorded before it started their timers after each send).
PATCH_ONE_APPROVAL_DEADLINE = "one-approval-deadline"
#: The ``dispatch_replanned`` signal applies a DispatchWorkflow's new assignment (runs recorded
#: before it never received the signal; the patch marks histories that did).
PATCH_DISPATCH_REPLAN = "dispatch-replan"
#: a re-plan that arrives while a staff action or another re-plan is being applied waits for it
#: instead of being dropped (the record already holds the plan's technician and window)
PATCH_DISPATCH_REPLAN_WAITS = "dispatch-replan-waits"
#: Customer messages wait for the customer's contact windows (quiet hours) before they go out:
#: the approval link before its deadline is fixed, the reminder until the deadline.
PATCH_QUIET_HOURS = "quiet-hours"
#: The customer is told of approval, assignment and completion by his preferences (each update
#: waits for his contact window in a task of its own, so the repair never waits on it).
PATCH_STATUS_UPDATES = "customer-status-updates"
#: Completion starts the post-service survey, ``survey-{work_order_id}`` (an abandoned child).
PATCH_SURVEY = "post-service-survey"
#: An approved repair is inserted into its day's routes by the micro-batched ``insert_repair``
#: activity (issue 7) instead of the per-job CP-SAT ``assign_technician`` (runs recorded before
#: it scheduled the CP-SAT activity).
PATCH_BATCHED_INSERTION = "batched-insertion"


class RepairState:
    """The in-memory repair and its status handling; the approval step and RepairWorkflow build on it."""

    def __init__(self) -> None:
        self._state = RepairStatus(work_order_id="", status=WorkStatus.REQUESTED)
        self._input: RepairInput | None = None
        self._decision: ApproveRequest | DeclineRequest | None = None
        self._revision: int | None = None
        #: a price override sent while the customer has not answered: re-quoted like a revision
        self._override: PriceOverrideRequest | None = None
        #: a lot-walk repair whose walk's approval request expired unanswered
        self._walk_expired = False
        self._busy: str | None = None
        self._cancelled = False
        self._approval_open = False
        self._status_writes = asyncio.Lock()
        self._serial_writes = False
        self._assignments = 0
        self._announcements: list[asyncio.Future[None]] = []
        self._eta_told = False

    @property
    def status(self) -> WorkStatus:
        """The status the workflow has taken (ahead of, or equal to, the stored one)."""
        return self._state.status

    @property
    def inp(self) -> RepairInput:
        """The start input (set by the run method before any handler runs)."""
        assert self._input is not None
        return self._input

    @contextmanager
    def _exclusive(self, action: str) -> Iterator[None]:
        """Mark ``action`` in flight for its duration; validators refuse other actions meanwhile."""
        self._busy = action
        try:
            yield
        finally:
            self._busy = None

    @asynccontextmanager
    async def _writing_status(self) -> AsyncIterator[None]:
        """Serialise the activities that write ``work_orders.status``, so they land in the order
        the workflow took the statuses (a retried write can never overtake a later one). Runs
        recorded before ``PATCH_SERIAL_STATUS_WRITES`` keep writing as they did."""
        if not self._serial_writes:
            yield
            return
        async with self._status_writes:
            yield

    @property
    def _started(self) -> bool:
        """Whether the run method has begun (queries and updates before it are refused)."""
        return self._input is not None

    def _take(self, status: WorkStatus) -> None:
        """Take ``status`` in memory (terminal wins, ``domain.work_status.applies``)."""
        if applies(self._state.status, status):
            self._state.status = status
            workflow.upsert_search_attributes([SA_STATUS.value_set(status.value)])

    async def _set_status(self, status: WorkStatus, actor: str, reason: str | None = None) -> None:
        """Take ``status`` now, then persist it with an audit entry."""
        self._take(status)
        async with self._writing_status():
            await set_work_status(
                SetStatusInput(
                    work_order_id=self._state.work_order_id,
                    status=status,
                    actor=actor,
                    at=workflow.now(),
                    reason=reason,
                )
            )
