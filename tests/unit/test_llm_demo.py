"""devstack/llm_demo.py: one call per helper, one printed line each (against a mock transport)."""

from __future__ import annotations

import httpx

from devstack.llm_demo import demo_subjects, play_llm_helpers

ANSWERS = {
    "timeline-summary": {"summary": "Work order WO-1 is completed."},
    "match-technician": {"explanation": "T-002 fits WO-1 best."},
    "generate-survey": {"message": "How did we do? Reply 1-5.", "questions": ["Rate"]},
    "followup-suggestions": {
        "suggestions": [{"action": "Ask how it went", "due_in_days": 1, "channel": "sms", "reason": "r"}]
    },
    "generate-greeting": {"message": "Hi Rosa, welcome aboard!"},
    "analyze-sentiment": {"label": "positive", "score": 0.61, "summary": "Happy.", "themes": []},
    "profitability-analysis": {"summary": "Margin $40.00.", "recommendations": []},
    "predict-maintenance": {"overview": "Grease trap overdue.", "advice": {}},
}


async def test_every_helper_is_called_once_and_printed():
    posted: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"items": [{"id": 5}], "total": 1, "page": 1, "page_size": 50})
        posted.append(request.url.path)
        kind = request.url.path.rsplit("/", 1)[1]
        subject = "appliance:5" if "/appliances/" in request.url.path else "customer:3"
        facts = {"occasion": "welcome"} if kind == "generate-greeting" else {}
        return httpx.Response(
            200, json={"subject": subject, "source": "fallback", "answer": ANSWERS[kind], "facts": facts}
        )

    printed: list[str] = []
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://demo") as http:
        lines = await play_llm_helpers(
            http, {"X-API-Key": "k"}, customer_id=3, work_order_id="WO-1", echo=printed.append
        )
    assert len(posted) == 9 and len(set(posted)) == 9
    assert "/api/v1/appliances/5/predict-maintenance" in posted
    assert len(printed) == 9 and list(lines.values()) == printed
    assert any("[welcome] Hi Rosa, welcome aboard!" in line for line in printed)
    assert any("positive +0.61: Happy." in line for line in printed)


async def test_without_ids_the_fleet_customer_and_its_newest_completed_repair():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/customers":
            items = [{"id": 1, "fleet_size": 0}, {"id": 2, "fleet_size": 45}, {"id": 3, "fleet_size": 3}]
            return httpx.Response(200, json={"items": items})
        assert request.url.params["customer_id"] == "2" and request.url.params["status"] == "completed"
        items = [
            {"id": "WO-B", "actual_end_time": "2026-11-25T15:00:00Z"},
            {"id": "WO-A", "actual_end_time": "2026-11-25T18:00:00Z"},
            {"id": "WO-C", "actual_end_time": None},
        ]
        return httpx.Response(200, json={"items": items})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://demo") as http:
        assert await demo_subjects(http, {}) == (2, "WO-A")
