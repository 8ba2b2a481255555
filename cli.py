"""The ``fieldops`` command: dev, demo, worker, api, migrate, seed, apikey, schedules, bench,
analytics (``cli_analytics.py``), bench (``cli_bench.py``)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cli_analytics import analytics_app
from cli_bench import bench_app
from config import Settings, get_settings

app = typer.Typer(help="fieldops: durable field-service workflows on Temporal.", no_args_is_help=True)
apikey_app = typer.Typer(help="Manage staff API keys.", no_args_is_help=True)
app.add_typer(apikey_app, name="apikey")
schedules_app = typer.Typer(help="Temporal Schedules (schedules.py).", no_args_is_help=True)
app.add_typer(schedules_app, name="schedules")
app.add_typer(bench_app, name="bench")
app.add_typer(analytics_app, name="analytics")
console = Console()


def _database_url(settings: Settings) -> str:
    """``FIELDOPS_DATABASE_URL``, else the embedded PostgreSQL under the state dir: joined when
    ``fieldops dev``/``demo`` runs it, otherwise started for this command and stopped at its exit."""
    if settings.database_url:
        return settings.database_url
    from db.migrate import upgrade
    from devstack.postgres import start_embedded_postgres

    url = start_embedded_postgres(settings)
    upgrade(url)  # a fresh state dir has no schema yet; at head this is a no-op
    return url


@contextmanager
def _schema_errors() -> Iterator[None]:
    """A missing table (an external database never migrated) becomes a one-line hint."""
    from sqlalchemy.exc import ProgrammingError

    try:
        yield
    except ProgrammingError as err:
        console.print(f"[red]error:[/red] {str(err.orig).splitlines()[0]}; run 'fieldops migrate' first")
        raise typer.Exit(2) from err


def _hard_exit(code: int) -> None:
    """Exit without interpreter finalization: the temporalio runtime can abort in it
    (``PyGILState_Release``) after all work is done, which would change our exit code."""
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(code)


@app.command()
def migrate() -> None:
    """Apply the Alembic migrations to FIELDOPS_DATABASE_URL (or the embedded PostgreSQL)."""
    from db.migrate import upgrade

    settings = get_settings()
    upgrade(_database_url(settings))
    console.print("[green]schema is at head[/green]")


seed_app = typer.Typer(help="Demo data: customers, technicians and [SEED DATA] history.")
app.add_typer(seed_app, name="seed")


@seed_app.callback(invoke_without_command=True)
def seed(ctx: typer.Context) -> None:
    """Load the demo customers, technicians and 12 months of history (idempotent)."""
    if ctx.invoked_subcommand is not None:
        return
    from db.session import make_engine, make_session_factory, transaction
    from devstack.demo_data import load_demo_data
    from domain.schedule import local_today

    settings = get_settings()
    sessions = make_session_factory(make_engine(_database_url(settings)))
    with _schema_errors(), transaction(sessions) as session:
        summary = load_demo_data(session, today=local_today(datetime.now(UTC), settings.timezone))
    console.print(summary)


@seed_app.command("history")
def seed_history(
    technician: Annotated[
        str | None, typer.Option("--technician", help="only this technician, e.g. T-003")
    ] = None,
    undo: Annotated[
        bool, typer.Option("--undo", help="remove the [SEED DATA] work orders and their job costs instead")
    ] = False,
) -> None:
    """Add a year of [SEED DATA] history (seed 000 Phase 1.4) to existing technicians, or remove it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from db.repositories.seed_history import technicians as list_technicians
    from db.session import make_engine, make_session_factory, transaction
    from devstack.seed_history import TechnicianHistory, add_history, remove_history
    from domain.schedule import local_today

    settings = get_settings()
    sessions = make_session_factory(make_engine(_database_url(settings)))
    if undo:
        with _schema_errors(), transaction(sessions) as session:
            orders, costs = remove_history(session, technician_id=technician)
        console.print(f"removed {orders} \\[SEED DATA] work orders and {costs} job costs")
        return
    today = local_today(datetime.now(UTC), settings.timezone)
    with _schema_errors(), transaction(sessions) as session:
        total = len(list_technicians(session, technician_id=technician))
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("seeding history", total=total)

            def step(result: TechnicianHistory) -> None:
                bar.update(task, advance=1, description=f"seeding history: {result.technician_id}")

            try:
                results = add_history(session, today=today, technician_id=technician, progress=step)
            except LookupError as err:
                console.print(f"[red]error:[/red] {err.args[0]}")
                raise typer.Exit(2) from err
    for r in results:
        if r.skipped:
            console.print(f"{r.technician_id}: skipped ({r.skipped})")
        else:
            console.print(f"{r.technician_id}: {r.work_orders} work orders, {r.job_costs} job costs")


