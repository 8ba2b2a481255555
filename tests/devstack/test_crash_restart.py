"""``fieldops dev`` keeps running when one component crashes: a worker killed with SIGKILL is
restarted (new pid, new PID file, the console says so) while the API keeps answering, and the
restarted worker carries a repair to its end; a killed PostgreSQL is restarted in place and the
API reads from it again; a killed Temporal server and API come back and a new repair runs.
SIGTERM still stops everything."""

from __future__ import annotations

import os
import signal
import threading
import time

import httpx
import pytest

from tests.devstack.conftest import StackEnv, alive, pid_files, postmaster_pid, wait_until

pytestmark = pytest.mark.integration

CUSTOMER = {"first_name": "Pat", "last_name": "Lee", "latitude": 30.2747, "longitude": -97.7404}


class HealthWatch(threading.Thread):
    """Polls ``/healthz`` every 0.1 s and counts the answers that were not 200."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.polls, self.failures = url, 0, []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                status = httpx.get(self.url, timeout=2).status_code
            except httpx.HTTPError as err:
                status = type(err).__name__
            self.polls += 1
            if status != 200:
                self.failures.append(status)
            time.sleep(0.1)


def repair_status(http: httpx.Client, wo: str) -> str:
    return http.get(f"/api/v1/repairs/{wo}").json()["status"]


def test_crashed_components_are_restarted_while_the_rest_keeps_running(stack_env: StackEnv) -> None:
    dev = stack_env.start("dev")
    stack_env.wait_healthy(dev)
    key = stack_env.output(dev).split("admin API key")[1].split()[0]
    base = f"http://127.0.0.1:{stack_env.api_port}"
    before = pid_files(stack_env.state_dir)

    watch = HealthWatch(f"{base}/healthz")
    watch.start()
    os.kill(before["worker-main"], signal.SIGKILL)
    assert wait_until(lambda: "worker-main restarted" in stack_env.output(dev), 20), stack_env.output(dev)
    watch.done.set()
    watch.join()

    out = stack_env.output(dev)
    assert "worker-main exited with code -9; restarting in 1 s (restart 1)" in out
    after = pid_files(stack_env.state_dir)
    assert after["worker-main"] != before["worker-main"] and alive(after["worker-main"])
    assert {n: p for n, p in after.items() if n != "worker-main"} == {
        n: p for n, p in before.items() if n != "worker-main"
    }, "only the killed worker is replaced"
    assert watch.polls > 5 and watch.failures == [], f"/healthz failed during the restart: {watch.failures}"
    assert (
        "exited with code -9; restarting in 1 s"
        in (stack_env.state_dir / "logs" / "worker-main.log").read_text()
    )

    with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=30) as http:
        customer = http.post("/api/v1/customers", json=CUSTOMER)
        assert customer.status_code == 201, customer.text
        created = http.post(
            "/api/v1/repairs", json={"customer_id": customer.json()["id"], "job_type": "repair"}
        )
        assert created.status_code in (200, 201, 202), created.text
        wo = created.json()["id"]
        # no photo: the restarted worker runs the workflow to the approval step and persists it
        assert wait_until(lambda: repair_status(http, wo) == "pending_approval", 30), repair_status(http, wo)
        assert http.post(f"/api/v1/repairs/{wo}/cancel", json={"reason": "test"}).status_code == 200
        assert wait_until(lambda: repair_status(http, wo) == "cancelled", 30), repair_status(http, wo)

        postmaster = postmaster_pid(stack_env.state_dir)
        assert postmaster is not None
        os.kill(postmaster, signal.SIGKILL)
        assert wait_until(lambda: "postgres restarted" in stack_env.output(dev), 60), stack_env.output(dev)
        assert "postgres is not running (its postmaster is gone); restarting in 1 s" in stack_env.output(dev)
        assert postmaster_pid(stack_env.state_dir) != postmaster
        assert wait_until(lambda: http.get(f"/api/v1/repairs/{wo}").status_code == 200, 30)
        assert repair_status(http, wo) == "cancelled"

        for name in ("temporal", "api"):  # restarted and waited for: ports, then /healthz
            os.killpg(pid_files(stack_env.state_dir)[name], signal.SIGKILL)
            assert wait_until(lambda n=name: f"{n} is ready again" in stack_env.output(dev), 60), (
                stack_env.output(dev)
            )
        # the workers reconnect to the restarted Temporal (its state resumed from temporal.db)
        assert repair_status(http, wo) == "cancelled"
        second = http.post(
            "/api/v1/repairs", json={"customer_id": customer.json()["id"], "job_type": "repair"}
        )
        assert second.status_code == 201, second.text
        wo2 = second.json()["id"]
        assert wait_until(lambda: repair_status(http, wo2) == "pending_approval", 60), repair_status(
            http, wo2
        )

    assert dev.poll() is None, stack_env.output(dev)
    stack_env.snapshot(dev)
    dev.send_signal(signal.SIGTERM)
    assert dev.wait(60) == 0, stack_env.output(dev)
    assert wait_until(lambda: not stack_env.leftovers(), 20), (
        f"still running: {sorted(stack_env.leftovers())}"
    )
    assert pid_files(stack_env.state_dir) == {}
