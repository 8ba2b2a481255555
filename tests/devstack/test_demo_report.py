"""The demo report when no repair of the day was started: no Temporal query is sent
(``WorkflowId IN ()`` is malformed), the figures are empty and the errors are kept."""

from __future__ import annotations

import random

import httpx
import pytest

import devstack.demo_report
from config import Settings
from devstack.demo_day import DayRunner, Plan
from devstack.demo_report import build_report


async def test_report_of_a_day_where_every_request_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    def empty_lists(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"items": [], "total": 0})

    async def no_temporal(_settings: Settings) -> None:
        raise AssertionError("Temporal was queried for an empty list of repairs")

    monkeypatch.setattr(
        devstack.demo_report,
        "http_client",
        lambda base_url: httpx.AsyncClient(base_url=base_url, transport=httpx.MockTransport(empty_lists)),
    )
    monkeypatch.setattr(devstack.demo_report, "connect_temporal", no_temporal)
    runner = DayRunner("http://127.0.0.1:1", "key", {}, random.Random(11))
    plans = [
        Plan(n, 1, "repair", 1, [], None, "link_approve", False, error="HTTPStatusError: 422")
        for n in range(3)
    ]

    report = await build_report(Settings(), runner, plans, started=0.0)

    assert report["repairs_started"] == 0
    assert report["workflows"] == {} and report["workflows_found_by_work_status"] == {}
    assert report["errors"] == {f"plan-{n}": "HTTPStatusError: 422" for n in range(3)}
