"""A supervisor killed by SIGKILL leaves its children running; the next start finds them through
the PID files under ``<state_dir>/run``, stops the ones that really are its own, and comes up."""

from __future__ import annotations

import signal

import pytest

from tests.devstack.conftest import StackEnv, alive, pid_files, postmaster_pid, wait_until

pytestmark = pytest.mark.integration


def test_next_start_cleans_up_after_a_killed_supervisor(stack_env: StackEnv) -> None:
    first = stack_env.start("dev")
    stack_env.wait_healthy(first)
    orphans = stack_env.snapshot(first)
    children = pid_files(stack_env.state_dir)
    assert children.pop("supervisor") == first.pid
    assert set(children) == {"temporal", "worker-main", "worker-optimizer", "api"}, children

    first.send_signal(signal.SIGKILL)  # the supervisor only: its children keep the ports
    first.wait(10)
    assert all(alive(pid) for pid in children.values())

    second = stack_env.start("dev")
    stack_env.wait_healthy(second)
    out = stack_env.output(second)
    assert "port" not in out or "busy" not in out, out
    assert "stale" in out, out
    assert all(f"{name} (pid {pid})" in out for name, pid in children.items()), out
    assert not any(alive(pid) for pid in children.values()), "the orphans of the killed run still run"
    assert set(pid_files(stack_env.state_dir).values()).isdisjoint(children.values())
    stack_env.snapshot(second)

    second.send_signal(signal.SIGTERM)
    assert second.wait(60) == 0, stack_env.output(second)
    assert wait_until(lambda: not stack_env.leftovers(), 20), (
        f"still running: {sorted(stack_env.leftovers())} (orphans of the first run: {sorted(orphans)})"
    )
    assert postmaster_pid(stack_env.state_dir) is None or not alive(postmaster_pid(stack_env.state_dir))
    assert stack_env.busy_ports() == []
    assert pid_files(stack_env.state_dir) == {}
