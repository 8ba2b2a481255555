"""LotWalkWorkflow on the time-skipping server: walker, findings, child repairs priced by
position, mixed approval (auto, link-approved, link-declined, expired), one approval request."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from decimal import Decimal

import pytest
import pytest_asyncio
from temporalio import activity
from temporalio.client import WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.contracts import lot_walk as contract
from domain.contracts.approval import ApprovalDecisionInput, ApprovalDecisionResult, QuoteInput, QuoteResult
from domain.contracts.assignment import AssignInput, AssignResult
from domain.contracts.lot_walk import (
    DECISIONS_UPDATE,
    FINDINGS_UPDATE,
    LOT_WALK_QUERY,
    CloseLotWalkInput,
    DecisionsRequest,
    FindingsRequest,
    FoundUnit,
    LotWalkApprovalInput,
    LotWalkInput,
    LotWalkState,
    LotWalkStateInput,
    LotWalkStatus,
    NoticeInput,
    OpenLotWalkInput,
    OpenLotWalkResult,
    RecordFindingsInput,
    RecordFindingsResult,
    RepairDecision,
)
from domain.contracts.repair import CompleteRequest, StartRequest
from domain.pricing import repair_tier_price
from tests.conftest import wheel_binary
from tests.workflows.conftest import register_search_attributes
from tests.workflows.stubs import ActivityName, StubActivities
from workflows.lot_walk import LotWalkWorkflow
from workflows.repair import RepairWorkflow

HOUR = 3600


@pytest_asyncio.fixture
async def env():
    """A time-skipping server of this test's own: a walk's children, signals and 72 h deadlines
    cannot hold time skipping for the other workflow tests on the shared server."""
    environment = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=wheel_binary("temporal-test-server"),
    )
    await register_search_attributes(environment)
    yield environment
    await environment.shutdown()


class WalkStubs(StubActivities):
    """Repair stubs priced by position (catalog $95 + the tier) and decided by the lot-walk rule
    with a $120 limit and the photo rule; plus the lot walk's own activities."""

    def __init__(self, *, preferred: list[str], room_for: set[str]) -> None:
        super().__init__()
        self.preferred = preferred
        self.room_for = room_for
        self.walk_states: list[LotWalkState] = []
        self.closed: list[CloseLotWalkInput] = []
        self.approval_requests: list[LotWalkApprovalInput] = []
        self.notices: list[NoticeInput] = []

    @activity.defn(name=ActivityName.QUOTE_WORK_ORDER)
    async def quote_work_order(self, inp: QuoteInput) -> QuoteResult:
        self._log(ActivityName.QUOTE_WORK_ORDER, inp)
        return QuoteResult(
            estimate_version=inp.target_version,
            amount=Decimal("95.00") + repair_tier_price(inp.first_repair_position),
        )

    @activity.defn(name=ActivityName.DECIDE_APPROVAL)
    async def decide_approval(self, inp: ApprovalDecisionInput) -> ApprovalDecisionResult:
        self._log(ActivityName.DECIDE_APPROVAL, inp)
        assert inp.from_lot_walk
        if inp.amount <= Decimal("130.00") and inp.has_photo:
            return ApprovalDecisionResult(
                mode="auto_customer_limit", approved=True, approved_by="policy:auto", reasons=["within"]
            )
        return ApprovalDecisionResult(mode="customer", approved=False, approved_by=None, reasons=["over"])

    @activity.defn(name=ActivityName.ASSIGN_TECHNICIAN)
    async def assign_technician(self, inp: AssignInput) -> AssignResult:
        if inp.technician_id is not None and inp.technician_id not in self.room_for:
            self._log("assign_walker_refused", inp)
            return AssignResult(technician_id=None, explanation=f"{inp.technician_id} has no room")
        return await super().assign_technician(inp)

    @activity.defn(name=contract.OPEN_LOT_WALK.name)
    async def open_lot_walk(self, inp: OpenLotWalkInput) -> OpenLotWalkResult:
        self._log(contract.OPEN_LOT_WALK.name, inp)
        return OpenLotWalkResult(
            visit_work_order_id="WO-20261125-0900", preferred_technician_ids=self.preferred
        )

    @activity.defn(name=contract.SET_LOT_WALK_STATE.name)
    async def set_lot_walk_state(self, inp: LotWalkStateInput) -> None:
        self.walk_states.append(inp.state)

    @activity.defn(name=contract.SEND_LOT_WALK_NOTICE.name)
    async def send_lot_walk_notice(self, inp: NoticeInput) -> None:
        self.notices.append(inp)

    @activity.defn(name=contract.RECORD_FINDINGS.name)
    async def record_lot_walk_findings(self, inp: RecordFindingsInput) -> RecordFindingsResult:
        ids, photos, n = [], [], 900
        for unit in inp.findings.units:
            for _ in unit.repairs:
                n += 1
                ids.append(f"WO-20261125-{uuid.uuid4().hex[:6].upper()}{n:04d}")
                photos.append(bool(unit.photos))
        return RecordFindingsResult(work_order_ids=ids, has_photo=photos, scheduled_date=date(2026, 11, 26))

    @activity.defn(name=contract.REQUEST_LOT_WALK_APPROVAL.name)
    async def request_lot_walk_approval(self, inp: LotWalkApprovalInput) -> None:
        self.approval_requests.append(inp)

    @activity.defn(name=contract.CLOSE_LOT_WALK.name)
    async def close_lot_walk(self, inp: CloseLotWalkInput) -> None:
        self.closed.append(inp)

    def all(self) -> list:
        return [
            *super().all(),
            self.open_lot_walk,
            self.set_lot_walk_state,
            self.send_lot_walk_notice,
            self.record_lot_walk_findings,
            self.request_lot_walk_approval,
            self.close_lot_walk,
        ]