@apikey_app.command("create")
def apikey_create(
    role: Annotated[str, typer.Option(help="admin | office | manager | technician")],
    name: Annotated[str, typer.Option(help="who holds the key")] = "cli",
    technician_id: Annotated[str | None, typer.Option(help="for technician and manager keys")] = None,
) -> None:
    """Create a staff API key and print it (shown once; stored hashed)."""
    from api.auth import create_api_key
    from db.session import make_engine, make_session_factory, transaction

    settings = get_settings()
    sessions = make_session_factory(make_engine(_database_url(settings)))
    try:
        with _schema_errors(), transaction(sessions) as session:
            key = create_api_key(session, name=name, role=role, technician_id=technician_id)
    except ValueError as err:
        console.print(f"[red]error:[/red] {err}")
        raise typer.Exit(2) from err
    typer.echo(key)


@app.command()
def worker(
    queue: Annotated[str, typer.Option(help="main | optimizer | all")] = "all",
) -> None:
    """Run Temporal worker(s) against FIELDOPS_TEMPORAL_ADDRESS and FIELDOPS_DATABASE_URL."""
    from db.session import make_engine, make_session_factory
    from temporal_client import connect_temporal
    from worker import QUEUES, build_workers, run_workers

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    queues = QUEUES if queue == "all" else (queue,)
    if not set(queues) <= set(QUEUES):
        console.print(f"[red]error:[/red] unknown queue {queue!r}; use main, optimizer or all")
        raise typer.Exit(2)
    if not settings.database_url:
        console.print("[red]error:[/red] FIELDOPS_DATABASE_URL is not set")
        raise typer.Exit(2)

    async def main() -> None:
        client = await connect_temporal(settings)
        sessions = make_session_factory(make_engine(settings.database_url, pool_size=10))
        workers = build_workers(client, sessions, settings, queues=queues)
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        runner = asyncio.create_task(run_workers(workers))
        await stop.wait()
        await asyncio.gather(*(w.shutdown() for w in workers))
        await runner

    asyncio.run(main())
    _hard_exit(0)


@app.command()
def api(
    host: Annotated[str | None, typer.Option(help="default FIELDOPS_API_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default FIELDOPS_API_PORT")] = None,
) -> None:
    """Serve the HTTP API with uvicorn (approval tokens are redacted from the access log)."""
    import uvicorn

    from api.app import create_app

    settings = get_settings()
    uvicorn.run(
        create_app(settings),
        host=host or settings.api_host,
        port=port or settings.api_port,
        log_level="info",
        timeout_keep_alive=75,  # outlive load balancers' idle timeouts (60 s) so they never reuse a closed socket
    )
    _hard_exit(0)


def _say(text: str) -> None:
    """Print, even when the terminal is gone (SIGHUP): stopping must not fail on a closed tty."""
    with suppress(OSError):
        console.print(text)


