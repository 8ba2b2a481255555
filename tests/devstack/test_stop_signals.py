"""``fieldops dev`` stopped by SIGTERM or SIGHUP (kill, systemd, docker stop, a closed terminal)
stops its children as Ctrl-C does: API, workers and Temporal in reverse order, then PostgreSQL."""

from __future__ import annotations

import signal

import pytest

from tests.devstack.conftest import StackEnv, pid_files, wait_until

pytestmark = pytest.mark.integration


def test_sigterm_stops_every_child(stack_env: StackEnv) -> None:
    dev = stack_env.start("dev")
    stack_env.wait_healthy(dev)
    running = stack_env.snapshot(dev)
    recorded = pid_files(stack_env.state_dir)
    assert set(recorded) == {"supervisor", "temporal", "worker-main", "worker-optimizer", "api"}, recorded
    assert recorded.pop("supervisor") == dev.pid
    assert set(recorded.values()) <= running

    dev.send_signal(signal.SIGTERM)
    assert dev.wait(60) == 0, stack_env.output(dev)

    assert wait_until(lambda: not stack_env.leftovers(), 20), (
        f"still running after SIGTERM: {sorted(stack_env.leftovers())}"
    )
    assert stack_env.busy_ports() == []
    assert pid_files(stack_env.state_dir) == {}
    assert "stopping" in stack_env.output(dev)
