"""What each LLM helper is written from: the facts (ids, dates, amounts, counts; never contact
details) read from the database and the repair's Temporal history, the prompt context, and the
deterministic fallback answer built from the same facts (seed 004 Phase 2).

Each ``prepare_*`` function takes an open session and returns a :class:`Prepared`; the caller
closes the transaction before the model is asked.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent

from activities.llm_service import Privacy, lexicon_answer, render_prompt
from activities.templating import job_name
from db.models import Customer, WorkOrder
from db.repositories import communication_preferences, llm_facts
from domain.contracts.llm import (
    Answer,
    FollowupSuggestion,
    FollowupSuggestions,
    Greeting,
    SurveyMessage,
    TimelineSummary,
)
from domain.engagement import JobFact, followups, greeting_occasion

#: the most timeline events a prompt holds (the newest are kept)
MAX_EVENTS = 60
#: history events that close a workflow run, and how the timeline says it
CLOSE_EVENTS = {
    "workflow_execution_completed": "completed",
    "workflow_execution_failed": "failed",
    "workflow_execution_timed_out": "timed out",
    "workflow_execution_terminated": "terminated",
    "workflow_execution_canceled": "cancelled",
    "workflow_execution_continued_as_new": "continued as new",
}
#: characters a message may have per channel (two SMS segments; a short email)
MESSAGE_CHARS = {"sms": 300, "email": 480}


@dataclass(frozen=True, slots=True)
class Prepared:
    """Everything one helper call needs: ``subject`` (accounting id), the prompt ``context``,
    the ``facts`` returned beside the answer, the ``fallback`` and the customer's ``privacy``
    (names and contacts scrubbed from prompts and logs)."""

    subject: str
    context: dict[str, Any]
    facts: dict[str, Any]
    fallback: Callable[[], Answer]
    privacy: Privacy = field(default_factory=Privacy)


def privacy_of(customer: Customer) -> Privacy:
    """The customer's names and contacts, for redaction."""
    return Privacy(
        names=(customer.first_name, customer.last_name, customer.company_name),
        contacts=(customer.address, customer.phone, customer.email),
    )


def preferences(session: Session, customer: Customer) -> tuple[str, str]:
    """The customer's written channel (``sms`` or ``email``; phone-only customers get SMS) and
    language (``en``/``es``)."""
    prefs = communication_preferences.get(session, customer.id)
    channel = (
        customer.preferred_contact_method if customer.preferred_contact_method in ("sms", "email") else "sms"
    )
    return channel, prefs.language if prefs is not None else "en"


def job_facts(session: Session, customer_id: int, time_zone: str) -> list[JobFact]:
    """The customer's work orders as ``domain.engagement.JobFact``s (amount: total, else
    estimate; day in ``time_zone``)."""
    out = []
    for wo in llm_facts.customer_jobs(session, customer_id=customer_id):
        amount = wo.total_amount if wo.total_amount is not None else wo.estimate_amount
        out.append(
            JobFact(
                wo.id,
                wo.job_type,
                wo.status,
                llm_facts.job_day(wo, time_zone),
                str(amount) if amount is not None else None,
            )
        )
    return out


# ---- timeline summary -----------------------------------------------------------------------


def history_events(events: Iterable[HistoryEvent]) -> list[dict[str, str]]:
    """A repair workflow's history as timeline lines ``{"at", "source": "workflow", "what"}``:
    start and close, each activity scheduled (with its UI summary) and failed, timers fired,
    updates accepted and signals received."""
    out: list[dict[str, str]] = []
    activities: dict[int, str] = {}
    for e in events:
        kind = EventType.Name(e.event_type).removeprefix("EVENT_TYPE_").lower()
        what = None
        if kind == "workflow_execution_started":
            what = "workflow started"
        elif kind == "activity_task_scheduled":
            name = e.activity_task_scheduled_event_attributes.activity_type.name
            summary = _summary(e)
            activities[e.event_id] = name
            what = f"{name}: {summary}" if summary else name
        elif kind == "activity_task_failed":
            name = activities.get(e.activity_task_failed_event_attributes.scheduled_event_id, "activity")
            what = f"{name} failed"
        elif kind == "timer_fired":
            what = "timer fired"
        elif kind == "workflow_execution_update_accepted":
            what = f"update {e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name} accepted"
        elif kind == "workflow_execution_signaled":
            what = f"signal {e.workflow_execution_signaled_event_attributes.signal_name}"
        elif kind in CLOSE_EVENTS:
            what = f"workflow {CLOSE_EVENTS[kind]}"
        if what:
            at = e.event_time.ToDatetime(tzinfo=UTC).isoformat(timespec="seconds")
            out.append({"at": at, "source": "workflow", "what": what})
    return out


