"""Long reliability runs with the harness of ``tests/reliability`` (``devstack.reliability``).

    .venv/bin/python -m bench.reliability [--flows 200] [--kinds none,worker,temporal,postgres]
                                          [--kills-per-run 3] [--arrival-s 240] [--json out.json]

One run per kind, each on a fresh stack: ``none`` is the baseline (same flows, nothing killed),
every other kind SIGKILLs that component ``--kills-per-run`` times at random points and restarts it
after 5-20 s. Prints one table row per run — flows that reached their end, what the API answered
during the outages, duplicates (outbox, provider requests, job costs), orphans, token leaks,
flow p50/max — and every problem found. Exit code 1 when any run broke a promise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from devstack.reliability import KILL_KINDS, RunConfig, run_reliability

COLUMNS = (
    "flows",
    "reached_end",
    "kills",
    "outage_answers",
    "server_errors",
    "provider_requests",
    "duplicate_messages",
    "duplicate_provider_requests",
    "duplicate_job_costs",
    "orphans",
    "token_leaks",
    "flow_p50_s",
    "flow_max_s",
    "duration_s",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=200)
    parser.add_argument("--kinds", default="none," + ",".join(KILL_KINDS))
    parser.add_argument("--kills-per-run", type=int, default=3)
    parser.add_argument("--arrival-s", type=float, default=240.0)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    console = Console()
    rows, failed = [], False
    for kind in args.kinds.split(","):
        kills = () if kind == "none" else (kind,) * args.kills_per_run
        config = RunConfig(
            flows=args.flows,
            kills=kills,
            arrival_s=args.arrival_s,
            outage_s=(5.0, 20.0),
            flow_timeout_s=600.0,
            concurrency=24,
            seed=args.seed,
        )
        state = Path(tempfile.mkdtemp(prefix=f"fieldops-bench-rel-{kind}-"))
        state.chmod(0o755)  # as root PostgreSQL runs as its own user; a restart must reach its data dir
        report = asyncio.run(run_reliability(config, state, say=console.print))
        summary = {"kind": kind, **report.summary()}
        rows.append(summary)
        console.print(summary)
        for problem in report.problems():
            failed = True
            console.print(f"[red]{kind}: {problem}[/red]")
    table = Table(title=f"reliability: {args.flows} flows per run")
    table.add_column("kind")
    for col in COLUMNS:
        table.add_column(col.replace("_", " "))
    for row in rows:
        table.add_row(row["kind"], *(str(row[c]) for c in COLUMNS))
    console.print(table)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, default=str))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
