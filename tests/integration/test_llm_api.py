"""Every LLM helper endpoint without a key (seed 004 Phase 2, issue 11): the deterministic
fallback answers from the real records (the repair's Temporal history, the customer 360
tables), and the demo helper prints one answer of each kind. With a key: test_llm_api_keyed.py.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from devstack.llm_demo import demo_subjects, play_llm_helpers
from tests.integration.llm_stack import customer_with_job, endpoints

pytestmark = pytest.mark.integration


async def test_every_helper_answers_without_a_key(stack):
    words = "Third backup this month, the crew was late and the yard is a terrible mess"
    customer, wo, _ = await customer_with_job(stack.http, stack.office, stack.tech_keys, words)
    answers = {}
    for name, path in endpoints(customer, wo).items():
        r = await stack.http.post(path, headers=stack.office)
        assert r.status_code == 200, (path, r.text)
        body = r.json()
        assert body["source"] == "fallback" and body["model"] is None and body["fallback_reason"] is None
        answers[name] = body

    timeline = answers["TimelineSummary"]
    assert timeline["subject"] == f"work_order:{wo}" and wo in timeline["answer"]["summary"]
    whats = [e["what"] for e in timeline["facts"]["events"]]
    assert (
        whats.count("workflow started") == 1 and whats.count("workflow completed") == 1
    )  # the Temporal history
    assert whats.index("update complete accepted") < whats.index("workflow completed")
    assert any(w.startswith("update start") for w in whats) and any(
        w.startswith("update complete") for w in whats
    )
    assert any(e["source"] == "audit" for e in timeline["facts"]["events"])
    assert timeline["facts"]["status"] == "completed" and "completed" in timeline["answer"]["summary"]

    match = answers["MatchExplanation"]
    best = match["facts"]["best_technician_id"]
    assert match["facts"]["candidates"][0]["technician_id"] == best
    assert match["answer"]["explanation"].startswith(f"{best} fits {wo} best")

    survey = answers["SurveyMessage"]["answer"]
    assert "repair" in survey["message"] and len(survey["questions"]) == 3 and "1" in survey["questions"][0]

    followups = answers["FollowupSuggestions"]["answer"]["suggestions"]
    assert followups[0]["action"].startswith("Ask how the repair") and followups[0]["channel"] == "sms"

    greeting = answers["Greeting"]
    assert greeting["facts"]["occasion"] == "welcome"  # the only job, completed today
    assert greeting["answer"]["message"].startswith("Hi Marisol, welcome aboard!")

    sentiment = answers["Sentiment"]
    assert sentiment["answer"]["label"] == "negative" and sentiment["facts"]["texts_analyzed"] == 1
    assert "terrible" in sentiment["answer"]["themes"]

    spanish = await stack.http.post(
        f"/api/v1/customers/{customer}/generate-greeting",
        params={"language": "es", "channel": "email"},
        headers=stack.office,
    )
    assert spanish.json()["answer"]["message"].startswith("Hola Marisol, ¡bienvenido!")


async def test_unknown_records_and_bad_options(stack):
    assert (
        await stack.http.post("/api/v1/customers/999999/generate-greeting", headers=stack.office)
    ).status_code == 404
    assert (
        await stack.http.post("/api/v1/repairs/WO-NOPE/timeline-summary", headers=stack.office)
    ).status_code == 404
    bad = await stack.http.post(
        "/api/v1/customers/1/generate-greeting", params={"channel": "fax"}, headers=stack.office
    )
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"


async def test_maintenance_and_profitability_from_the_customer_360_records(stack):
    customer, wo, _ = await customer_with_job(stack.http, stack.office, stack.tech_keys, "fine")
    today = date.fromisoformat(
        (
            await stack.http.post(f"/api/v1/customers/{customer}/predict-maintenance", headers=stack.office)
        ).json()["facts"]["as_of"]
    )
    made = {}
    for kind, body in {
        "grease": {"type": "grease trap", "last_service_date": str(today - timedelta(days=100))},
        "septic": {"type": "septic tank", "installed_on": str(today - timedelta(days=2 * 365))},
        "heater": {"type": "water heater"},
    }.items():
        r = await stack.http.post(
            "/api/v1/appliances", json={"customer_id": customer, **body}, headers=stack.office
        )
        assert r.status_code == 201, r.text
        made[kind] = r.json()["id"]
    expense = {"work_order_id": wo, "category": "disposal", "amount": "400.00", "incurred_on": str(today)}
    assert (await stack.http.post("/api/v1/expenses", json=expense, headers=stack.office)).status_code == 201
    review = {"work_order_id": wo, "rating": 1, "comment": "Awful, the yard was left filthy"}
    assert (await stack.http.post("/api/v1/reviews", json=review, headers=stack.office)).status_code == 201

    one = (
        await stack.http.post(
            f"/api/v1/appliances/{made['grease']}/predict-maintenance", headers=stack.office
        )
    ).json()
    assert one["subject"] == f"appliance:{made['grease']}" and one["source"] == "fallback"
    (grease,) = one["facts"]["predictions"]
    assert grease["status"] == "overdue" and grease["interval_days"] == 90 and grease["days_until_due"] == -10
    assert grease["due"] == str(today - timedelta(days=10))
    assert one["answer"]["advice"][str(made["grease"])].startswith("The grease trap was due on")

    every = (
        await stack.http.post(f"/api/v1/customers/{customer}/predict-maintenance", headers=stack.office)
    ).json()
    order = [(p["appliance_id"], p["status"]) for p in every["facts"]["predictions"]]
    assert order == [(made["grease"], "overdue"), (made["heater"], "unknown"), (made["septic"], "ok")]
    septic = every["facts"]["predictions"][2]
    assert septic["due"] == str(today - timedelta(days=2 * 365) + timedelta(days=3 * 365))
    assert every["answer"]["overview"].startswith("2 of 3 appliance(s) need service now")

    money = (
        await stack.http.post(f"/api/v1/customers/{customer}/profitability-analysis", headers=stack.office)
    ).json()
    totals = money["facts"]["totals_usd"]
    financials = (
        await stack.http.get(f"/api/v1/customers/{customer}/financials", headers=stack.office)
    ).json()
    assert Decimal(totals["margin"]) == Decimal(str(financials["totals"]["margin"]))  # the customer 360 rules
    assert Decimal(totals["margin"]) < 0 and money["facts"]["expenses_by_category_usd"] == {
        "disposal": "400.00"
    }
    assert any(r.startswith("Review pricing of repair") for r in money["answer"]["recommendations"])

    mood = (
        await stack.http.post(f"/api/v1/customers/{customer}/analyze-sentiment", headers=stack.office)
    ).json()
    assert mood["facts"]["texts_analyzed"] == 2 and mood["answer"]["label"] == "negative"

    assert (
        await stack.http.post("/api/v1/appliances/999999/predict-maintenance", headers=stack.office)
    ).status_code == 404


async def test_the_demo_helper_prints_one_answer_of_each_kind(stack, capsys):
    customer, wo, _ = await customer_with_job(
        stack.http, stack.office, stack.tech_keys, "Quick and friendly crew, thank you"
    )
    body = {"customer_id": customer, "type": "grease trap", "last_service_date": "2026-09-01"}
    assert (await stack.http.post("/api/v1/appliances", json=body, headers=stack.office)).status_code == 201
    lines = await play_llm_helpers(stack.http, stack.office, customer_id=customer, work_order_id=wo)
    printed = capsys.readouterr().out.strip().splitlines()
    assert printed == list(lines.values()) and len(printed) == 9
    assert all("[fallback]" in line for line in printed)
    with capsys.disabled():
        print("\n" + "\n".join(printed))


async def test_the_demo_helper_finds_the_fleet_customer_itself(stack, capsys):
    customer, wo = await demo_subjects(stack.http, stack.office)
    fleet = (await stack.http.get(f"/api/v1/customers/{customer}", headers=stack.office)).json()
    assert fleet["fleet_size"] > 0
    lines = await play_llm_helpers(stack.http, stack.office)
    assert f"timeline-summary work_order:{wo}" in lines and f"generate-greeting customer:{customer}" in lines
    with capsys.disabled():
        print("\n" + "\n".join(lines.values()))