def _summary(event: HistoryEvent) -> str:
    if not event.HasField("user_metadata") or not event.user_metadata.HasField("summary"):
        return ""
    try:
        return str(json.loads(event.user_metadata.summary.data))
    except ValueError:
        return ""


def prepare_timeline(session: Session, wo: WorkOrder, history: list[dict[str, str]]) -> Prepared:
    """Timeline summary of ``wo``: its workflow history lines, audit trail, outbox messages (purpose,
    channel, status) and job costs; the fallback narrates them from ``timeline_summary.fallback``."""
    events = list(history)
    for t in llm_facts.audit_trail(session, work_order_id=wo.id):
        events.append(
            {
                "at": t.at.isoformat(timespec="seconds"),
                "source": "audit",
                "what": f"{t.action} by {t.actor_kind}",
            }
        )
    for m in llm_facts.work_order_messages(session, work_order_id=wo.id):
        events.append(
            {
                "at": m.at.isoformat(timespec="seconds"),
                "source": "message",
                "what": f"{m.purpose} {m.channel} {m.status}",
            }
        )
    events.sort(key=lambda e: e["at"])
    events = events[-MAX_EVENTS:]
    costs = {k: str(v) for k, v in llm_facts.cost_totals(session, work_order_id=wo.id).items()}
    facts: dict[str, Any] = {
        "work_order_id": wo.id,
        "job_type": wo.job_type,
        "status": wo.status,
        "priority": wo.priority,
        "scheduled_date": wo.scheduled_date.isoformat(),
        "technician_id": wo.technician_id,
        "estimate_usd": str(wo.estimate_amount) if wo.estimate_amount is not None else None,
        "total_usd": str(wo.total_amount) if wo.total_amount is not None else None,
        "approval_mode": wo.approval_mode,
        "approval_reasons": list(wo.approval_reasons or []),
        "assignment_explanation": wo.assignment_explanation,
        "started_at": wo.actual_start_time.isoformat(timespec="minutes") if wo.actual_start_time else None,
        "completed_at": wo.actual_end_time.isoformat(timespec="minutes") if wo.actual_end_time else None,
        "costs_usd": costs,
        "events": events,
    }

    def fallback() -> TimelineSummary:
        highlights = [f"status {wo.status}"]
        if wo.approval_mode:
            highlights.append(f"approval: {wo.approval_mode}")
        if wo.technician_id:
            highlights.append(f"technician {wo.technician_id}")
        if costs:
            highlights.append("costs: " + ", ".join(f"{k} ${v}" for k, v in costs.items()))
        sent = sum(1 for e in events if e["source"] == "message")
        if sent:
            highlights.append(f"{sent} customer message(s)")
        return TimelineSummary(
            summary=render_prompt("timeline_summary.fallback", facts), highlights=highlights
        )

    return Prepared(f"work_order:{wo.id}", facts, facts, fallback)


# ---- follow-ups, greeting, survey, sentiment -------------------------------------------------


