"""Outgoing webhooks end to end: register through the API, a repair's status changes become
deliveries, the delivery workflow POSTs them signed to a loopback receiver that checks the
signature, and the API shows every attempt. A subscriber that refuses (410) fails at once."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from domain.contracts.webhooks import WEBHOOK_DISPATCH_WORKFLOW, PendingDeliveriesInput
from domain.ids import TASK_QUEUE
from domain.webhooks import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, verify
from tests.integration.test_repair_api import new_customer, wait_status

pytestmark = pytest.mark.integration


class Receiver:
    """A loopback subscriber: verifies each request's signature with the secret of its path
    and answers ``answers[path]`` (200 by default, 401 when the signature is wrong); keeps what
    it received."""

    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}
        self.answers: dict[str, int] = {}
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                secret = receiver.secrets.get(self.path, "")
                valid = verify(secret, self.headers[SIGNATURE_HEADER], body, int(time.time()))
                forged = verify(secret, self.headers[SIGNATURE_HEADER], body + b" ", int(time.time()))
                receiver.received.append(
                    {
                        "path": self.path,
                        "valid": valid,
                        "forged_valid": forged,
                        "delivery": self.headers[DELIVERY_HEADER],
                        "event": self.headers[EVENT_HEADER],
                        "body": json.loads(body),
                    }
                )
                self.send_response(receiver.answers.get(self.path, 200) if valid else 401)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


async def dispatch(stack) -> None:
    """Run one pass of the schedule's workflow (the schedule itself is not applied in tests)."""
    await stack.client.execute_workflow(
        WEBHOOK_DISPATCH_WORKFLOW,
        PendingDeliveriesInput(),
        id=f"webhook-dispatch-test-{uuid.uuid4().hex[:8]}",
        task_queue=TASK_QUEUE,
        result_type=int,
    )


async def deliveries(stack, subscription_id: int, wanted: str, count: int) -> list[dict]:
    for _ in range(120):
        r = await stack.http.get(
            f"/api/v1/webhook-subscriptions/{subscription_id}/deliveries",
            params={"status": wanted},
            headers=stack.office,
        )
        assert r.status_code == 200, r.text
        if r.json()["total"] >= count:
            return r.json()["items"]
        await asyncio.sleep(0.25)
    raise AssertionError(f"subscription {subscription_id} has no {count} {wanted} deliveries: {r.text[:500]}")


async def test_status_changes_are_delivered_signed_with_every_attempt_visible(stack, receiver):
    created = await stack.http.post(
        "/api/v1/webhook-subscriptions",
        json={
            "url": f"{receiver.url}/ok",
            "event_types": ["work_order.approved", "work_order.assigned"],
            "description": "ERP",
        },
        headers=stack.office,
    )
    assert created.status_code == 201, created.text
    sub = created.json()
    assert sub["signing_secret"].startswith("whsec_") and sub["active"] is True
    receiver.secrets["/ok"] = sub["signing_secret"]
    refusing = await stack.http.post(
        "/api/v1/webhook-subscriptions",
        json={"url": f"{receiver.url}/gone", "event_types": ["work_order.approved"]},
        headers=stack.office,
    )
    receiver.secrets["/gone"] = refusing.json()["signing_secret"]
    receiver.answers["/gone"] = 410
    # the secret is shown once: reads never carry it
    read = await stack.http.get(f"/api/v1/webhook-subscriptions/{sub['id']}", headers=stack.office)
    assert read.status_code == 200 and "signing_secret" not in read.json()

    customer = await new_customer(stack, max_auto_approve_amount="500.00", require_photo_for_approval=False)
    repair = await stack.http.post(
        "/api/v1/repairs", json={"customer_id": customer, "job_type": "maintenance"}, headers=stack.office
    )
    wo = repair.json()["id"]
    state = await wait_status(stack, wo, {"assigned", "awaiting_assignment"})
    await dispatch(stack)

    done = await deliveries(stack, sub["id"], "delivered", 1 if state["status"] != "assigned" else 2)
    mine = [d for d in done if d["payload"]["data"]["work_order_id"] == wo]
    assert {d["event_type"] for d in mine} >= {"work_order.approved"}
    for d in mine:
        assert d["attempt_count"] == 1 and [a["status_code"] for a in d["attempts"]] == [200]
        assert d["payload"]["data"]["customer_id"] == customer
    got = [r for r in receiver.received if r["path"] == "/ok" and r["body"]["data"]["work_order_id"] == wo]
    assert got and all(r["valid"] and not r["forged_valid"] for r in got)
    assert {r["delivery"] for r in got} == {str(d["id"]) for d in mine}

    failed = await deliveries(stack, refusing.json()["id"], "failed", 1)
    ours = [d for d in failed if d["payload"]["data"]["work_order_id"] == wo]
    assert len(ours) == 1 and [a["status_code"] for a in ours[0]["attempts"]] == [410]

    # a second pass sends nothing again
    before = len(receiver.received)
    await dispatch(stack)
    await asyncio.sleep(1)
    assert len([r for r in receiver.received[before:] if r["body"]["data"]["work_order_id"] == wo]) == 0


async def test_subscriptions_validate_and_remove(stack):
    bad = await stack.http.post(
        "/api/v1/webhook-subscriptions",
        json={"url": "ftp://127.0.0.1/x", "event_types": ["work_order.approved"]},
        headers=stack.office,
    )
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    unknown = await stack.http.post(
        "/api/v1/webhook-subscriptions",
        json={"url": "http://127.0.0.1:9/hook", "event_types": ["work_order.teleported"]},
        headers=stack.office,
    )
    assert unknown.status_code == 422
    tech = await stack.http.post(
        "/api/v1/webhook-subscriptions",
        json={"url": "http://127.0.0.1:9/hook", "event_types": ["work_order.approved"]},
        headers={"X-API-Key": stack.tech_keys["T-002"]},
    )
    assert tech.status_code == 403
    ok = await stack.http.post(
        "/api/v1/webhook-subscriptions",
        json={"url": "http://127.0.0.1:9/hook", "event_types": ["survey.answered"]},
        headers=stack.office,
    )
    sid = ok.json()["id"]
    gone = await stack.http.delete(f"/api/v1/webhook-subscriptions/{sid}", headers=stack.office)
    assert gone.status_code == 204
    listed = await stack.http.get(
        "/api/v1/webhook-subscriptions", params={"active": False}, headers=stack.office
    )
    assert sid in [s["id"] for s in listed.json()["items"]]
    missing = await stack.http.get("/api/v1/webhook-subscriptions/999999", headers=stack.office)
    assert missing.status_code == 404
