"""``fieldops dev`` / ``fieldops demo`` run as real subprocesses, each test with its own state dir
and free ports, and the process inspection the lifecycle tests assert with.

Everything a test started is found again at teardown (by the state dir in its environment or
command line, and the postmaster of ``<state_dir>/pg``) and killed, so a failing test leaves no
server holding ports.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def alive(pid: int) -> bool:
    """A live process (a zombie waiting for its reaper counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat[stat.rfind(")") + 2] not in "ZX"


def _all_pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def _ppid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return int(stat[stat.rfind(")") + 2 :].split()[1])


def descendants(root: int) -> set[int]:
    """Every live process below ``root``."""
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {p for p in _all_pids() if _ppid(p) in frontier and p not in found}
        found |= frontier
    return {p for p in found if alive(p)}


def postmaster_pid(state_dir: Path) -> int | None:
    try:
        return int((state_dir / "pg" / "postmaster.pid").read_text().split()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return None


def pid_files(state_dir: Path) -> dict[str, int]:
    """The children recorded under ``<state_dir>/run`` (name → pid)."""
    found = {}
    for path in sorted((state_dir / "run").glob("*.pid")):
        with contextlib.suppress(OSError, ValueError, KeyError):
            found[path.stem] = int(json.loads(path.read_text())["pid"])
    return found


def processes_of(state_dir: Path) -> set[int]:
    """Live processes started for ``state_dir``: its path in their environment or command line
    (our children inherit ``FIELDOPS_STATE_DIR``; postgres names its data dir), plus their children."""
    marker = str(state_dir).encode()
    me = os.getpid()
    roots = set()
    for pid in _all_pids():
        if pid == me:
            continue
        with contextlib.suppress(OSError):
            proc = Path(f"/proc/{pid}")
            if marker in (proc / "environ").read_bytes() or marker in (proc / "cmdline").read_bytes():
                roots.add(pid)
    found = set(roots)
    for pid in roots:
        found |= descendants(pid)
    return {p for p in found if alive(p)}


def wait_until(predicate, timeout_s: float, interval_s: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval_s)
    return predicate()


@dataclass
class StackEnv:
    """One isolated stack: its state dir, ports, environment and the commands it ran."""

    state_dir: Path
    api_port: int
    temporal_port: int
    ui_port: int
    runs: list[subprocess.Popen] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)

    @property
    def ports(self) -> list[int]:
        return [self.api_port, self.temporal_port, self.ui_port]

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDOPS_")}
        env.update(
            FIELDOPS_STATE_DIR=str(self.state_dir),
            FIELDOPS_API_PORT=str(self.api_port),
            FIELDOPS_TEMPORAL_ADDRESS=f"127.0.0.1:{self.temporal_port}",
            FIELDOPS_TEMPORAL_UI_PORT=str(self.ui_port),
            FIELDOPS_PUBLIC_BASE_URL=f"http://127.0.0.1:{self.api_port}",
            PYTHONUNBUFFERED="1",
            COLUMNS="200",
        )
        return env

    def log_path(self, n: int) -> Path:
        return self.state_dir.parent / f"fieldops-{n}.out"

    def start(self, *args: str) -> subprocess.Popen:
        """``python -m cli <args>`` in its own session, output to a file next to the state dir."""
        log = self.log_path(len(self.runs)).open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli", *args],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.runs.append(proc)
        return proc

    def output(self, proc: subprocess.Popen) -> str:
        return self.log_path(self.runs.index(proc)).read_text(errors="replace")

    def wait_healthy(self, proc: subprocess.Popen, timeout_s: float = 120) -> None:
        """Until ``proc``'s API answers ``/healthz``; fails with its output when it exits first."""
        url = f"http://127.0.0.1:{self.api_port}/healthz"
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"fieldops exited with {proc.returncode} before ready:\n{self.output(proc)}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url, timeout=1).status_code == 200 and "running" in self.output(proc):
                    return
            time.sleep(0.3)
        pytest.fail(f"fieldops not ready in {timeout_s} s:\n{self.output(proc)}")

    def snapshot(self, proc: subprocess.Popen) -> set[int]:
        """Every process of this stack now: the supervisor's children, the PID files' processes,
        the postmaster, and whatever else names the state dir."""
        pids = descendants(proc.pid) | set(pid_files(self.state_dir).values()) | processes_of(self.state_dir)
        if (pm := postmaster_pid(self.state_dir)) is not None:
            pids |= {pm} | descendants(pm)
        pids = {p for p in pids if alive(p) and p != proc.pid}
        self.seen |= pids
        return pids

    def leftovers(self) -> set[int]:
        pids = {p for p in self.seen if alive(p)} | processes_of(self.state_dir)
        if (pm := postmaster_pid(self.state_dir)) is not None and alive(pm):
            pids.add(pm)
        return pids

    def busy_ports(self) -> list[int]:
        return [p for p in self.ports if listening(p)]

    def kill_all(self) -> None:
        for proc in self.runs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        for _ in range(3):
            for pid in self.leftovers():
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            if wait_until(lambda: not self.leftovers(), 5):
                break


@pytest.fixture
def stack_env(tmp_path: Path) -> Iterator[StackEnv]:
    """A fresh state dir and free ports; at teardown nothing of this stack is left running."""
    base = tmp_path
    ports = set()
    while len(ports) < 3:
        ports.add(free_port())
    api_port, temporal_port, ui_port = sorted(ports)
    env = StackEnv(base / "state", api_port, temporal_port, ui_port)
    yield env
    left = env.leftovers()
    env.kill_all()
    if left:  # never silently: a leftover is a failure of the stack's own clean-up
        print(f"teardown killed leftover processes {sorted(left)}")