def walk_input(task_queue: str) -> LotWalkInput:
    return LotWalkInput(
        customer_id=7,
        walk_date=date(2026, 11, 25),
        requested_by="schedule",
        findings_wait_seconds=36 * HOUR,
        approval_reminder_seconds=24 * HOUR,
        approval_expiry_seconds=72 * HOUR,
        optimizer_task_queue=f"{task_queue}-opt",
    )


PHOTO = "https://photos.example.com/truck.jpg"


async def status(handle) -> LotWalkStatus:
    return await handle.query(LOT_WALK_QUERY, result_type=LotWalkStatus)


async def wait_state(handle, wanted: LotWalkState) -> LotWalkStatus:
    for _ in range(1200):  # up to 60 s: the first workflow test also waits for the server to start
        try:
            state = await status(handle)
        except Exception:
            await asyncio.sleep(0.05)
            continue
        if state.state == wanted:
            return state
        await asyncio.sleep(0.05)
    raise AssertionError(f"walk never reached {wanted}")


async def test_lot_walk_with_mixed_approval(env, task_queue):
    stubs = WalkStubs(preferred=["T-007", "T-002"], room_for={"T-002"})
    inp = walk_input(task_queue)
    walk_id = f"lot-walk-7-2026-11-25-{uuid.uuid4().hex[:6]}"
    async with (
        Worker(
            env.client,
            task_queue=task_queue,
            workflows=[LotWalkWorkflow, RepairWorkflow],
            activities=stubs.all(),
        ),
        Worker(env.client, task_queue=inp.optimizer_task_queue, activities=stubs.optimizer()),
    ):
        handle = await env.client.start_workflow(LotWalkWorkflow.run, inp, id=walk_id, task_queue=task_queue)
        walking = await wait_state(handle, LotWalkState.WALKER_ASSIGNED)
        # preferred T-007 has no room: the next preferred walks; the notice follows the assignment
        for _ in range(100):
            if stubs.notices:
                break
            await asyncio.sleep(0.05)
        assert walking.technician_id == "T-002" and len(stubs.notices) == 1

        with pytest.raises(WorkflowUpdateFailedError):  # another technician cannot record them
            await handle.execute_update(
                FINDINGS_UPDATE,
                FindingsRequest(
                    actor="t", technician_id="T-003", units=[FoundUnit(unit="Van 1", repairs=["x"])]
                ),
                result_type=LotWalkStatus,
            )
        with pytest.raises(WorkflowUpdateFailedError):  # a unit twice
            await handle.execute_update(
                FINDINGS_UPDATE,
                FindingsRequest(
                    actor="t",
                    units=[FoundUnit(unit="Van 1", repairs=["x"]), FoundUnit(unit="van 1", repairs=["y"])],
                ),
                result_type=LotWalkStatus,
            )
        findings = FindingsRequest(
            actor="technician:T-002",
            technician_id="T-002",
            units=[
                # positions 1-2: $145, $135 (over $130): customer; position 3 $130 with photo: auto
                FoundUnit(unit="Truck 12", repairs=["brake light", "mirror"], photos=[PHOTO]),
                FoundUnit(unit="Truck 14", repairs=["wiper"], photos=[PHOTO]),
                # positions 4-5: $125 and $120 without photo: customer
                FoundUnit(unit="Van 3", repairs=["door seal", "horn"], notes="rust on the step"),
            ],
        )
        started = await handle.execute_update(FINDINGS_UPDATE, findings, result_type=LotWalkStatus)
        assert [r.position for r in started.repairs] == [1, 2, 3, 4, 5]
        asking = await wait_state(handle, LotWalkState.AWAITING_APPROVAL)
        ids = [r.work_order_id for r in asking.repairs]
        assert [r.amount for r in asking.repairs] == [
            Decimal("145.00"),
            Decimal("135.00"),
            Decimal("130.00"),
            Decimal("125.00"),
            Decimal("120.00"),
        ]
        # ONE approval request listing the four that wait; no child sent a link of its own
        for _ in range(1200):
            if stubs.approval_requests:
                break
            await asyncio.sleep(0.05)
        (request,) = stubs.approval_requests
        assert request.work_order_ids == [ids[0], ids[1], ids[3], ids[4]]
        assert ActivityName.REQUEST_CUSTOMER_APPROVAL not in stubs.names()

        with pytest.raises(WorkflowUpdateFailedError):  # the auto-approved one does not wait
            await handle.execute_update(
                DECISIONS_UPDATE,
                DecisionsRequest(
                    actor="customer:7:lot-walk-link",
                    decisions=[RepairDecision(work_order_id=ids[2], approve=True)],
                ),
                result_type=LotWalkStatus,
            )
        await handle.execute_update(
            DECISIONS_UPDATE,
            DecisionsRequest(
                actor="customer:7:lot-walk-link",
                decisions=[
                    RepairDecision(work_order_id=ids[0], approve=True),
                    RepairDecision(work_order_id=ids[1], approve=False),
                    RepairDecision(work_order_id=ids[3], approve=True),
                ],
            ),
            result_type=LotWalkStatus,
        )
        # ids[4] stays unanswered and expires at the link's deadline (72 h, skipped);
        # the approved ones (1, 3, 4) are worked and completed by the walker
        for wo in (ids[0], ids[2], ids[3]):
            child = env.client.get_workflow_handle(f"repair-{wo}")
            for _ in range(1200):
                if (await child.query(RepairWorkflow.get_status)).status == "assigned":
                    break
                await asyncio.sleep(0.05)
            await child.execute_update(RepairWorkflow.start, StartRequest(actor="t", technician_id="T-001"))
            await child.execute_update(
                RepairWorkflow.complete, CompleteRequest(actor="t", technician_id="T-001", labor_minutes=30)
            )
        result = LotWalkStatus.model_validate(await handle.result())

    assert result.state == LotWalkState.CLOSED
    summary = result.summary
    assert summary is not None
    assert (summary.found, summary.auto_approved, summary.approved, summary.declined, summary.completed) == (
        5,
        1,
        2,
        2,
        3,
    )
    # completed totals: the stub completes at its base amount ($180) each
    assert summary.amount == Decimal("540.00")
    (closed,) = stubs.closed
    assert closed.summary == summary
    statuses = {r.work_order_id: r.status for r in result.repairs}
    assert [statuses[i] for i in ids] == ["completed", "declined", "completed", "completed", "expired"]
    positions = [a.first_repair_position for n, a in stubs.calls if n == ActivityName.QUOTE_WORK_ORDER]
    assert sorted(positions) == [1, 2, 3, 4, 5]
    assert stubs.walk_states[:3] == [
        LotWalkState.WALKER_ASSIGNED,
        LotWalkState.REPAIRS_STARTED,
        LotWalkState.AWAITING_APPROVAL,
    ]


