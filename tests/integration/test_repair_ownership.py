"""The foundation issue's defects, through the HTTP API on the real stack: the status the API
shows is one the workflow accepts, closed repairs are read from the database, Idempotency-Keys
are scoped to the caller, and a failed workflow start leaves nothing behind."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Staff, create_api_key
from api.errors import Problem
from api.schemas.repairs import RepairCreate
from api.services import repairs as service
from db.models import ServiceRequest, WorkOrder
from db.session import transaction
from domain.access import EVERYTHING
from tests.integration.test_repair_api import new_customer, wait_status

pytestmark = pytest.mark.integration


async def test_start_races_assignment_and_is_never_refused(stack):
    """A technician starts the job the moment the API shows it assigned: never a 409."""
    customer = await new_customer(stack, max_auto_approve_amount="900.00", require_photo_for_approval=False)

    async def one(n: int) -> tuple[int, str]:
        r = await stack.http.post(
            "/api/v1/repairs",
            json={"customer_id": customer, "job_type": "maintenance", "description": f"race {n}"},
            headers=stack.office,
        )
        assert r.status_code == 201, r.text
        wo = r.json()["id"]
        while True:  # poll as a technician app would, and start at the first sight of "assigned"
            state = (await stack.http.get(f"/api/v1/repairs/{wo}", headers=stack.office)).json()
            if state["status"] == "assigned":
                break
            assert state["status"] in ("requested", "approved"), state["status"]
            await asyncio.sleep(0.02)
        tech = {"X-API-Key": stack.tech_keys[state["technician_id"]]}
        started = await stack.http.post(f"/api/v1/repairs/{wo}/start", json={}, headers=tech)
        await stack.http.post(f"/api/v1/repairs/{wo}/cancel", json={}, headers=stack.office)
        return started.status_code, started.text

    results = await asyncio.gather(*(one(n) for n in range(8)))
    assert [code for code, _ in results] == [200] * 8, [text for code, text in results if code != 200]


async def test_a_closed_repair_is_read_from_the_database(stack):
    customer = await new_customer(stack, max_auto_approve_amount="900.00", require_photo_for_approval=False)
    r = await stack.http.post(
        "/api/v1/repairs", json={"customer_id": customer, "job_type": "maintenance"}, headers=stack.office
    )
    wo = r.json()["id"]
    await wait_status(stack, wo, {"assigned"})
    live = (await stack.http.get(f"/api/v1/repairs/{wo}", headers=stack.office)).json()
    assert live["workflow"]["status"] == "assigned" and live["workflow_note"] is None
    await stack.http.post(f"/api/v1/repairs/{wo}/cancel", json={"reason": "dup"}, headers=stack.office)
    handle = stack.client.get_workflow_handle(f"repair-{wo}")
    await handle.result()
    closed = (await stack.http.get(f"/api/v1/repairs/{wo}", headers=stack.office)).json()
    assert closed["status"] == "cancelled" and closed["workflow"]["status"] == "cancelled"
    assert closed["workflow"]["technician_id"] == live["technician_id"]
    assert closed["workflow_note"] == "ended: read from the database"


async def test_idempotency_keys_are_scoped_to_the_caller(stack):
    customer = await new_customer(stack)
    with transaction(stack.sessions) as session:
        other_office = {"X-API-Key": create_api_key(session, name="second office", role="office")}
    body = {"customer_id": customer, "job_type": "repair"}
    key = {"Idempotency-Key": "shared-key-0001"}
    mine = await stack.http.post("/api/v1/repairs", json=body, headers={**stack.office, **key})
    again = await stack.http.post("/api/v1/repairs", json=body, headers={**stack.office, **key})
    theirs = await stack.http.post("/api/v1/repairs", json=body, headers={**other_office, **key})
    assert mine.status_code == again.status_code == theirs.status_code == 201, theirs.text
    assert mine.json()["id"] == again.json()["id"] != theirs.json()["id"]
    different = await stack.http.post(
        "/api/v1/repairs", json={**body, "repair_count": 3}, headers={**other_office, **key}
    )
    assert different.status_code == 422


class _FailingStart:
    """A Temporal client whose start fails; ``describe`` answers ``describe_status``."""

    def __init__(self, describe_status: RPCStatusCode) -> None:
        self.describe_status = describe_status

    async def start_workflow(self, *args, **kwargs):
        raise RPCError("deadline exceeded", RPCStatusCode.DEADLINE_EXCEEDED, b"")

    def get_workflow_handle(self, workflow_id):
        return self

    async def describe(self):
        raise RPCError("no answer", self.describe_status, b"")


def _counts(stack) -> tuple[int, int]:
    with transaction(stack.sessions) as session:
        return (
            session.scalar(select(func.count()).select_from(WorkOrder)),
            session.scalar(select(func.count()).select_from(ServiceRequest)),
        )


async def _record_and_fail(stack, client) -> Problem:
    staff = Staff(key_id=1, name="office", role="office", technician_id=None)
    with stack.sessions() as session:
        repair = service.record_repair(
            session,
            settings=stack.settings,
            staff=staff,
            scope=EVERYTHING,
            body=RepairCreate(customer_id=1, job_type="repair"),
        )
        session.commit()
        with pytest.raises(Problem) as err:
            await service.start_workflow(session, client=client, repair=repair)
    return err.value


async def test_a_start_that_certainly_failed_leaves_no_work_order(stack):
    before = _counts(stack)
    problem = await _record_and_fail(stack, _FailingStart(RPCStatusCode.NOT_FOUND))
    assert problem.status == 503 and "nothing was recorded" in problem.detail
    assert _counts(stack) == before


async def test_a_start_that_may_have_landed_keeps_the_work_order(stack):
    """Temporal unreachable: the start may have landed, so the rows stay and a retry with the
    same Idempotency-Key starts the workflow if it is missing."""
    before = _counts(stack)
    problem = await _record_and_fail(stack, _FailingStart(RPCStatusCode.UNAVAILABLE))
    assert problem.status == 503 and "retry with the same Idempotency-Key" in problem.detail
    assert _counts(stack) == (before[0] + 1, before[1] + 1)
