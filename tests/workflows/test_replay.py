"""Replay committed histories (recorded from the demo on the dev server, and by
tests/workflows/record_history.py for paths the demo cannot reach on demand) against today's
workflow code: a non-deterministic change to RepairWorkflow fails here before it breaks running
repairs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from domain.contracts.repair import RepairInput, RepairStatus
from workflows.repair import RepairWorkflow


def _read(path: Path) -> str:
    return path.read_text()


HISTORIES = sorted((Path(__file__).parent / "histories").glob("repair-*.json"))


def test_histories_are_committed():
    kinds = {p.stem.removeprefix("repair-") for p in HISTORIES}
    assert {"completed", "completed-link", "declined", "expired", "cancelled", "revised"} <= kinds
    # recorded under PATCH_ONE_APPROVAL_DEADLINE (tests/workflows/record_history.py)
    assert {"expired-slow-send", "expired-send-abandoned"} <= kinds


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_replay(path: Path):
    history = WorkflowHistory.from_json(f"repair-{path.stem}", _read(path))
    replayer = Replayer(workflows=[RepairWorkflow], data_converter=pydantic_data_converter)
    await replayer.replay_workflow(history)


def test_histories_carry_no_personal_data():
    for path in HISTORIES:
        text = path.read_text()
        assert "@example.com" not in text and "555-01" not in text and "/approve/" not in text, path.name


@workflow.defn(name=RepairWorkflow.__name__)
class RepairWorkflowWithAnExtraTimer(RepairWorkflow):
    """A deliberately non-deterministic edit of RepairWorkflow: one timer more before any other
    command, shipped without ``workflow.patched``."""

    @workflow.run
    async def run(self, inp: RepairInput) -> RepairStatus:
        await workflow.sleep(timedelta(seconds=1))
        return await super().run(inp)


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_replay_catches_an_unpatched_change(path: Path):
    """The replay test is not vacuous: the edited copy fails on every committed history."""
    history = WorkflowHistory.from_json(f"repair-{path.stem}", _read(path))
    replayer = Replayer(workflows=[RepairWorkflowWithAnExtraTimer], data_converter=pydantic_data_converter)
    with pytest.raises(workflow.NondeterminismError):
        await replayer.replay_workflow(history)
