"""``fieldops bench``: benchmarks that print figures (bench/); nothing is asserted."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from config import get_settings

bench_app = typer.Typer(help="Benchmarks that print figures (bench/).", no_args_is_help=True)
console = Console()


@bench_app.command("routing")
def bench_routing(
    files: Annotated[
        list[Path], typer.Argument(help="VRPTW instances in the Solomon text format", exists=True)
    ],
    time_limit: Annotated[float, typer.Option("--time-limit", help="seconds per instance")] = 10.0,
    reference: Annotated[
        Path | None,
        typer.Option("--reference", help="CSV with columns instance, vehicles, distance", exists=True),
    ] = None,
    reference_column: Annotated[
        str, typer.Option("--reference-column", help="distance column of the CSV")
    ] = "distance",
    csv_out: Annotated[Path | None, typer.Option("--csv", help="write the rows to this CSV")] = None,
    first_solution: Annotated[
        str, typer.Option(help="OR-Tools FirstSolutionStrategy name")
    ] = "PARALLEL_CHEAPEST_INSERTION",
    metaheuristic: Annotated[
        str, typer.Option(help="OR-Tools LocalSearchMetaheuristic name")
    ] = "GUIDED_LOCAL_SEARCH",
    gls_lambda: Annotated[float, typer.Option(help="guided local search lambda coefficient")] = 0.2,
    extra_operators: Annotated[
        bool, typer.Option(help="add cross-exchange, relocate-neighbors and path-LNS moves")
    ] = False,
    scale: Annotated[int, typer.Option(help="integer ticks per time/distance unit inside the solver")] = 1000,
    lns: Annotated[
        bool,
        typer.Option(help="improve the whole-day search by decomposition LNS (domain/routing/improve.py)"),
    ] = True,
    initial_share: Annotated[
        float, typer.Option(min=0.01, max=1.0, help="share of the time limit for the whole-day search")
    ] = 0.2,
    sub_seconds: Annotated[float, typer.Option(min=0.05, help="seconds per LNS sub-problem")] = 1.0,
    sub_jobs: Annotated[int, typer.Option(min=2, help="jobs per LNS sub-problem (whole routes)")] = 30,
    seed: Annotated[int, typer.Option(help="seed of the LNS sub-problem choice")] = 0,
) -> None:
    """Solve Solomon-format VRPTW files; print vehicles, distance, seconds, feasibility, served and gap."""
    from bench.routing import run
    from domain.routing import SolveParams
    from domain.routing.improve import ImproveParams

    params = SolveParams(
        time_limit_seconds=time_limit,
        first_solution=first_solution,
        metaheuristic=metaheuristic,
        gls_lambda=gls_lambda,
        extra_operators=extra_operators,
        hard_mandatory=True,  # the benchmark asks for every customer served
        time_scale=scale,
        cost_scale=scale,
    )
    improve = (
        ImproveParams(
            time_limit_seconds=time_limit,
            initial_share=initial_share,
            sub_seconds=sub_seconds,
            sub_jobs=sub_jobs,
            seed=seed,
            base=params,
        )
        if lns
        else None
    )
    rows = run(
        files,
        params,
        reference=reference,
        reference_column=reference_column,
        csv_out=csv_out,
        console=console,
        improve=improve,
    )
    raise typer.Exit(0 if all(r.feasible for r in rows) else 1)


@bench_app.command("analytics")
def bench_analytics(
    work_orders: Annotated[
        int, typer.Option("--work-orders", min=1000, help="rows of the dataset")
    ] = 1_000_000,
    samples: Annotated[int, typer.Option(help="calls timed per endpoint")] = 300,
) -> None:
    """Seed 000 endpoints at scale: p50/p95 of our query path beside the seed's SQL run naively."""
    from bench.analytics import run

    run(get_settings().state_dir, work_orders, samples)


@bench_app.command("dispatch")
def bench_dispatch(
    jobs: Annotated[int, typer.Option(min=1, help="jobs in the synthetic day")] = 200,
    technicians: Annotated[int, typer.Option(min=1, help="technicians")] = 20,
    time_limit: Annotated[float, typer.Option("--time-limit", help="OR-Tools seconds")] = 8.0,
    seed: Annotated[int, typer.Option(help="random seed of the day")] = 7,
    inserts: Annotated[int, typer.Option(min=0, help="single-job insertions to time")] = 40,
    burst: Annotated[
        int, typer.Option(min=0, help="repairs approved at once through the real flow (0: skip)")
    ] = 200,
) -> None:
    """A synthetic Austin-area day: optimizer beside greedy nearest-feasible, insertion latency,
    and a burst of approved repairs through the repair flow beside a bare workflow."""
    from bench.dispatch import render, run

    result = run(jobs, technicians, time_limit, seed, inserts)
    render(result, console)
    if burst:
        from bench import burst as burst_bench

        burst_bench.render(burst_bench.run(burst, console), console)
    raise typer.Exit(0 if result.feasible and result.greedy_feasible and result.same_feasible else 1)
