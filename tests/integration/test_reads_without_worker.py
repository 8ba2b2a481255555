"""A read of an open repair while no worker runs answers from the database within the query
timeout (the status query needs a worker; it used to wait until the HTTP client gave up)."""

from __future__ import annotations

import asyncio
import time
import uuid
from types import SimpleNamespace

import httpx
import pytest

from api.services.repair_live import live_status

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


async def test_a_slow_temporal_answer_does_not_hold_a_database_connection(stack, database):
    """With a one-connection pool, a read of a repair whose workflow cannot answer (no worker)
    must not keep that connection while it waits: a customer read meanwhile answers at once."""
    from sqlalchemy import create_engine, text

    from api.app import create_app
    from db.session import make_session_factory, normalize_url
    from tests.integration.test_repair_api import new_customer

    customer = await new_customer(stack)
    r = await stack.http.post(
        "/api/v1/repairs", json={"customer_id": customer, "job_type": "inspection"}, headers=stack.office
    )
    wo = r.json()["id"]
    stuck = f"repair-stuck-{uuid.uuid4().hex[:8]}"
    await stack.client.start_workflow(
        "RepairWorkflow", {"work_order_id": wo}, id=stuck, task_queue="nobody-polls-this"
    )
    engine = create_engine(normalize_url(database.url), pool_size=1, max_overflow=0, pool_timeout=20)
    with engine.begin() as conn:  # point the record at the workflow no worker serves
        conn.execute(
            text("UPDATE work_orders SET workflow_id = :w, status = 'pending_approval' WHERE id = :id"),
            {"w": stuck, "id": wo},
        )
    app = create_app(stack.settings, sessions=make_session_factory(engine), temporal=stack.client)
    app.state.sessions, app.state.temporal, app.state.settings = (
        make_session_factory(engine),
        stack.client,
        stack.settings,
    )
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            slow = asyncio.create_task(http.get(f"/api/v1/repairs/{wo}", headers=stack.office))
            await asyncio.sleep(0.5)  # the repair read is now waiting on Temporal
            fast = await http.get(f"/api/v1/customers/{customer}", headers=stack.office)
            assert fast.status_code == 200, fast.text
            # answered while the repair read still waits: the pool's one connection was free
            assert not slow.done(), "the customer read had to wait for the repair read's connection"
            detail = await slow
            assert detail.status_code == 200 and "read from the database" in detail.json()["workflow_note"]
    finally:
        await stack.client.get_workflow_handle(stuck).terminate("test over")
        engine.dispose()


async def test_an_action_no_worker_answers_is_a_503_not_a_hang(stack, database, monkeypatch):
    """An update needs a worker to accept it; with none, the action answers 503 + Retry-After
    after ``UPDATE_TIMEOUT_S`` instead of waiting forever (or a 500 on the client's timeout)."""
    from sqlalchemy import create_engine, text

    from api.services import repair_live as service
    from db.session import normalize_url
    from tests.integration.test_repair_api import new_customer

    monkeypatch.setattr(service, "UPDATE_TIMEOUT_S", 1.0)
    customer = await new_customer(stack)
    r = await stack.http.post(
        "/api/v1/repairs", json={"customer_id": customer, "job_type": "inspection"}, headers=stack.office
    )
    wo = r.json()["id"]
    stuck = f"repair-stuck-{uuid.uuid4().hex[:8]}"
    await stack.client.start_workflow(
        "RepairWorkflow", {"work_order_id": wo}, id=stuck, task_queue="nobody-polls-this"
    )
    engine = create_engine(normalize_url(database.url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE work_orders SET workflow_id = :w WHERE id = :id"), {"w": stuck, "id": wo})
    engine.dispose()
    try:
        cancel = await asyncio.wait_for(
            stack.http.post(f"/api/v1/repairs/{wo}/cancel", json={"reason": "x"}, headers=stack.office),
            timeout=20,
        )
        assert cancel.status_code == 503, cancel.text
        assert cancel.headers["retry-after"] and "did not answer" in cancel.json()["detail"]
    finally:
        await stack.client.get_workflow_handle(stuck).terminate("test over")
