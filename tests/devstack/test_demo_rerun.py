"""``fieldops demo --exit`` twice on the same state: both days are played in full."""

from __future__ import annotations

import json

import pytest

from tests.devstack.conftest import StackEnv, wait_until

pytestmark = pytest.mark.integration


def test_demo_day_runs_twice_on_the_same_state(stack_env: StackEnv) -> None:
    report_path = stack_env.state_dir / "demo-report.json"
    for run in (1, 2):
        report_path.unlink(missing_ok=True)
        demo = stack_env.start("demo", "--exit")
        code = demo.wait(240)
        out = stack_env.output(demo)
        assert code == 0, f"demo run {run} exited {code}:\n{out}"
        assert "Traceback" not in out, out
        report = json.loads(report_path.read_text())
        assert report["errors"] == {}, f"run {run}: {report['errors']}"
        assert report["repairs_started"] == 44
        assert wait_until(lambda: not stack_env.leftovers(), 20), f"run {run} left {stack_env.leftovers()}"
        assert stack_env.busy_ports() == []
