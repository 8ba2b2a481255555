"""``Stack.supervise_once`` without servers: a dead child is restarted from its recipe after an
exponential backoff, with a new PID file and a line in its log; one that keeps dying makes the
supervisor give up with an error naming it; a stable run, or a restart on request, starts the
backoff over. Stand-in children are small Python processes and the policy is scaled down."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from config import Settings
from devstack.demo_day import supervised
from devstack.processes import PidFile
from devstack.services import RestartPolicy, Stack, StackError, StackEvent
from tests.devstack.conftest import alive

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]
FAILING = [sys.executable, "-c", "import sys; sys.exit(3)"]


@pytest.fixture
def make_stack(tmp_path: Path) -> Iterator:
    """A Stack on an external database URL (no PostgreSQL to supervise) with a fast policy."""
    stacks: list[Stack] = []

    def make(**policy: float) -> Stack:
        settings = Settings(state_dir=tmp_path, database_url="postgresql://unused/")
        defaults = {"first_delay_s": 0.05, "max_delay_s": 1.0, "stable_after_s": 30.0, "max_restarts": 3}
        stack = Stack(settings, policy=RestartPolicy(**{**defaults, **policy}))
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.stop(grace_s=5)


def supervise_until(stack: Stack, kind: str, timeout_s: float = 10) -> list[StackEvent]:
    """Call ``supervise_once`` until an event of ``kind`` comes; returns every event seen."""
    seen: list[StackEvent] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        seen += stack.supervise_once()
        if any(e.kind == kind for e in seen):
            return seen
        time.sleep(0.01)
    pytest.fail(f"no {kind!r} event in {timeout_s} s: {seen}")


def test_a_killed_child_is_restarted_with_a_new_pid_file_and_says_so(make_stack) -> None:
    stack = make_stack()
    stack.spawn("worker-main", SLEEPER)
    first = stack.child("worker-main").pid
    assert stack.supervise_once() == []

    assert stack.kill("worker-main") == first
    events = supervise_until(stack, "restarted")

    assert [e.message for e in events] == [
        "worker-main exited with code -9; restarting in 0.05 s (restart 1)",
        f"worker-main restarted (pid {stack.child('worker-main').pid})",
    ]
    child = stack.child("worker-main")
    assert child.pid != first and child.running() and not alive(first)
    record = PidFile.read(stack.run_dir / "worker-main.pid")
    assert record is not None and record.pid == child.pid and record.is_running()
    log = child.log_path.read_text()
    assert "exited with code -9; restarting in 0.05 s (restart 1)" in log
    assert f"worker-main restarted (pid {child.pid})" in stack.supervisor_log_path.read_text()


def test_a_child_that_keeps_dying_makes_the_supervisor_give_up(make_stack) -> None:
    stack = make_stack(max_restarts=3)
    stack.spawn("worker-main", FAILING)

    seen: list[StackEvent] = []
    with pytest.raises(StackError) as raised:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            seen += stack.supervise_once()
            time.sleep(0.01)

    exits = [e.message for e in seen if e.kind == "exited"]
    assert exits == [
        "worker-main exited with code 3; restarting in 0.05 s (restart 1)",
        "worker-main exited with code 3; restarting in 0.1 s (restart 2)",
        "worker-main exited with code 3; restarting in 0.2 s (restart 3)",
    ]
    message = str(raised.value)
    assert message.startswith("worker-main keeps dying: it exited with code 3 after 3 restarts in a row")
    assert str(stack.log_dir / "worker-main.log") in message
    stack.stop(grace_s=5)
    assert list(stack.run_dir.glob("*.pid")) == []


def test_a_stable_run_starts_the_backoff_over(make_stack) -> None:
    stack = make_stack(stable_after_s=0.5)
    stack.spawn("api", SLEEPER)

    delays = []
    for pause in (0, 0, 0.7):  # two quick deaths, then one after a stable run
        time.sleep(pause)
        stack.kill("api")
        events = supervise_until(stack, "restarted")
        delays.append(next(e.message for e in events if e.kind == "exited").split("restarting in ")[1])

    assert delays == ["0.05 s (restart 1)", "0.1 s (restart 2)", "0.05 s (restart 1)"]


def test_a_restarted_child_is_checked_for_readiness(make_stack) -> None:
    answers = {"ready": True}
    stack = make_stack(ready_timeout_s=0.5)
    stack.spawn("api", SLEEPER, ready=lambda: answers["ready"])

    stack.kill("api")
    assert [e.kind for e in supervise_until(stack, "ready")] == ["exited", "restarted", "ready"]

    answers["ready"] = False  # restarted, but never serves: killed after the timeout, then restarted
    stack.kill("api")
    supervise_until(stack, "restarted")
    stuck = stack.child("api").pid
    events = supervise_until(stack, "exited")
    assert events[-1].message == "api exited with code -9; restarting in 0.2 s (restart 3)"
    assert not alive(stuck)
    assert "not ready 0.5 s after its restart; killing it" in stack.child("api").log_path.read_text()


def test_restart_on_request_replaces_the_process_and_resets_the_backoff(make_stack) -> None:
    stack = make_stack()
    child = stack.spawn("temporal", SLEEPER)
    old = child.process
    stack.kill("temporal")
    supervise_until(stack, "restarted")
    assert child.state.streak == 1

    new_pid = stack.restart("temporal")

    running = stack.child("temporal")
    assert running.pid == new_pid and running.running()
    assert old.returncode == -signal.SIGKILL and child.state.streak == 0
    assert PidFile.read(stack.run_dir / "temporal.pid").pid == new_pid
    assert stack.supervise_once() == []


def test_unknown_or_stopped_children_are_errors(make_stack) -> None:
    stack = make_stack()
    stack.spawn("worker-main", SLEEPER)
    with pytest.raises(StackError, match="no child named 'nope'"):
        stack.child("nope")
    with pytest.raises(StackError, match="a child named 'worker-main' exists already"):
        stack.spawn("worker-main", SLEEPER)
    with pytest.raises(StackError, match="not ours"):
        stack.restart("postgres")


def test_the_demo_day_is_supervised_and_cancelled_when_a_child_keeps_dying(make_stack) -> None:
    healthy = make_stack()
    healthy.spawn("worker-main", SLEEPER)
    assert asyncio.run(supervised(healthy, asyncio.sleep(0.05, result=7), interval_s=0.01)) == 7

    stack = make_stack(max_restarts=1, first_delay_s=0.01)
    stack.spawn("worker-optimizer", FAILING)
    cancelled = []

    async def day() -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    with pytest.raises(StackError, match="worker-optimizer keeps dying"):
        asyncio.run(supervised(stack, day(), interval_s=0.01))
    assert cancelled
