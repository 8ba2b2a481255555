"""RepairWorkflow's price override (seed 001 1.3) and upfront estimate update (seed 001 2.2)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
import pytest_asyncio
from temporalio.client import WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from domain.contracts.approval import ApproveRequest, PriceOverrideRequest
from domain.contracts.repair import ESTIMATE_UPDATE, CancelRequest, RepairStatus
from domain.work_status import WorkStatus
from tests.conftest import wheel_binary
from tests.workflows.conftest import register_search_attributes
from tests.workflows.stubs import ActivityName, StubActivities
from tests.workflows.test_repair_workflow import repair_input, running, wait_for, work_to_completion
from workflows.repair import RepairWorkflow


async def end(handle, env) -> None:
    """End a run left open once it is assigned (cancel), so nothing of it waits for a worker
    that is gone: the shared time-skipping server skips time only when nothing is outstanding."""
    await wait_for(handle, WorkStatus.ASSIGNED, env)
    await handle.execute_update(RepairWorkflow.cancel, CancelRequest(actor="office"))
    await handle.result()


def override(amount: str, reason: str = "loyal fleet customer") -> PriceOverrideRequest:
    return PriceOverrideRequest(actor="staff:1", amount=Decimal(amount), reason=reason)


@pytest_asyncio.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of each test's own (overrides the shared one): an override test
    that ends while its repair still waits held the shared server's clock, and a later test in
    tests/workflows once waited forever."""
    environment = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=wheel_binary("temporal-test-server"),
    )
    await register_search_attributes(environment)
    yield environment
    await environment.shutdown()


async def test_estimate_update_answers_once_the_approval_is_decided(env, task_queue):
    stubs = StubActivities()
    async with running(env, task_queue, stubs, repair_input(101)) as handle:
        state = await handle.execute_update(ESTIMATE_UPDATE, result_type=RepairStatus)
        assert state.status == WorkStatus.PENDING_APPROVAL
        assert state.estimate_amount == Decimal("180.00") and state.approval_mode == "customer"
        await handle.execute_update(RepairWorkflow.approve, ApproveRequest(actor="staff:1"))
        # asked again later (an Idempotency-Key retry), it answers at once with the current state
        again = await handle.execute_update(ESTIMATE_UPDATE, result_type=RepairStatus)
        assert again.status != WorkStatus.PENDING_APPROVAL
        await end(handle, env)
    auto = StubActivities(auto_approve=True)
    async with running(env, task_queue, auto, repair_input(102)) as handle:
        state = await handle.execute_update(ESTIMATE_UPDATE, result_type=RepairStatus)
        assert state.status != WorkStatus.REQUESTED and state.approval_mode == "auto_customer_limit"
        await end(handle, env)


async def test_override_while_pending_requotes_and_sends_a_new_link(env, task_queue):
    stubs = StubActivities()
    async with running(env, task_queue, stubs, repair_input(103)) as handle:
        await wait_for(handle, WorkStatus.PENDING_APPROVAL, env)
        state = await handle.execute_update(RepairWorkflow.override_price, override("150.00"))
        assert state.estimate_version == 2 and state.estimate_amount == Decimal("150.00")
        assert state.cost_override == Decimal("150.00") and state.status == WorkStatus.PENDING_APPROVAL
        # the customer approves the overridden price, through the new version's link once it is
        # sent (an answer before the send would leave the link unsent: see test_quiet_hours)
        for _ in range(100):
            if any(
                n == ActivityName.REQUEST_CUSTOMER_APPROVAL and a.estimate_version == 2
                for n, a in stubs.calls
            ):
                break
            await asyncio.sleep(0.05)
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update(
                RepairWorkflow.approve, ApproveRequest(actor="customer:7:link", estimate_version=1)
            )
        await handle.execute_update(
            RepairWorkflow.approve, ApproveRequest(actor="customer:7:link", estimate_version=2)
        )
        done = await work_to_completion(handle, env)
        assert done.status == WorkStatus.COMPLETED
    quotes = [a for n, a in stubs.calls if n == ActivityName.QUOTE_WORK_ORDER]
    assert [q.price_override for q in quotes] == [None, override("150.00")]
    assert quotes[1].repair_count is None  # the stored repair count is kept
    links = [a.estimate_version for n, a in stubs.calls if n == ActivityName.REQUEST_CUSTOMER_APPROVAL]
    assert links == [1, 2]


async def test_override_into_the_auto_approve_limit_is_approved_at_once(env, task_queue):
    stubs = StubActivities()
    async with running(env, task_queue, stubs, repair_input(104)) as handle:
        await wait_for(handle, WorkStatus.PENDING_APPROVAL, env)
        state = await handle.execute_update(RepairWorkflow.override_price, override("90.00"))
        assert state.status in (WorkStatus.APPROVED, WorkStatus.ASSIGNED)
        assert state.approval_mode == "auto_customer_limit"
        await end(handle, env)


async def test_after_approval_an_override_may_only_lower_the_price(env, task_queue):
    stubs = StubActivities(auto_approve=True)
    async with running(env, task_queue, stubs, repair_input(105)) as handle:
        await wait_for(handle, WorkStatus.ASSIGNED, env)
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await handle.execute_update(RepairWorkflow.override_price, override("181.00"))
        assert err.value.cause.type == "PriceOverrideRefused"
        state = await handle.execute_update(RepairWorkflow.override_price, override("120.00"))
        assert state.estimate_amount == Decimal("120.00") and state.cost_override == Decimal("120.00")
        assert state.status == WorkStatus.ASSIGNED and state.estimate_version == 1  # no re-approval
        done = await work_to_completion(handle, env)
        assert done.status == WorkStatus.COMPLETED
        # completed work is the billing helper's: the run has ended, no override any more
        with pytest.raises(RPCError):
            await handle.execute_update(RepairWorkflow.override_price, override("100.00"))
    (recorded,) = [a for n, a in stubs.calls if n == ActivityName.RECORD_PRICE_OVERRIDE]
    assert recorded.override.amount == Decimal("120.00")
    assert ActivityName.REQUEST_CUSTOMER_APPROVAL not in stubs.names()
