"""The LLM helpers in the demo (issue 11 "Done when": one LLM answer of each kind). For the demo
to call once the day has completed work (the lead wires it into the demo); it goes through the
HTTP API like staff, and prints one line per helper with where the answer came from (``model``,
``cache`` or ``fallback``: without ``FIELDOPS_LLM_API_KEY`` every answer is the fallback).
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

#: characters of an answer shown on its line
LINE_CHARS = 110


def _first_text(kind: str, body: dict) -> str:
    """The most telling sentence of an answer, on one line."""
    a = body["answer"]
    text = {
        "timeline-summary": lambda: a["summary"],
        "followup-suggestions": lambda: (
            "; ".join(f"{s['action']} (in {s['due_in_days']} d, {s['channel']})" for s in a["suggestions"])
            or "no follow-up due"
        ),
        "generate-greeting": lambda: f"[{body['facts']['occasion']}] {a['message']}",
        "analyze-sentiment": lambda: f"{a['label']} {a['score']:+.2f}: {a['summary']}",
        "profitability-analysis": lambda: a["summary"],
        "predict-maintenance": lambda: a["overview"],
        "match-technician": lambda: a["explanation"],
        "generate-survey": lambda: a["message"],
    }[kind]()
    text = " ".join(str(text).split())
    return text if len(text) <= LINE_CHARS else text[: LINE_CHARS - 1] + "…"


async def demo_subjects(http: httpx.AsyncClient, headers: dict[str, str]) -> tuple[int, str]:
    """The fleet customer (the largest ``fleet_size``) and its newest completed repair; raises
    RuntimeError when the demo has none."""
    r = await http.get("/api/v1/customers", params={"page_size": 100}, headers=headers)
    r.raise_for_status()
    customer = max(r.json()["items"], key=lambda c: (c.get("fleet_size") or 0, -c["id"]))
    r = await http.get(
        "/api/v1/repairs",
        params={"customer_id": customer["id"], "status": "completed", "page_size": 100},
        headers=headers,
    )
    r.raise_for_status()
    jobs = sorted(r.json()["items"], key=lambda j: (j.get("actual_end_time") or "", j["id"]))
    if not jobs:
        raise RuntimeError(f"customer {customer['id']} has no completed repair for the LLM helpers")
    return customer["id"], jobs[-1]["id"]


async def play_llm_helpers(
    http: httpx.AsyncClient,
    headers: dict[str, str],
    *,
    customer_id: int | None = None,
    work_order_id: str | None = None,
    echo: Callable[[str], None] = print,
) -> dict[str, str]:
    """Call every LLM helper once: the repair's timeline summary, technician match and survey;
    the customer's follow-ups, greeting, sentiment, profitability and maintenance; and the
    maintenance of the customer's first appliance (skipped, and said so, when it has none).
    Without ids, the fleet customer and its newest completed repair (:func:`demo_subjects`).
    Prints ``helper subject [source] answer`` per call through ``echo`` and returns the lines
    by helper. Raises ``httpx.HTTPStatusError`` for an answer other than 200."""
    if customer_id is None or work_order_id is None:
        customer_id, work_order_id = await demo_subjects(http, headers)
    calls = [
        ("timeline-summary", f"/api/v1/repairs/{work_order_id}/timeline-summary"),
        ("match-technician", f"/api/v1/repairs/{work_order_id}/match-technician"),
        ("generate-survey", f"/api/v1/repairs/{work_order_id}/generate-survey"),
        ("followup-suggestions", f"/api/v1/customers/{customer_id}/followup-suggestions"),
        ("generate-greeting", f"/api/v1/customers/{customer_id}/generate-greeting"),
        ("analyze-sentiment", f"/api/v1/customers/{customer_id}/analyze-sentiment"),
        ("profitability-analysis", f"/api/v1/customers/{customer_id}/profitability-analysis"),
        ("predict-maintenance", f"/api/v1/customers/{customer_id}/predict-maintenance"),
    ]
    listed = await http.get("/api/v1/appliances", params={"customer_id": customer_id}, headers=headers)
    listed.raise_for_status()
    appliances = listed.json()["items"]
    if appliances:
        calls.append(("predict-maintenance", f"/api/v1/appliances/{appliances[0]['id']}/predict-maintenance"))
    lines: dict[str, str] = {}
    for kind, path in calls:
        r = await http.post(path, headers=headers)
        r.raise_for_status()
        body = r.json()
        line = f"{kind:<22} {body['subject']:<28} [{body['source']}] {_first_text(kind, body)}"
        lines[f"{kind} {body['subject']}"] = line
        echo(line)
    if not appliances:
        echo(
            f"{'predict-maintenance':<22} customer {customer_id} has no appliance on record: per-appliance call skipped"
        )
    return lines
