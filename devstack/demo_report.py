"""The demo day's report: figures read back through the API and Temporal visibility, printed as
a rich table and written to ``<state_dir>/demo-report.json`` by ``devstack.demo_day``."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import httpx
from rich.console import Console
from rich.table import Table

from config import Settings
from devstack.http import http_client
from temporal_client import connect_temporal

if TYPE_CHECKING:
    from devstack.demo_day import DayRunner, Plan

console = Console()


async def fetch_all(http: httpx.AsyncClient, path: str, headers: dict, **params) -> list[dict]:
    """Every item of a paginated list endpoint."""
    items, page = [], 1
    while True:
        r = await http.get(path, params={**params, "page": page, "page_size": 100}, headers=headers)
        r.raise_for_status()
        data = r.json()
        items += data["items"]
        if page * 100 >= data["total"]:
            return items
        page += 1


async def build_report(settings: Settings, runner: DayRunner, plans: list[Plan], started: float) -> dict:
    """The day's figures from the API and Temporal visibility (waits for visibility to catch up)."""
    ids = [p.work_order_id for p in plans if p.work_order_id]
    async with http_client(runner.base_url) as http:
        repairs = {r["id"]: r for r in await fetch_all(http, "/api/v1/repairs", runner.office)}
        messages = [
            m for m in await fetch_all(http, "/api/v1/messages", runner.office) if m["work_order_id"] in ids
        ]
    mine = [repairs[i] for i in ids if i in repairs]
    wf_status: Counter[str] = Counter()
    by_work_status: dict[str, int] = {}
    if ids:  # no repair started: nothing to look up (and ``WorkflowId IN ()`` is not a query)
        wf_status, by_work_status = await _visibility(settings, ids, Counter(r["status"] for r in mine))
    completed = [r for r in mine if r["status"] == "completed"]
    return {
        "generated_at": datetime.now(UTC).isoformat(),
        "duration_seconds": round(time.monotonic() - started, 1),
        "repairs_started": len(ids),
        "customers": len({p.customer_id for p in plans}),
        "technicians_assigned": len({r["technician_id"] for r in mine if r["technician_id"]}),
        "final_status_counts": dict(Counter(r["status"] for r in mine)),
        "approval_modes": dict(Counter(r["approval_mode"] or "none" for r in mine)),
        "workflows": dict(wf_status),
        "workflows_found_by_work_status": by_work_status,
        "messages_by_channel": dict(Counter(m["channel"] for m in messages)),
        "messages_by_status": dict(Counter(m["status"] for m in messages)),
        "messages_by_purpose": dict(Counter(m["purpose"].rsplit("-v", 1)[0] for m in messages)),
        "total_completed_amount": str(sum((Decimal(r["total_amount"]) for r in completed), Decimal("0"))),
        "invalid_actions_refused": runner.rejected_as_expected,
        "errors": {p.work_order_id or f"plan-{p.n}": p.error for p in plans if p.error},
        "repairs": {p.work_order_id or f"plan-{p.n}": p.events for p in plans},
    }


async def _visibility(
    settings: Settings, ids: list[str], statuses: Counter[str]
) -> tuple[Counter[str], dict[str, int]]:
    """Workflow execution statuses of the repairs ``ids`` (non-empty), and how many Temporal finds by
    each work status; retried until visibility agrees with the API's ``statuses`` (eventually
    consistent), for at most ~30 s."""
    client = await connect_temporal(settings)
    ids_clause = ", ".join(f"'repair-{i}'" for i in ids)
    wf_status: Counter[str] = Counter()
    by_work_status: dict[str, int] = {}
    for _ in range(30):
        wf_status = Counter()
        async for wf in client.list_workflows(f"WorkflowId IN ({ids_clause})"):
            wf_status[wf.status.name.lower() if wf.status else "unknown"] += 1
        by_work_status = {
            s: (await client.count_workflows(f"WorkStatus = '{s}' AND WorkflowId IN ({ids_clause})")).count
            for s in statuses
        }
        if by_work_status == dict(statuses):
            break
        await asyncio.sleep(1)
    return wf_status, by_work_status


