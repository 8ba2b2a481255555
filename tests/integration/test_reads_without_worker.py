"""A read of an open repair while no worker runs answers from the database within the query
timeout (the status query needs a worker; it used to wait until the HTTP client gave up)."""

from __future__ import annotations

import asyncio
import time
import uuid
from types import SimpleNamespace

import pytest

from api.services.repairs import live_status

pytestmark = pytest.mark.integration


async def test_status_query_without_a_worker_falls_back_quickly(stack):
    workflow_id = f"repair-noworker-{uuid.uuid4().hex[:8]}"
    await stack.client.start_workflow(
        "RepairWorkflow", {"work_order_id": "WO-none"}, id=workflow_id, task_queue="nobody-polls-this"
    )
    try:
        began = time.monotonic()
        live, note = await asyncio.wait_for(
            live_status(stack.client, work_order=SimpleNamespace(workflow_id=workflow_id), timeout_s=1),
            timeout=15,
        )
        assert live is None and "read from the database" in note, note
        assert time.monotonic() - began < 10
    finally:
        await stack.client.get_workflow_handle(workflow_id).terminate("test over")