async def test_a_walk_without_findings_closes_as_not_walked(env, task_queue):
    stubs = WalkStubs(preferred=[], room_for=set())
    inp = walk_input(task_queue)
    async with (
        Worker(env.client, task_queue=task_queue, workflows=[LotWalkWorkflow], activities=stubs.all()),
        Worker(env.client, task_queue=inp.optimizer_task_queue, activities=stubs.optimizer()),
    ):
        handle = await env.client.start_workflow(
            LotWalkWorkflow.run, inp, id=f"lot-walk-7-x-{uuid.uuid4().hex[:6]}", task_queue=task_queue
        )
        result = LotWalkStatus.model_validate(await handle.result())
    assert result.state == LotWalkState.NOT_WALKED and result.technician_id == "T-001"  # the optimizer's pick
    assert result.summary is not None and result.summary.found == 0
    visit = [a.status for n, a in stubs.calls if n == ActivityName.SET_WORK_STATUS]
    assert visit == ["assigned", "cancelled"]


async def test_a_scheduled_run_starts_the_days_walk_once(env, task_queue):
    stubs = WalkStubs(preferred=[], room_for=set())
    # the day's walk gets no findings and ends on its own after 1 s (nothing is left open)
    inp = walk_input(task_queue).model_copy(
        update={"walk_date": None, "time_zone": "America/Chicago", "findings_wait_seconds": 1}
    )
    async with (
        Worker(env.client, task_queue=task_queue, workflows=[LotWalkWorkflow], activities=stubs.all()),
        Worker(env.client, task_queue=inp.optimizer_task_queue, activities=stubs.optimizer()),
    ):
        first = await env.client.start_workflow(
            LotWalkWorkflow.run, inp, id=f"lot-walk-7-scheduled-{uuid.uuid4().hex[:6]}", task_queue=task_queue
        )
        started = LotWalkStatus.model_validate(await first.result())
        assert started.lot_walk_id.startswith("lot-walk-7-")
        # the schedule fires again the same day: the walk already exists and is left alone
        second = await env.client.start_workflow(
            LotWalkWorkflow.run, inp, id=f"lot-walk-7-scheduled-{uuid.uuid4().hex[:6]}", task_queue=task_queue
        )
        assert LotWalkStatus.model_validate(await second.result()).lot_walk_id == started.lot_walk_id
        walk = env.client.get_workflow_handle(started.lot_walk_id)
        for _ in range(1200):
            if (await walk.describe()).status == WorkflowExecutionStatus.COMPLETED:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the day's walk never ended")
    opened = [a for n, a in stubs.calls if n == contract.OPEN_LOT_WALK.name]
    assert len(opened) == 1 and opened[0].requested_by == "schedule"
