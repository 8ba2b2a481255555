"""RepairWorkflow's live tracking: "on my way" tells the customer once and keeps the newest ETA;
it is refused before assignment or for another technician; the arrival signal is kept once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from domain.contracts.repair import RepairStatus
from domain.contracts.tracking import ARRIVED_SIGNAL, ON_MY_WAY_UPDATE, ArrivalSignal, OnMyWayRequest
from domain.work_status import WorkStatus
from tests.workflows.stubs import ActivityName, StubActivities
from tests.workflows.test_repair_workflow import repair_input, running, wait_for
from workflows.repair import RepairWorkflow

ETA = datetime(2026, 11, 23, 15, 20, tzinfo=UTC)


def on_my_way(technician_id: str, eta: datetime = ETA) -> OnMyWayRequest:
    return OnMyWayRequest(actor="t", technician_id=technician_id, eta=eta)


async def test_on_my_way_tells_the_customer_once_and_arrival_is_kept(env, task_queue):
    stubs = StubActivities(auto_approve=True)
    async with running(env, task_queue, stubs, repair_input(71)) as handle:
        await wait_for(handle, WorkStatus.ASSIGNED, env)
        first = await handle.execute_update(ON_MY_WAY_UPDATE, on_my_way("T-001"), result_type=RepairStatus)
        later = ETA + timedelta(minutes=10)
        second = await handle.execute_update(
            ON_MY_WAY_UPDATE, on_my_way("T-001", later), result_type=RepairStatus
        )
        assert first.eta == ETA and second.eta == later
        notices = [a.event for n, a in stubs.calls if n == ActivityName.NOTIFY_CUSTOMER]
        assert notices == ["on_the_way"]
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await handle.execute_update(ON_MY_WAY_UPDATE, on_my_way("T-002"), result_type=RepairStatus)
        assert "not assigned" in err.value.cause.message
        at = datetime(2026, 11, 23, 15, 25, tzinfo=UTC)
        await handle.signal(ARRIVED_SIGNAL, ArrivalSignal(technician_id="T-002", at=at))  # not his job
        await handle.signal(ARRIVED_SIGNAL, ArrivalSignal(technician_id="T-001", at=at))
        await handle.signal(ARRIVED_SIGNAL, ArrivalSignal(technician_id="T-001", at=at + timedelta(hours=1)))
        for _ in range(100):
            state = await handle.query(RepairWorkflow.get_status)
            if state.arrived_at is not None:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        assert (await handle.query(RepairWorkflow.get_status)).arrived_at == at


async def test_on_my_way_before_assignment_is_refused(env, task_queue):
    stubs = StubActivities()  # waits for the customer's approval
    async with running(env, task_queue, stubs, repair_input(72)) as handle:
        await wait_for(handle, WorkStatus.PENDING_APPROVAL, env)
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await handle.execute_update(ON_MY_WAY_UPDATE, on_my_way("T-001"), result_type=RepairStatus)
        assert "only an assigned repair" in err.value.cause.message
        assert ActivityName.NOTIFY_CUSTOMER not in stubs.names()
