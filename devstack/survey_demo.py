"""Post-service surveys after the demo day (issue 9 "Done when": surveys go out after completion
and some are answered, by page and by SMS digit; the report counts surveys by rating).

For the demo to call once its day's repairs are completed (the lead wires it into
``devstack/demo_after_day.py``)::

    report["surveys"] = await play_surveys(http, office, completed, settings=settings, console=console)

The demo profile runs surveys on second-scale settings (``config.DEMO_DURATIONS``: sent 5 s after
completion, reminded at 20 s, closed at 60 s), so this waits (bounded) for the survey messages,
then answers as customers would, through the public surfaces only:

- by the survey page: the link from the outbox message, GET then POST with a rating and comment;
- by SMS: a digit 1-5 POSTed to ``/webhooks/twilio/inbound`` signed as Twilio signs it (with
  ``settings.twilio_auth_token``; the demo profile sets a demo token), for a customer's last open
  survey (a digit answers only when exactly one survey waits);
- one customer (address) in three leaves his last survey unanswered (it is reminded, then closes).

It then waits for the answers to be recorded (``/api/v1/reviews``), prints the surveys by rating
and returns the report section.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from dataclasses import dataclass

import httpx
from rich.console import Console
from rich.table import Table

from config import Settings
from devstack.fake_providers import SignedCallbacks

SURVEY_LINK = re.compile(r"https?://\S+/survey/[A-Za-z0-9_-]{22}")
#: ratings given in turn (every customer gets the same survey; the answers differ)
RATINGS = (5, 4, 2, 5, 3, 1, 4, 5, 5, 3)
COMMENTS = {
    5: "Great job, friendly and on time. Thank you!",
    4: "Good work, the technician was polite and quick.",
    3: "Fine, but the arrival window was long.",
    2: "The technician was late and the yard was left messy.",
    1: "Rude and the tank is leaking again.",
}
INBOUND = "/webhooks/twilio/inbound"


@dataclass
class SentSurvey:
    """A survey message the outbox holds: work order, customer, channel, address, link."""

    work_order_id: str
    customer_id: int
    channel: str
    to_address: str
    link: str


async def _survey_messages(
    http: httpx.AsyncClient, office: dict[str, str], completed: list[str], wait_seconds: float
) -> tuple[list[SentSurvey], dict[str, str]]:
    """The sent survey of each completed work order, waiting up to ``wait_seconds`` for them;
    and, for the others, their outbox status (suppressed: opted out) or ``waiting`` (quiet hours,
    a hold, or not due yet)."""
    deadline = time.monotonic() + wait_seconds
    found: dict[str, SentSurvey] = {}
    other: dict[str, str] = {}
    while True:
        for wo in completed:
            if wo in found:
                continue
            r = await http.get(
                "/api/v1/messages", params={"work_order_id": wo, "purpose": "survey-request"}, headers=office
            )
            r.raise_for_status()
            items = r.json()["items"]
            if (
                items
                and items[0]["status"] not in ("claimed", "suppressed", "refused")
                and (link := SURVEY_LINK.search(items[0]["body"]))
            ):
                m = items[0]
                found[wo] = SentSurvey(wo, m["customer_id"], m["channel"], m["to_address"], link.group(0))
                other.pop(wo, None)
            else:
                other[wo] = items[0]["status"] if items else "waiting"
        if len(found) == len(completed) or time.monotonic() >= deadline:
            return [found[wo] for wo in completed if wo in found], other
        await asyncio.sleep(1.0)


async def _answer_by_page(http: httpx.AsyncClient, survey: SentSurvey, rating: int) -> bool:
    shown = await http.get(survey.link)
    if shown.status_code != 200:
        return False
    posted = await http.post(survey.link, data={"rating": str(rating), "comment": COMMENTS[rating]})
    return posted.status_code == 200


async def _answer_by_sms(
    http: httpx.AsyncClient, signer: SignedCallbacks, settings: Settings, survey: SentSurvey, rating: int
) -> bool:
    url = f"{settings.public_base_url}{INBOUND}"
    reply = await signer.twilio_inbound(http, url, survey.to_address, f"{rating}")
    return reply.status_code == 200 and "Thank you for rating" in reply.text


async def play_surveys(
    http: httpx.AsyncClient,
    office: dict[str, str],
    completed: list[str],
    *,
    settings: Settings,
    console: Console | None = None,
    wait_seconds: float = 45.0,
) -> dict:
    """Answer the completed work orders' surveys by page and by SMS digit, print the surveys by
    rating, and return the report section (counts by outcome, rating and channel)."""
    console = console or Console()
    with console.status(f"waiting for the surveys of {len(completed)} completed repairs…"):
        sent, not_sent = await _survey_messages(http, office, completed, wait_seconds)
    signer = SignedCallbacks(settings.twilio_auth_token) if settings.twilio_auth_token else None
    # grouped by address: an SMS digit answers the one survey open for the sender's number
    by_customer: dict[str, list[SentSurvey]] = {}
    for survey in sent:
        by_customer.setdefault(survey.to_address, []).append(survey)
    answered: dict[str, tuple[int, str]] = {}
    unanswered: list[str] = []
    turn = 0
    for k, (_, group) in enumerate(sorted(by_customer.items())):
        for i, survey in enumerate(group):
            last = i == len(group) - 1
            if last and k % 3 == 2:
                unanswered.append(survey.work_order_id)  # reminded, then closed
                continue
            rating = RATINGS[turn % len(RATINGS)]
            turn += 1
            if last and survey.channel == "sms" and signer is not None:
                ok = await _answer_by_sms(http, signer, settings, survey, rating)
                via = "sms"
            else:
                ok = await _answer_by_page(http, survey, rating)
                via = "page"
            if ok:
                answered[survey.work_order_id] = (rating, via)
            else:
                unanswered.append(survey.work_order_id)
    with console.status("recording the answers (reviews, ratings, follow-ups)…"):
        recorded = await _recorded(http, office, list(answered), wait_seconds=30.0)
    follow_ups = await http.get(
        "/api/v1/follow-ups", params={"status": "open", "page_size": 100}, headers=office
    )
    low = [
        f
        for f in follow_ups.json().get("items", [])
        if (f.get("key") or "").endswith(":low-rating") and f["work_order_id"] in answered
    ]
    by_rating = Counter(rating for rating, _ in answered.values())
    by_via = Counter(via for _, via in answered.values())
    table = Table(title="Post-service surveys")
    table.add_column("rating", justify="right")
    table.add_column("surveys", justify="right")
    table.add_column("by page", justify="right")
    table.add_column("by SMS", justify="right")
    for rating in range(5, 0, -1):
        table.add_row(
            f"{rating}★",
            str(by_rating.get(rating, 0)),
            str(sum(1 for r, v in answered.values() if r == rating and v == "page")),
            str(sum(1 for r, v in answered.values() if r == rating and v == "sms")),
        )
    table.add_row("unanswered", str(len(unanswered)), "", "")
    table.add_row("not sent", str(len(not_sent)), "", "")
    console.print(table)
    console.print(
        f"surveys: {len(sent)} sent, {len(answered)} answered ({by_via.get('page', 0)} by page, "
        f"{by_via.get('sms', 0)} by SMS), {recorded} recorded as reviews, {len(low)} low-rating "
        "follow-ups opened for the technicians' managers"
        + ("" if signer else "; no FIELDOPS_TWILIO_AUTH_TOKEN: nobody could answer by SMS")
    )
    return {
        "sent": len(sent),
        "answered": len(answered),
        "answered_by_page": by_via.get("page", 0),
        "answered_by_sms": by_via.get("sms", 0),
        "recorded": recorded,
        "unanswered": len(unanswered),
        "not_sent": dict(Counter(not_sent.values())),
        "by_rating": {str(r): by_rating.get(r, 0) for r in range(1, 6)},
        "low_rating_follow_ups": len(low),
    }


async def _recorded(
    http: httpx.AsyncClient, office: dict[str, str], work_orders: list[str], wait_seconds: float
) -> int:
    """How many of ``work_orders`` have their survey review, waiting up to ``wait_seconds``."""
    deadline = time.monotonic() + wait_seconds
    done: set[str] = set()
    while True:
        for wo in work_orders:
            if wo in done:
                continue
            r = await http.get("/api/v1/reviews", params={"work_order_id": wo}, headers=office)
            if r.status_code == 200 and any(i["source"] == "survey" for i in r.json()["items"]):
                done.add(wo)
        if len(done) == len(work_orders) or time.monotonic() >= deadline:
            return len(done)
        await asyncio.sleep(1.0)
