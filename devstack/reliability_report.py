"""What a reliability run measured (``Report``) and the audit that counts it after the run:
duplicates and orphans straight from the tables and Temporal visibility (an oracle independent of
the repositories), approval tokens grepped in every log, the PostgreSQL log, ``temporal.db`` and
every exported history. Used by ``devstack.reliability``."""

from __future__ import annotations

import base64
import contextlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from config import Settings
from devstack.fake_providers import ProviderLog
from temporal_client import connect_temporal

LINK = re.compile(r"https?://[^\s\"\\]+/approve/([A-Za-z0-9_-]+)")


@dataclass
class Kill:
    """One SIGKILL: which component, seconds into the run, how long it stayed down (s), and how
    long the stack took to answer ``/readyz`` 200 again after the restart (s)."""

    kind: str
    at_s: float
    outage_s: float
    recovered_s: float | None = None


@dataclass
class Report:
    """What a run measured; ``problems()`` lists every broken promise (empty means pass)."""

    flows: int
    final: Counter[str] = field(default_factory=Counter)
    expected: Counter[str] = field(default_factory=Counter)
    flow_errors: dict[str, str] = field(default_factory=dict)
    flow_seconds: list[float] = field(default_factory=list)
    kills: list[Kill] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    outage_statuses: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    duplicate_messages: list[str] = field(default_factory=list)
    duplicate_provider_requests: list[str] = field(default_factory=list)
    duplicate_job_costs: list[str] = field(default_factory=list)
    work_orders_without_workflow: list[str] = field(default_factory=list)
    workflows_without_work_order: list[str] = field(default_factory=list)
    provider_requests: int = 0
    tokens_checked: int = 0
    token_leaks: list[str] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def reached_end(self) -> int:
        """Flows that ended in the status their flow expects."""
        return sum(min(self.final[s], n) for s, n in self.expected.items())

    def problems(self) -> list[str]:
        """Human-readable failures; empty when the run kept every promise."""
        out = []
        if self.reached_end != self.flows:
            out.append(f"{self.reached_end} of {self.flows} flows reached their end: {dict(self.final)}")
        out += [f"flow {k}: {v}" for k, v in sorted(self.flow_errors.items())]
        out += [f"server error: {e}" for e in self.server_errors]
        out += [f"duplicate outbox message: {d}" for d in self.duplicate_messages]
        out += [f"duplicate provider request: {d}" for d in self.duplicate_provider_requests]
        out += [f"duplicate job cost: {d}" for d in self.duplicate_job_costs]
        out += [f"work order without workflow: {w}" for w in self.work_orders_without_workflow]
        out += [f"workflow without work order: {w}" for w in self.workflows_without_work_order]
        out += [f"approval token leaked into {where}" for where in self.token_leaks]
        out += [f"{k.kind} did not recover after its restart" for k in self.kills if k.recovered_s is None]
        return out

    def summary(self) -> dict[str, object]:
        """The figures as one flat dict (for tables and JSON)."""
        secs = sorted(self.flow_seconds) or [0.0]
        return {
            "flows": self.flows,
            "reached_end": self.reached_end,
            "kills": ", ".join(f"{k.kind}@{k.at_s:.0f}s/{k.outage_s:.0f}s" for k in self.kills) or "none",
            "outage_answers": dict(self.outage_statuses),
            "server_errors": len(self.server_errors),
            "duplicate_messages": len(self.duplicate_messages),
            "provider_requests": self.provider_requests,
            "duplicate_provider_requests": len(self.duplicate_provider_requests),
            "duplicate_job_costs": len(self.duplicate_job_costs),
            "orphans": len(self.work_orders_without_workflow) + len(self.workflows_without_work_order),
            "token_leaks": len(self.token_leaks),
            "flow_p50_s": round(secs[len(secs) // 2], 1),
            "flow_max_s": round(secs[-1], 1),
            "duration_s": round(self.duration_s, 1),
        }


async def audit(
    settings: Settings,
    sessions: sessionmaker[Session],
    work_orders: list[str],
    report: Report,
    providers: ProviderLog,
    run_start: datetime,
) -> None:
    """Count duplicates and orphans straight from the tables and Temporal visibility (an oracle
    independent of the repositories), then grep every log and history for approval tokens."""
    ids = sorted(set(work_orders))
    with sessions() as session:
        for wo, purpose, n in session.execute(
            text(
                "SELECT work_order_id, purpose, count(*) FROM messages WHERE work_order_id = ANY(:ids) "
                "GROUP BY 1, 2 HAVING count(*) > 1"
            ),
            {"ids": ids},
        ):
            report.duplicate_messages.append(f"{wo} {purpose} x{n}")
        for wo, kind, desc, n in session.execute(
            text(
                "SELECT work_order_id, cost_type, coalesce(description, ''), count(*) FROM job_costs "
                "WHERE work_order_id = ANY(:ids) GROUP BY 1, 2, 3 HAVING count(*) > 1"
            ),
            {"ids": ids},
        ):
            report.duplicate_job_costs.append(f"{wo} {kind} {desc} x{n}")
        created = {
            row[0]
            for row in session.execute(
                text("SELECT id FROM work_orders WHERE created_at >= :t"), {"t": run_start}
            )
        }
    requests = [f"sms {m['to']}: {m['body']}" for m in providers.twilio] + [
        f"email {json.dumps(m, sort_keys=True)}" for m in providers.sendgrid
    ]
    report.provider_requests = len(requests)
    report.duplicate_provider_requests = [f"{r[:120]} x{n}" for r, n in Counter(requests).items() if n > 1]

    client = await connect_temporal(settings)
    start = run_start.strftime("%Y-%m-%dT%H:%M:%SZ")
    workflows = {
        wf.id: wf
        async for wf in client.list_workflows(f"WorkflowType = 'RepairWorkflow' AND StartTime >= '{start}'")
    }
    wf_ids = {w.removeprefix("repair-") for w in workflows}
    report.work_orders_without_workflow = sorted(created - wf_ids)
    report.workflows_without_work_order = sorted(wf_ids - created)

    tokens = {m.group(1) for t in providers.texts() for m in LINK.finditer(t)}
    report.tokens_checked = len(tokens)
    places = [*sorted((settings.state_dir / "logs").glob("*.log")), settings.pg_dir / "log"]
    places.append(settings.state_dir / "temporal.db")
    for place in places:
        if place.exists():
            data = place.read_bytes()
            report.token_leaks += [f"{place.name}" for t in tokens if t.encode() in data][:1]
    for wf_id in workflows:
        history = history_text((await client.get_workflow_handle(wf_id).fetch_history()).to_json_dict())
        if any(t in history for t in tokens):
            report.token_leaks.append(f"the history of {wf_id}")


def history_text(exported: dict) -> str:
    """An exported history as searchable text: its JSON plus every payload's data decoded
    (the export carries payload data base64-encoded)."""
    parts = [json.dumps(exported)]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, str) and "metadata" in node:
                with contextlib.suppress(ValueError):
                    parts.append(base64.b64decode(data).decode("utf-8", "replace"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(exported)
    return "\n".join(parts)
