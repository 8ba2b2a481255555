"""Flows survive SIGKILLs of a worker, the Temporal server and PostgreSQL (``devstack.reliability``).

One run of 20 flows against real subprocesses with one kill of each kind at random points; the
same code runs 200 flows per kind in ``bench/reliability.py``.
"""

from __future__ import annotations

import pytest

from devstack.reliability import KILL_KINDS, RunConfig, run_reliability

pytestmark = pytest.mark.integration


async def test_flows_reach_their_end_through_kills(state_dir):
    report = await run_reliability(RunConfig(flows=20, kills=KILL_KINDS, arrival_s=45), state_dir)
    print(report.summary())
    assert [k.kind for k in report.kills] == list(KILL_KINDS)
    assert report.provider_requests > 0 and report.tokens_checked > 0  # the audit had something to check
    assert report.problems() == []
    # every outage was seen by the probe, and answered 503 at least once (the database one for sure)
    assert report.outage_statuses["postgres:503"] > 0


def test_the_token_audit_reads_inside_payloads():
    """Exported histories carry payload data base64-encoded: the audit must decode it to see a token."""
    import base64

    from devstack.reliability_report import history_text

    token = "tok_9Xk2LmQ"
    payload = {
        "metadata": {"encoding": "anNvbi9wbGFpbg=="},
        "data": base64.b64encode(token.encode()).decode(),
    }
    exported = {"events": [{"activityTaskScheduledEventAttributes": {"input": {"payloads": [payload]}}}]}
    assert token not in str(exported)
    assert token in history_text(exported)
