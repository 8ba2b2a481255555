"""Record a RepairWorkflow history for tests/workflows/histories from a scenario of the workflow
tests (time-skipping server, stub activities), for paths the demo cannot reach on demand, such
as a send that keeps failing past the approval deadline.

    .venv/bin/python -m tests.workflows.record_history expired-send-abandoned

writes ``tests/workflows/histories/repair-expired-send-abandoned.json``. The stubs carry no
personal data, and ``test_replay`` checks that every committed history replays.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from domain.contracts.repair import Durations, RepairInput
from tests.conftest import wheel_binary
from tests.workflows.conftest import register_search_attributes
from tests.workflows.stubs import ActivityName, StubActivities
from tests.workflows.test_repair_workflow import repair_input, running

HISTORIES = Path(__file__).parent / "histories"

#: name → (stubs, start input); each runs to its end without any update
SCENARIOS: dict[str, Callable[[], tuple[StubActivities, RepairInput]]] = {
    # the link and the reminder each retried for 30 s; expiry 72 h after the deadline was fixed
    "expired-slow-send": lambda: (
        StubActivities(
            failing_attempts={
                ActivityName.REQUEST_CUSTOMER_APPROVAL: 4,
                ActivityName.SEND_APPROVAL_REMINDER: 4,
            }
        ),
        repair_input(90),
    ),
    # the demo's 6 s / 20 s: the link's send fails for 30 s and is cancelled at the deadline
    "expired-send-abandoned": lambda: (
        StubActivities(failing_attempts={ActivityName.REQUEST_CUSTOMER_APPROVAL: 5}),
        repair_input(91).model_copy(
            update={"durations": Durations(approval_reminder_seconds=6, approval_expiry_seconds=20)}
        ),
    ),
}


async def record(name: str) -> Path:
    """Run scenario ``name`` to its end and write its history; returns the file written."""
    stubs, inp = SCENARIOS[name]()
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=wheel_binary("temporal-test-server"),
    )
    try:
        await register_search_attributes(env)
        async with running(env, f"record-{name}", stubs, inp) as handle:
            await handle.result()
            history = await handle.fetch_history()
    finally:
        await env.shutdown()
    path = HISTORIES / f"repair-{name}.json"
    path.write_text(history.to_json() + "\n")
    return path


def main(argv: list[str]) -> None:
    """Record each scenario named in ``argv`` (all when none)."""
    for name in argv or list(SCENARIOS):
        print(asyncio.run(record(name)))


if __name__ == "__main__":
    main(sys.argv[1:])
