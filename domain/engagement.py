"""Customer engagement rules behind the LLM helpers (seed 004 Phase 2): the greeting's occasion,
follow-up suggestions, service intervals and the sentiment label. Pure rules: the LLM writes the
words, these decide what the words are about, and they answer on their own when no LLM is set.

Service intervals (seed 003 Priority 2 "recurring service agreements": grease trap every 90
days, septic pumping every 3 years; preventive maintenance and inspections yearly) are in
:data:`SERVICE_INTERVAL_DAYS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

#: days between two services of a job type (seed 003 Priority 2); others have no interval
SERVICE_INTERVAL_DAYS: dict[str, int] = {
    "grease_trap": 90,
    "pumping": 3 * 365,
    "maintenance": 365,
    "inspection": 365,
}
#: a service due within this many days is suggested as a follow-up
DUE_SOON_DAYS = 60
#: a completed job this recent gets a "how did it go" follow-up
RECENT_JOB_DAYS = 14
#: an estimate declined or expired this recently gets a call
LOST_ESTIMATE_DAYS = 60
#: VADER's conventional thresholds on the compound score
POSITIVE_AT, NEGATIVE_AT = 0.05, -0.05


class Occasion(StrEnum):
    """What a greeting is for, decided from the customer's data by :func:`greeting_occasion`."""

    WELCOME = "welcome"
    ANNIVERSARY = "anniversary"
    WIN_BACK = "win_back"
    THANK_YOU = "thank_you"
    HOLIDAY_SEASON = "holiday_season"
    CHECK_IN = "check_in"


@dataclass(frozen=True, slots=True)
class JobFact:
    """One of the customer's work orders, as the rules see it (no contact details)."""

    work_order_id: str
    job_type: str
    status: str
    day: date
    amount_usd: str | None = None


@dataclass(frozen=True, slots=True)
class OccasionDecision:
    """The occasion and the fact that decided it (a sentence for people and for the prompt)."""

    occasion: Occasion
    because: str


def completed(jobs: Sequence[JobFact]) -> list[JobFact]:
    """The completed jobs, oldest first."""
    return sorted((j for j in jobs if j.status == "completed"), key=lambda j: (j.day, j.work_order_id))


def greeting_occasion(*, customer_since: date, jobs: Sequence[JobFact], as_of: date) -> OccasionDecision:
    """The occasion of a greeting on ``as_of``, first rule that holds:

    1. welcome: the only completed job was in the last 14 days;
    2. anniversary: a whole number (>= 1) of years as a customer within 7 days of ``as_of``;
    3. win back: there are completed jobs, the last one more than a year ago;
    4. thank you: a completed job in the last 14 days;
    5. holiday season: ``as_of`` is in December;
    6. check in: otherwise.
    """
    done = completed(jobs)
    recent = [j for j in done if 0 <= (as_of - j.day).days <= RECENT_JOB_DAYS]
    if len(done) == 1 and recent:
        return OccasionDecision(
            Occasion.WELCOME, f"first job ({done[0].job_type}) completed on {done[0].day}"
        )
    years = as_of.year - customer_since.year
    for y in (years - 1, years, years + 1):
        if y < 1:
            continue
        try:
            mark = customer_since.replace(year=customer_since.year + y)
        except ValueError:  # 29 February
            mark = customer_since.replace(year=customer_since.year + y, day=28)
        if abs((mark - as_of).days) <= 7:
            return OccasionDecision(Occasion.ANNIVERSARY, f"{y} year(s) as a customer on {mark}")
    if done and (as_of - done[-1].day).days > 365:
        return OccasionDecision(Occasion.WIN_BACK, f"last service on {done[-1].day}, over a year ago")
    if recent:
        return OccasionDecision(Occasion.THANK_YOU, f"{recent[-1].job_type} completed on {recent[-1].day}")
    if as_of.month == 12:
        return OccasionDecision(Occasion.HOLIDAY_SEASON, "December")
    return OccasionDecision(Occasion.CHECK_IN, "no other occasion in the data")


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A follow-up: what, why, in how many days from today, on which channel."""

    action: str
    reason: str
    due_in_days: int
    channel: str


def next_service_due(job_type: str, last_service: date) -> date | None:
    """When a job type done on ``last_service`` is due again; None without an interval."""
    interval = SERVICE_INTERVAL_DAYS.get(job_type)
    return last_service + timedelta(days=interval) if interval else None


def followups(*, jobs: Sequence[JobFact], as_of: date, channel: str) -> list[FollowUp]:
    """Follow-ups on ``as_of`` from the customer's jobs, soonest first, at most five:

    - a completed job in the last 14 days: ask how it went (tomorrow, preferred ``channel``);
    - an estimate declined or expired in the last 60 days: call about it (in 2 days, phone);
    - a job type with a service interval whose next service falls within 60 days (or is
      overdue): offer to book it (due that day, at the earliest today).
    Only the latest job of each type counts for the interval; one follow-up per job.
    """
    out: list[FollowUp] = []
    for job in completed(jobs):
        if 0 <= (as_of - job.day).days <= RECENT_JOB_DAYS:
            out.append(
                FollowUp(
                    f"Ask how the {_name(job.job_type)} on {job.day} went",
                    f"{job.work_order_id} completed {job.day}",
                    1,
                    channel,
                )
            )
    for job in jobs:
        if job.status in ("declined", "expired") and 0 <= (as_of - job.day).days <= LOST_ESTIMATE_DAYS:
            amount = f" of ${job.amount_usd}" if job.amount_usd else ""
            out.append(
                FollowUp(
                    f"Call about the {job.status} {_name(job.job_type)} estimate{amount}",
                    f"{job.work_order_id} {job.status} ({job.day})",
                    2,
                    "phone",
                )
            )
    latest: dict[str, JobFact] = {}
    for job in completed(jobs):
        latest[job.job_type] = job
    open_types = {
        j.job_type for j in jobs if j.status not in ("completed", "declined", "expired", "cancelled")
    }
    for job_type, job in sorted(latest.items()):
        due = next_service_due(job_type, job.day)
        if due is None or job_type in open_types:
            continue
        days = (due - as_of).days
        if days <= DUE_SOON_DAYS:
            when = "overdue since" if days < 0 else "due on"
            out.append(
                FollowUp(
                    f"Offer to book the next {_name(job_type)}",
                    f"last on {job.day}; {when} {due}",
                    max(days, 0),
                    channel,
                )
            )
    out.sort(key=lambda f: (f.due_in_days, f.action))
    return out[:5]


def _name(job_type: str) -> str:
    return job_type.replace("_", " ")


def sentiment_label(score: float) -> str:
    """``positive`` from 0.05, ``negative`` up to -0.05, else ``neutral`` (VADER's thresholds)."""
    if score >= POSITIVE_AT:
        return "positive"
    if score <= NEGATIVE_AT:
        return "negative"
    return "neutral"