def prepare_followups(session: Session, customer: Customer, as_of: date, time_zone: str) -> Prepared:
    """Follow-up suggestions for ``customer`` on ``as_of`` from his jobs and open invoices; the
    fallback is ``domain.engagement.followups``."""
    channel, _ = preferences(session, customer)
    jobs = job_facts(session, customer.id, time_zone)
    rules = followups(jobs=jobs, as_of=as_of, channel=channel)
    count, balance = llm_facts.open_invoice_balance(session, customer_id=customer.id)
    facts = {
        "customer_id": customer.id,
        "as_of": as_of.isoformat(),
        "preferred_channel": channel,
        "jobs": [_job_line(j) for j in jobs[-25:]],
        "open_invoices": count,
        "open_balance_usd": str(balance),
        "rule_suggestions": [
            {"action": f.action, "reason": f.reason, "due_in_days": f.due_in_days, "channel": f.channel}
            for f in rules
        ],
    }

    def fallback() -> FollowupSuggestions:
        return FollowupSuggestions(
            suggestions=[
                FollowupSuggestion(
                    action=f.action, reason=f.reason, due_in_days=f.due_in_days, channel=f.channel
                )  # type: ignore[arg-type]
                for f in rules
            ]
        )

    return Prepared(f"customer:{customer.id}", facts, facts, fallback, privacy_of(customer))


def _job_line(j: JobFact) -> dict[str, Any]:
    return {
        "work_order_id": j.work_order_id,
        "job_type": j.job_type,
        "status": j.status,
        "day": j.day.isoformat(),
        "amount_usd": j.amount_usd,
    }


def prepare_greeting(
    session: Session,
    customer: Customer,
    as_of: date,
    time_zone: str,
    channel: str | None,
    language: str | None,
) -> Prepared:
    """A greeting for the occasion ``domain.engagement.greeting_occasion`` finds in the data, for
    the customer's channel and language unless given; the fallback is ``greeting.fallback``."""
    pref_channel, pref_language = preferences(session, customer)
    channel, language = channel or pref_channel, language or pref_language
    jobs = job_facts(session, customer.id, time_zone)
    since = customer.created_at.astimezone(ZoneInfo(time_zone)).date()
    decision = greeting_occasion(customer_since=since, jobs=jobs, as_of=as_of)
    done = [j for j in jobs if j.status == "completed"]
    facts = {
        "customer_id": customer.id,
        "as_of": as_of.isoformat(),
        "occasion": decision.occasion.value,
        "because": decision.because,
        "channel": channel,
        "language": language,
        "max_chars": MESSAGE_CHARS[channel],
        "completed_jobs": len(done),
        "last_job": job_name(done[-1].job_type, language) if done else None,
        "fleet": customer.fleet_size > 0,
    }
    return Prepared(
        f"customer:{customer.id}",
        facts,
        facts,
        lambda: Greeting(message=render_prompt("greeting.fallback", facts)),
        privacy_of(customer),
    )


def prepare_survey(
    session: Session,
    wo: WorkOrder,
    customer: Customer,
    time_zone: str,
    channel: str | None,
    language: str | None,
) -> Prepared:
    """The post-service survey of ``wo`` for the customer's channel and language unless given; the
    fallback is ``survey.fallback`` with three fixed questions."""
    pref_channel, pref_language = preferences(session, customer)
    channel, language = channel or pref_channel, language or pref_language
    facts = {
        "work_order_id": wo.id,
        "job": job_name(wo.job_type, language),
        "day": llm_facts.job_day(wo, time_zone).isoformat(),
        "status": wo.status,
        "channel": channel,
        "language": language,
        "max_chars": MESSAGE_CHARS[channel],
    }

    def fallback() -> SurveyMessage:
        lines = render_prompt("survey.fallback", facts).split("\n")
        return SurveyMessage(message=lines[0], questions=[q for q in lines[1:] if q.strip()])

    return Prepared(f"work_order:{wo.id}", facts, facts, fallback, privacy_of(customer))


def prepare_sentiment(session: Session, customer: Customer, extra_texts: Iterable[str] = ()) -> Prepared:
    """Sentiment of the customer's own words (service request descriptions and ``extra_texts``
    such as review comments), redacted; the fallback is the VADER lexicon."""
    privacy = privacy_of(customer)
    texts = [
        privacy.scrub(t)
        for t in [*extra_texts, *llm_facts.request_descriptions(session, customer_id=customer.id)]
    ]
    facts = {"customer_id": customer.id, "texts_analyzed": len(texts)}
    return Prepared(
        f"customer:{customer.id}", {"texts": texts}, facts, lambda: lexicon_answer(texts), privacy
    )
