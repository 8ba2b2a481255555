"""The pure rules behind the LLM helpers: redaction, greeting occasions, follow-ups, sentiment
labels and predictive maintenance (domain/llm_privacy.py, engagement.py, maintenance.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.contracts.llm import ANSWER_MODELS, HelperKind, helper_workflow_id
from domain.engagement import JobFact, Occasion, followups, greeting_occasion, sentiment_label
from domain.llm_privacy import has_contact_details, redact
from domain.maintenance import ApplianceFacts, predict, predict_all, rule_for

TODAY = date(2026, 11, 25)


# ---- redaction ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("call 512-555-0143 please", "call [phone] please"),
        ("(512) 555 0143", "[phone]"),
        ("+1 512.555.0143 after 5", "[phone] after 5"),
        ("mail rosa.d+x@example.co.uk now", "mail [email] now"),
        ("job WO-20261122-0001 and invoice 2026-0012", "job WO-20261122-0001 and invoice 2026-0012"),
        ("paid $1,234.50 on 2026-11-20", "paid $1,234.50 on 2026-11-20"),
    ],
)
def test_redact_shapes(text, expected):
    assert redact(text) == expected


def test_redact_known_names_and_contacts_whole_words_only():
    out = redact(
        "Rosa Delgado at 1100 Congress Ave; Rosalind is not Rosa",
        names=("Rosa", "Delgado", None, "Al"),  # 2-letter values are left alone
        contacts=("1100 Congress Ave",),
    )
    assert out == "[customer] [customer] at [contact]; Rosalind is not [customer]"
    assert not has_contact_details(redact("reach me: 5125550143 / a@b.io"))


# ---- greeting occasions ------------------------------------------------------------------------


def job(day: date, status: str = "completed", job_type: str = "pumping", wo: str = "WO-1") -> JobFact:
    return JobFact(wo, job_type, status, day)


@pytest.mark.parametrize(
    "since, jobs, as_of, occasion",
    [
        (date(2026, 11, 1), [job(TODAY - timedelta(days=3))], TODAY, Occasion.WELCOME),
        (date(2024, 11, 28), [job(date(2025, 1, 5))], TODAY, Occasion.ANNIVERSARY),  # 2 years in 3 days
        (date(2023, 3, 1), [job(date(2025, 6, 1))], TODAY, Occasion.WIN_BACK),
        (date(2023, 3, 1), [job(date(2026, 6, 1)), job(TODAY, wo="WO-2")], TODAY, Occasion.THANK_YOU),
        (date(2023, 3, 1), [job(date(2026, 6, 1))], date(2026, 12, 15), Occasion.HOLIDAY_SEASON),
        (date(2023, 3, 1), [job(date(2026, 6, 1))], TODAY, Occasion.CHECK_IN),
        (date(2026, 11, 20), [], TODAY, Occasion.CHECK_IN),  # under a year: no anniversary
        (date(2024, 2, 29), [job(date(2026, 1, 5))], date(2027, 2, 27), Occasion.ANNIVERSARY),  # leap day
    ],
)
def test_greeting_occasion_rules(since, jobs, as_of, occasion):
    assert greeting_occasion(customer_since=since, jobs=jobs, as_of=as_of).occasion is occasion


def test_declined_jobs_do_not_make_a_welcome():
    decision = greeting_occasion(
        customer_since=date(2026, 11, 1), jobs=[job(TODAY, status="declined")], as_of=TODAY
    )
    assert decision.occasion is Occasion.CHECK_IN


# ---- follow-ups --------------------------------------------------------------------------------


def test_followups_from_recent_jobs_lost_estimates_and_intervals():
    jobs = [
        job(TODAY - timedelta(days=2), job_type="repair", wo="WO-R"),
        JobFact("WO-D", "repair", "declined", TODAY - timedelta(days=10), "185.00"),
        job(TODAY - timedelta(days=80), job_type="grease_trap", wo="WO-G1"),  # due in 10 days
        job(TODAY - timedelta(days=3 * 365 + 5), job_type="pumping", wo="WO-P"),  # overdue by 5
        JobFact("WO-X", "repair", "expired", TODAY - timedelta(days=90)),  # too old to call about
    ]
    out = followups(jobs=jobs, as_of=TODAY, channel="email")
    assert [(f.action.split(" ")[0], f.due_in_days, f.channel) for f in out] == [
        ("Offer", 0, "email"),  # pumping overdue: today
        ("Ask", 1, "email"),
        ("Call", 2, "phone"),
        ("Offer", 10, "email"),
    ]
    assert "overdue since" in out[0].reason and "$185.00" in out[2].action


def test_no_booking_offer_while_a_job_of_that_type_is_open():
    jobs = [
        job(TODAY - timedelta(days=85), job_type="grease_trap"),
        job(TODAY, status="assigned", job_type="grease_trap", wo="WO-2"),
    ]
    assert followups(jobs=jobs, as_of=TODAY, channel="sms") == []


@pytest.mark.parametrize(
    "score, label", [(0.05, "positive"), (0.049, "neutral"), (-0.05, "negative"), (0, "neutral")]
)
def test_sentiment_label_thresholds(score, label):
    assert sentiment_label(score) == label


# ---- predictive maintenance --------------------------------------------------------------------


def test_interval_rules_by_type():
    assert rule_for("Grease Trap (kitchen)") == (90, "grease_trap")
    assert rule_for("septic tank") == (1095, "pumping")
    assert rule_for("espresso machine") == (365, None)


def test_observed_interval_from_history_is_bounded():
    fast = [TODAY - timedelta(days=d) for d in (150, 100, 50)]  # every 50 days
    p = predict(ApplianceFacts(1, "grease trap"), {"grease_trap": fast}, TODAY)
    assert (p.interval_days, p.interval_basis, p.services_counted) == (50, "observed", 3)
    assert p.due == TODAY and p.status == "due_soon" and p.days_until_due == 0
    slow = [TODAY - timedelta(days=d) for d in (400, 10)]  # a 390-day gap: at most 1.5 x 90
    assert predict(ApplianceFacts(2, "grease trap"), {"grease_trap": slow}, TODAY).interval_days == 135
    tiny = [TODAY - timedelta(days=d) for d in (12, 10)]  # 2 days: at least half of 90
    assert predict(ApplianceFacts(3, "grease trap"), {"grease_trap": tiny}, TODAY).interval_days == 45


def test_last_service_install_day_and_unknown():
    own = predict(ApplianceFacts(1, "water heater", last_service_date=TODAY - timedelta(days=300)), {}, TODAY)
    assert (own.status, own.days_until_due, own.interval_basis) == ("upcoming", 65, "standard")
    installed = predict(ApplianceFacts(2, "septic tank", installed_on=date(2020, 1, 1)), {}, TODAY)
    assert installed.status == "overdue" and installed.last_service == date(2020, 1, 1)
    unknown = predict(ApplianceFacts(3, "lift gate"), {}, TODAY)
    assert (unknown.status, unknown.due, unknown.last_service) == ("unknown", TODAY, None)
    future_job = predict(
        ApplianceFacts(4, "grease trap"), {"grease_trap": [TODAY + timedelta(days=5)]}, TODAY
    )
    assert future_job.status == "unknown"  # a scheduled job is not a service yet


def test_predict_all_soonest_first():
    out = predict_all(
        [
            ApplianceFacts(1, "septic tank", last_service_date=TODAY - timedelta(days=10)),
            ApplianceFacts(2, "grease trap", last_service_date=TODAY - timedelta(days=95)),
            ApplianceFacts(3, "pump"),
        ],
        {},
        TODAY,
    )
    assert [p.appliance_id for p in out] == [2, 3, 1]


# ---- the contract ------------------------------------------------------------------------------


def test_every_kind_has_an_answer_model_and_prompts():
    from importlib.resources import files

    prompts = files("activities") / "llm_prompts"
    for kind in HelperKind:
        assert kind in ANSWER_MODELS
        for part in ("system", "user"):
            assert (prompts / f"{kind.value}.{part}.txt").is_file(), (kind, part)


def test_helper_workflow_ids():
    assert (
        helper_workflow_id(HelperKind.TIMELINE_SUMMARY, "work_order:WO-20261122-0001", "abc")
        == "llm-timeline-summary-work_order-WO-20261122-0001-abc"
    )


def test_followups_name_job_types_in_words():
    (out,) = followups(jobs=[job(TODAY - timedelta(days=1), job_type="grease_trap")], as_of=TODAY, channel="sms")
    assert out.action == f"Ask how the grease trap on {TODAY - timedelta(days=1)} went"