def print_report(report: dict, settings: Settings, office_key: str) -> None:
    """The summary table, the Web UI and docs URLs and the demo key."""
    table = Table(title="fieldops demo day", show_lines=False)
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("repairs started", str(report["repairs_started"]))
    table.add_row(
        "customers / technicians assigned", f"{report['customers']} / {report['technicians_assigned']}"
    )
    for status, n in sorted(report["final_status_counts"].items()):
        table.add_row(f"  status {status}", str(n))
    for mode, n in sorted(report["approval_modes"].items()):
        table.add_row(f"  approval {mode}", str(n))
    for status, n in sorted(report["workflows"].items()):
        table.add_row(f"  workflows {status}", str(n))
    for channel, n in sorted(report["messages_by_channel"].items()):
        table.add_row(f"  messages {channel}", str(n))
    for status, n in sorted(report.get("messages_by_status", {}).items()):
        table.add_row(f"  messages {status}", str(n))
    table.add_row("invalid actions refused (409/410)", str(report["invalid_actions_refused"]))
    dispatch = report.get("dispatch") or {}
    if dispatch:
        unassigned = sum(sum(d["unassigned"].values()) for d in dispatch.values())
        table.add_row(
            "dispatch: days / routes / stops",
            f"{len(dispatch)} / {sum(d['routes'] for d in dispatch.values())} / "
            f"{sum(d['stops'] for d in dispatch.values())}",
        )
        table.add_row(
            "  drive minutes / unassigned",
            f"{sum(d['travel_minutes'] for d in dispatch.values()):.0f} / {unassigned}",
        )
    walk = report.get("lot_walk")
    if walk:
        table.add_row(
            "lot walk: found / auto / approved / declined",
            f"{walk['found']} / {walk['auto_approved']} / {walk['approved']} / {walk['declined']}",
        )
        table.add_row("  lot-walk repairs completed", f"{walk['completed']} (${walk['amount']})")
    billing = report.get("billing")
    if billing:
        table.add_row(
            "invoices (work orders billed)", f"{billing['invoices']} ({billing['work_orders_billed']})"
        )
        table.add_row("  invoiced / paid", f"${billing['amount_invoiced']} / ${billing['amount_paid']}")
        table.add_row("  payments / invoices paid", f"{billing['payments']} / {billing['invoices_paid']}")
        table.add_row(
            "  invoice emails / dunning reminders",
            f"{billing['invoice_messages']} / {billing['dunning_reminders']}",
        )
    tracked = report.get("tracking")
    if tracked and tracked.get("technician"):
        table.add_row(
            "tracking: on my way / arrived",
            f"{tracked['technician']} ETA {str(tracked['eta'])[11:16]} UTC"
            f"{' (late)' if tracked['late'] else ''} / {tracked['arrived'] or 'not yet'}",
        )
    surveys = report.get("surveys")
    if surveys:
        table.add_row(
            "surveys sent / answered (page, SMS)",
            f"{surveys['sent']} / {surveys['answered']} "
            f"({surveys['answered_by_page']}, {surveys['answered_by_sms']})",
        )
        table.add_row(
            "  surveys by rating 1-5",
            " / ".join(str(surveys["by_rating"][str(r)]) for r in range(1, 6)),
        )
    portal = report.get("portal")
    if portal:
        table.add_row(
            "portal: signed in / request filed",
            f"customer {portal['customer_id']} {'yes' if portal['logged_in'] else 'no'} / "
            f"{portal['work_order_id'] or 'none'} ({portal['status'] or '-'})",
        )
    c360 = (report.get("customer360") or {}).get("fleet_360")
    if c360:
        table.add_row(
            "fleet 360: appliances / jobs / invoices",
            f"{c360['appliances']} / {c360['jobs']} / {c360['invoices']}",
        )
        table.add_row(
            "  lifetime value / outstanding",
            f"${c360['financials']['lifetime_value']} / ${c360['financials']['outstanding_balance']}",
        )
    analytics = report.get("analytics")
    if analytics:
        table.add_row("analytics days scored", f"{analytics['days_scored']} ({analytics['seconds']} s)")
    table.add_row("completed work", f"${report['total_completed_amount']}")
    table.add_row("errors", str(len(report["errors"])))
    table.add_row("duration", f"{report['duration_seconds']} s")
    console.print(table)
    console.print(
        f"Temporal Web UI: http://localhost:{settings.temporal_ui_port}/namespaces/default/workflows"
        "?query=WorkStatus%3D%27completed%27"
    )
    console.print(f"API docs:        http://localhost:{settings.api_port}/docs")
    console.print(f"demo API key:    {office_key}  (office role; header X-API-Key)")
