"""Performance reports (issue 10 "Reports"): CSV export of each analytics table and a PNG chart
of a technician's BPI and revenue trend. Never commits.

CSV: one header row of the table's column names, then its rows by date and technician; a
manager gets his team's rows only (company-wide cohort benchmarks in full), technicians none
(the route refuses them). JSON columns are written as JSON, timestamps as ISO 8601 UTC, and a
text cell starting with ``=``, ``+``, ``-``, ``@``, tab or CR (a kudos message) gets a leading
``'`` so a spreadsheet shows it as text instead of running it as a formula.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from sqlalchemy.orm import Session

from api.auth import Staff
from api.errors import Problem
from api.services.performance_analytics import subject
from db.repositories import analytics as repo
from domain.access import Scope

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Longest date range one export may span, in days.
MAX_EXPORT_DAYS = 366


class ExportTable(StrEnum):
    """The analytics tables the CSV export offers (``db.repositories.analytics.EXPORTS``)."""

    TECHNICIAN_DAILY_METRICS = "technician_daily_metrics"
    TEAM_DAILY_METRICS = "team_daily_metrics"
    TECHNICIAN_BPI_SCORES = "technician_bpi_scores"
    COHORT_BENCHMARKS = "cohort_benchmarks"
    TECHNICIAN_ACHIEVEMENTS = "technician_achievements"
    COACHING_QUEUE = "coaching_queue"
    KUDOS = "kudos"


def _cell(value: object) -> object:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def export_csv(session: Session, *, table: str, start: date, end: date, scope: Scope) -> str:
    """The CSV text of ``table`` from ``start`` to ``end``; 422 for a reversed or too long range."""
    if end < start:
        raise Problem(422, f"end {end} is before start {start}")
    if (end - start).days + 1 > MAX_EXPORT_DAYS:
        raise Problem(422, f"at most {MAX_EXPORT_DAYS} days per export")
    header, rows = repo.export_rows(
        session, table=table, start=start, end=end, technician_ids=scope.technician_ids
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue()


def chart_png(
    session: Session, *, staff: Staff, technician_id: str | None, days: int, today: date, scope: Scope
) -> bytes:
    """A 1200x600 PNG: the technician's daily revenue (USD, completed jobs, bars, right axis) and
    BPI (0-100, line, left axis) over the ``days`` days ending on his latest aggregated day (or
    the days before ``today`` when he has none)."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure

    tech = subject(session, staff=staff, technician_id=technician_id, scope=scope)
    end = repo.latest_metric_date(session, technician_id=tech.id) or (today - timedelta(days=1))
    start = end - timedelta(days=days - 1)
    revenue = repo.daily_revenue(session, technician_id=tech.id, start=start, end=end)
    bpi = [
        (row.metric_date, b) for row, b in repo.trend(session, technician_id=tech.id, start=start, end=end)
    ]

    fig = Figure(figsize=(12, 6), dpi=100)
    ax_bpi = fig.add_subplot()
    ax_rev = ax_bpi.twinx()
    ax_rev.bar(
        list(revenue), [float(v) for v in revenue.values()], width=0.8, color="#9ecae1", label="revenue (USD)"
    )
    scored = [(d, float(b)) for d, b in bpi if b is not None]
    ax_bpi.plot([d for d, _ in scored], [b for _, b in scored], color="#d94801", linewidth=2.2, label="BPI")
    ax_bpi.set_zorder(ax_rev.get_zorder() + 1)
    ax_bpi.patch.set_visible(False)
    ax_bpi.set_ylim(0, 100)
    ax_bpi.set_ylabel("Balanced Performance Index (0-100)")
    ax_rev.set_ylabel("revenue per day (USD)")
    ax_bpi.set_xlim(start - timedelta(days=1), end + timedelta(days=1))
    locator = AutoDateLocator()
    ax_bpi.xaxis.set_major_locator(locator)
    ax_bpi.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax_bpi.grid(axis="y", alpha=0.3)
    total = sum(revenue.values(), Decimal("0"))
    fig.suptitle(f"{tech.id} {tech.name}: BPI and revenue, {start} to {end}", fontsize=14)
    ax_bpi.set_title(
        f"revenue ${total:,.2f} from completed jobs; BPI on {len(scored)} scored days", fontsize=10
    )
    handles = ax_bpi.get_legend_handles_labels()
    more = ax_rev.get_legend_handles_labels()
    ax_bpi.legend(handles[0] + more[0], handles[1] + more[1], loc="upper left")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
