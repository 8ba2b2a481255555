"""Benchmark: the routing solver on VRPTW instances in the Solomon text format.

    fieldops bench routing FILE... [--time-limit S] [--reference CSV] [--csv OUT]

Per instance: vehicles used, total distance (full-precision Euclidean), solve seconds (wall;
the line printed per instance adds this process's CPU seconds, which show a shared machine),
feasibility checked independently of the solver (``check_plan`` in float, every customer served,
fleet respected), customers served, and the gap to the reference when given. Objective: total
distance with the file's fleet as the limit and every customer served (Solomon 1987 data; the
reference CSV has columns instance, vehicles, distance — e.g. shared/vrptw/bks_solomon100.csv,
whose ``distance`` is the vehicles-first BKS; ``--reference-column dimacs_distance_full`` picks
the distance-only best-known routes re-measured at full precision). Figures are printed, never
asserted.
"""

from __future__ import annotations

import csv
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from domain.routing import EuclideanTravel, SolveParams, check_plan, points_of, solve
from domain.routing.improve import ImproveParams, solve_improved
from domain.routing.solomon import parse_solomon, to_problem

CSV_COLUMNS = ("instance", "vehicles", "distance", "seconds", "feasible", "served", "gap_pct")


@dataclass(frozen=True, slots=True)
class BenchRow:
    """One instance's result; ``gap_pct`` is None without a reference value."""

    instance: str
    customers: int
    vehicles: int
    fleet: int
    distance: float
    seconds: float
    feasible: bool
    served: int
    gap_pct: float | None
    problems: tuple[str, ...] = ()
    cpu_seconds: float = 0.0


def read_reference(path: Path, column: str = "distance") -> dict[str, float]:
    """Instance name (upper case) -> reference distance from a CSV with ``instance`` and ``column``."""
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        if (
            reader.fieldnames is None
            or "instance" not in reader.fieldnames
            or column not in reader.fieldnames
        ):
            raise ValueError(f"{path}: needs columns 'instance' and '{column}'")
        return {row["instance"].strip().upper(): float(row[column]) for row in reader if row[column].strip()}


def run_instance(
    path: Path,
    params: SolveParams,
    reference: dict[str, float] | None = None,
    improve: ImproveParams | None = None,
) -> BenchRow:
    """Solve one Solomon file and check the plan independently.

    With ``improve`` the solve is :func:`domain.routing.improve.solve_improved` (whole-day search,
    then decomposition LNS; ``improve.time_limit_seconds`` is the budget), else one ``solve``.
    """
    cpu0 = time.process_time()
    inst = parse_solomon(path.read_text())
    problem = to_problem(inst)
    matrix = EuclideanTravel().matrix(points_of(problem))
    if improve is not None:
        plan, _ = solve_improved(problem, matrix, improve)
    else:
        plan = solve(problem, matrix, params)
    problems = [f"{v.subject}: {v.message}" for v in check_plan(problem, plan, matrix)]
    if plan.served != len(inst.customers):
        problems.append(f"{len(inst.customers) - plan.served} customer(s) not served")
    if plan.vehicles_used > inst.vehicles:
        problems.append(f"{plan.vehicles_used} vehicles > fleet {inst.vehicles}")
    name = inst.name.strip().upper() or path.stem.upper()
    ref = (reference or {}).get(name, (reference or {}).get(path.stem.upper()))
    gap = None if ref is None else (plan.travel_km - ref) / ref * 100.0
    return BenchRow(
        name,
        len(inst.customers),
        plan.vehicles_used,
        inst.vehicles,
        plan.travel_km,
        plan.solve_seconds,
        not problems,
        plan.served,
        gap,
        tuple(problems),
        time.process_time() - cpu0,
    )


def write_csv(rows: Sequence[BenchRow], out: Path) -> None:
    """Write the rows with columns CSV_COLUMNS (gap_pct empty without a reference)."""
    with out.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_COLUMNS)
        for r in rows:
            w.writerow(
                [
                    r.instance,
                    r.vehicles,
                    f"{r.distance:.4f}",
                    f"{r.seconds:.2f}",
                    r.feasible,
                    r.served,
                    "" if r.gap_pct is None else f"{r.gap_pct:.4f}",
                ]
            )


def run(
    files: Sequence[Path],
    params: SolveParams,
    *,
    reference: Path | None = None,
    reference_column: str = "distance",
    csv_out: Path | None = None,
    console: Console | None = None,
    improve: ImproveParams | None = None,
) -> list[BenchRow]:
    """Solve every file in turn, print a line per instance as it finishes, then a table and the mean gap.

    ``improve`` as in :func:`run_instance` (its time limit then applies instead of ``params``').
    """
    console = console or Console()
    ref = read_reference(reference, reference_column) if reference else None
    rows: list[BenchRow] = []
    for path in files:
        row = run_instance(path, params, ref, improve)
        rows.append(row)
        gap = "" if row.gap_pct is None else f" gap {row.gap_pct:+.2f}%"
        console.print(
            f"{row.instance}: {row.vehicles} veh, {row.distance:.2f}, {row.seconds:.1f}s "
            f"(cpu {row.cpu_seconds:.1f}s), "
            f"feasible={row.feasible}, served {row.served}/{row.customers}{gap}"
        )
        for p in row.problems[:5]:
            console.print(f"  [red]{p}[/red]")
    seconds = improve.time_limit_seconds if improve is not None else params.time_limit_seconds
    method = "OR-Tools + decomposition LNS" if improve is not None else "OR-Tools"
    table = Table(title=f"routing ({method}): {len(rows)} instance(s), {seconds:g} s each")
    for col in ("instance", "vehicles", "distance", "seconds", "feasible", "served", "gap %"):
        table.add_column(col, justify="left" if col == "instance" else "right")
    for r in rows:
        table.add_row(
            r.instance,
            f"{r.vehicles}/{r.fleet}",
            f"{r.distance:.2f}",
            f"{r.seconds:.1f}",
            "yes" if r.feasible else "[red]NO[/red]",
            f"{r.served}/{r.customers}",
            "" if r.gap_pct is None else f"{r.gap_pct:+.2f}",
        )
    console.print(table)
    gaps = [r.gap_pct for r in rows if r.gap_pct is not None]
    bad = [r.instance for r in rows if not r.feasible]
    if gaps:
        console.print(
            f"mean gap {statistics.fmean(gaps):+.2f}% over {len(gaps)} instance(s) "
            f"(reference column '{reference_column}')"
        )
    console.print(f"infeasible or not fully served: {', '.join(bad) if bad else 'none'}")
    if csv_out is not None:
        write_csv(rows, csv_out)
    return rows