def _run_stack(*, demo: bool, exit_after: bool) -> int:
    """Run the stack until Ctrl-C, SIGTERM or SIGHUP (or, with ``exit_after``, until set up and
    the demo played); every child is stopped on the way out, whatever happened. Once started, a
    child that dies is restarted with backoff (``Stack.supervise_once``), and the stack stops only
    when one keeps dying. Returns the exit code: 0 when stopped while running, 128 + signal when
    interrupted before, 1 on failure."""
    from devstack.processes import SIGNALS, Stopped
    from devstack.services import Stack, StackError

    settings = get_settings()
    if "public_base_url" not in settings.model_fields_set:  # links must reach the API this stack runs
        settings = settings.model_copy(update={"public_base_url": f"http://localhost:{settings.api_port}"})
    stack = Stack(settings)
    code = 0
    running = False
    SIGNALS.install()
    try:
        for note in stack.claim():
            console.print(note)
        with console.status("starting embedded PostgreSQL and migrating…"):
            url = stack.start_postgres()
        with console.status("starting Temporal dev server…"):
            stack.start_temporal()
        with console.status("applying Temporal Schedules…"):
            console.print(stack.apply_schedules())
        with console.status("starting workers and API…"):
            stack.start_workers()
            stack.start_api()
        console.print(f"Temporal Web UI  http://localhost:{settings.temporal_ui_port}")
        console.print(f"API docs         http://localhost:{settings.api_port}/docs")
        console.print(f"logs             {stack.log_dir}")
        if demo:
            from devstack.demo_day import run_demo

            code = run_demo(settings, stack, database_url=url)
        else:
            from api.auth import create_api_key
            from db.session import make_engine, make_session_factory, transaction

            with transaction(make_session_factory(make_engine(url))) as session:
                key = create_api_key(session, name="dev", role="admin")
            console.print(f"admin API key    {key}")
        if not exit_after:
            console.print("[bold]running — press Ctrl-C to stop[/bold]")
            running = True
            while True:  # a crashed child is restarted; one that keeps dying raises StackError
                for event in stack.supervise_once():
                    _say(event.message)
                time.sleep(0.5)
    except KeyboardInterrupt as stop:  # Ctrl-C, SIGTERM, SIGHUP
        signum = stop.signum if isinstance(stop, Stopped) else signal.SIGINT
        _say(f"{signal.Signals(signum).name}: stopping…")
        if not running:
            code = 128 + signum
    except StackError as err:
        _say(f"[red]error:[/red] {err}")
        code = 1
    except Exception as err:  # one line on the console, the traceback in a log file
        _say(f"[red]error:[/red] {_failure_line(err)}; details in {_log_failure(stack.log_dir)}")
        code = 1
    finally:
        SIGNALS.stopping()
        try:
            stack.stop()
        except StackError as err:
            _say(f"[red]error:[/red] {err}")
            code = code or 1
        finally:
            SIGNALS.restore()
    return code


def _failure_line(err: BaseException) -> str:
    """``Type: first line of the message``."""
    lines = str(err).strip().splitlines()
    return f"{type(err).__name__}: {lines[0]}" if lines else type(err).__name__


def _log_failure(log_dir: Path) -> Path:
    """Append the current exception's traceback to ``<log_dir>/fieldops.log``; returns its path."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "fieldops.log"
    with path.open("a") as log:
        log.write(f"--- {datetime.now(UTC).isoformat()}\n{traceback.format_exc()}\n")
    return path


@app.command()
def dev() -> None:
    """Start PostgreSQL, Temporal (UI :8233), workers and the API without demo data; Ctrl-C stops all."""
    _hard_exit(_run_stack(demo=False, exit_after=False))


@app.command()
def demo(
    exit_: Annotated[
        bool, typer.Option("--exit", help="exit after the summary instead of running on")
    ] = False,
) -> None:
    """Start the stack, load demo data and run a day of repairs through the API; writes demo-report.json."""
    os.environ.setdefault("FIELDOPS_PROFILE", "demo")
    get_settings.cache_clear()
    _hard_exit(_run_stack(demo=True, exit_after=exit_))


@schedules_app.command("apply")
def schedules_apply() -> None:
    """Create or update every schedule in schedules.py; delete managed ones no longer listed."""
    from temporalio.service import RPCError

    from schedules import apply_configured

    settings = get_settings()
    try:
        summary = apply_configured(settings)
    except (RPCError, RuntimeError) as err:
        console.print(f"[red]error:[/red] Temporal at {settings.temporal_address}: {err}")
        _hard_exit(2)
    console.print(summary)
    _hard_exit(0)


if __name__ == "__main__":
    app()
