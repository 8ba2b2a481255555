"""What the demo does once the day's repairs have ended: walk the fleet customer's lot, bill the
completed work, score the technicians, and let dunning run on the demo clock.

- Lot walk (issue 8, seed 001 2.3): the fleet customer's walk of today is played through the API
  (``devstack.lot_walk_flow.play_lot_walk``): walker, findings, one approval link for the repairs
  above the auto-approval limit, completion. Its completed repairs are billed with the day's work.
  A second demo run on the same day finds today's walk already played (409) and reports it as is.

- Billing (issue 8): the day's completed work orders are invoiced in one all-or-nothing cycle
  (``POST /api/v1/invoices/batch``, a ``BatchInvoicingWorkflow``), each invoice with its PDF and its
  ``dunning-{invoice}`` workflow; two invoices are paid in full and one by half through the
  payments API, each payment sent twice (recorded once). The paid ones' dunning stops.
- Customer 360 (issue 11): the customers get appliances, expenses, reviews, ratings, a follow-up
  and a referral through the API (``devstack.customer360_demo``), and the fleet customer's 360
  view is read in one request.
- LLM helpers (issue 11): every helper answers once on the fleet customer (the fallback without
  ``FIELDOPS_LLM_API_KEY``).
- Surveys (issue 9): the completed repairs' surveys go out seconds after completion under the
  demo profile; some are answered on the survey page, some by SMS digit, some left unanswered.
- Portal (issue 9): a homeowner signs in by magic link and files a service request.
- Analytics (issue 10): ``AnalyticsWorkflow`` scores the seeded history's last 35 days and then
  today, so ``/api/performance`` and the BPI show data at once.
- Dunning runs on the demo clock (``FIELDOPS_DUNNING_DAY_SECONDS``, 1 s under the demo profile):
  the demo waits, at most ``REMINDER_WAIT_S``, until the first reminders of the unpaid invoices
  have gone out, then counts them.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import httpx
from rich.console import Console

from config import Settings
from devstack.analytics_history import backfill_seeded_history
from devstack.billing_run import BillingSummary, run_billing_cycle
from devstack.customer360_demo import play_customer360
from devstack.llm_demo import play_llm_helpers
from devstack.lot_walk_flow import play_lot_walk
from devstack.portal_demo import play_portal
from devstack.survey_demo import play_surveys
from temporal_client import connect_temporal

#: Days of seeded history the demo scores: the BPI's 30-day period ending yesterday, and a few more
#: for trends (``fieldops analytics backfill --days 90`` scores the streaks' whole look-back).
ANALYTICS_DAYS = 35
#: How long the demo waits for the first dunning reminders of the unpaid invoices.
REMINDER_WAIT_S = 60.0


async def _outbox(http: httpx.AsyncClient, office: dict[str, str], invoices: list[dict]) -> tuple[int, int]:
    """(invoice emails, dunning reminders) of ``invoices`` in the outbox (keys ``invoice-{id}:…``
    and ``dunning-{id}:…``)."""
    ours = {f"invoice-{i['id']}:" for i in invoices}
    dunning = {i["dunning_workflow_id"] + ":" for i in invoices if i.get("dunning_workflow_id")}
    emails = reminders = 0
    for customer_id in sorted({i["customer_id"] for i in invoices}):
        page = 1
        while True:
            r = await http.get(
                "/api/v1/messages",
                params={"customer_id": customer_id, "page": page, "page_size": 100},
                headers=office,
            )
            r.raise_for_status()
            body = r.json()
            for m in body["items"]:
                key = m["idempotency_key"]
                emails += any(key.startswith(k) for k in ours)
                reminders += any(key.startswith(k) for k in dunning) and m["purpose"].startswith("dunning")
            if page * 100 >= body["total"]:
                break
            page += 1
    return emails, reminders


async def wait_for_reminders(
    http: httpx.AsyncClient,
    office: dict[str, str],
    summary: BillingSummary,
    issued_at: float,
    console: Console,
) -> None:
    """Wait until the unpaid invoices' first reminders are out (at most ``REMINDER_WAIT_S`` after
    ``issued_at``, a ``time.monotonic()``); updates ``summary``'s counts of invoice emails and
    reminders sent so far."""
    invoices = (
        await http.get(
            "/api/v1/invoices", params={"period_key": summary.period_key, "page_size": 100}, headers=office
        )
    ).json()["items"]
    emails, reminders = await _outbox(http, office, invoices)
    with console.status("dunning on the demo clock: waiting for the first reminders…"):
        while reminders < summary.invoices_open and time.monotonic() - issued_at < REMINDER_WAIT_S:
            await asyncio.sleep(2)
            emails, reminders = await _outbox(http, office, invoices)
    summary.invoice_messages, summary.dunning_reminders = emails, reminders


async def walk_fleet_lot(
    http: httpx.AsyncClient, office: dict[str, str], tech_keys: dict[str, str], console: Console
) -> tuple[dict | None, list[str]]:
    """Play today's lot walk of the first fleet customer (``fleet_size`` > 0).

    Returns (the report's ``lot_walk`` section, the walk's completed work order ids to bill); (None,
    []) when no customer has a fleet. A walk already started today (a second demo run) is read back
    instead of played, and its repairs were billed by the run that played it."""
    customers = (await http.get("/api/v1/customers", params={"page_size": 100}, headers=office)).json()
    fleet = next((c for c in customers["items"] if (c.get("fleet_size") or 0) > 0), None)
    if fleet is None:
        return None, []
    billable: list[str] = []
    with console.status(f"lot walk at {fleet['display_name']}…"):
        try:
            walk = await play_lot_walk(
                http, office_key=office["X-API-Key"], tech_keys=tech_keys, customer_id=fleet["id"]
            )
            for wo in walk["repair_ids"]:
                repair = (await http.get(f"/api/v1/repairs/{wo}", headers=office)).json()
                if repair["status"] == "completed":
                    billable.append(wo)
        except httpx.HTTPStatusError as err:
            if err.response.status_code != 409:
                raise
            walk_id = err.response.json()["lot_walk_id"]
            walk = (await http.get(f"/api/v1/lot-walks/{walk_id}", headers=office)).json()
    section = {
        k: walk[k]
        for k in ("id", "technician_id", "found", "auto_approved", "approved", "declined", "completed")
    }
    section["amount"] = str(walk["amount"])
    console.print(
        f"lot walk {walk['id']}: {walk['found']} repairs found, {walk['auto_approved']} auto-approved, "
        f"{walk['approved']} approved, {walk['declined']} declined, {walk['completed']} completed "
        f"(${walk['amount']})"
    )
    return section, billable


async def after_day(
    settings: Settings,
    http: httpx.AsyncClient,
    office: dict[str, str],
    completed: list[str],
    console: Console,
    tech_keys: dict[str, str] | None = None,
) -> dict:
    """Walk the fleet customer's lot, bill ``completed`` work orders with the walk's completed
    repairs, score the technicians, count dunning reminders; returns the report's ``lot_walk``,
    ``billing`` and ``analytics`` sections."""
    report: dict = {}
    if completed:  # first: each survey closes a few minutes after it is sent
        report["surveys"] = await play_surveys(http, office, completed, settings=settings, console=console)
    walk, billable = await walk_fleet_lot(http, office, tech_keys or {}, console)
    if walk is not None:
        report["lot_walk"] = walk
    completed = completed + billable
    if completed:
        issued_at = time.monotonic()
        with console.status(f"billing {len(completed)} completed work orders…"):
            summary = await run_billing_cycle(http, office, work_order_ids=completed)
        console.print(
            f"billing: {summary.invoices} invoices for ${summary.amount_invoiced}, "
            f"{summary.payments} payments (${summary.amount_paid})"
        )
    client = await connect_temporal(settings)
    started = time.monotonic()
    with console.status("scoring technicians (AnalyticsWorkflow over the seeded history)…"):
        runs = await backfill_seeded_history(client, settings, days=ANALYTICS_DAYS)
        runs += await backfill_seeded_history(client, settings, days=1, include_today=True)
    report["analytics"] = {
        "days_scored": sum(1 for r in runs if r.job == "daily"),
        "workflow_runs": len(runs),
        "seconds": round(time.monotonic() - started, 1),
        "scored_at": datetime.now(UTC).isoformat(),
    }
    if completed:
        await wait_for_reminders(http, office, summary, issued_at, console)
        report["billing"] = summary.as_report()
    report["customer360"] = await play_customer360(http, office, console, time_zone=settings.timezone)
    report["llm"] = await play_llm_helpers(http, office, echo=console.print)
    report["portal"] = await portal_visit(http, office, console)
    return report


async def portal_visit(http: httpx.AsyncClient, office: dict[str, str], console: Console) -> dict:
    """A homeowner (the first customer without a fleet) signs in to the portal by magic link and
    files a service request there; returns the report's ``portal`` section."""
    customers = (await http.get("/api/v1/customers", params={"page_size": 100}, headers=office)).json()
    homeowner = next(c for c in customers["items"] if not c.get("fleet_size") and (c["email"] or c["phone"]))
    summary = await play_portal(http, office, customer_id=homeowner["id"], console=console)
    return {
        "customer_id": summary.customer_id,
        "logged_in": summary.logged_in,
        "work_orders_seen": summary.work_orders_seen,
        "work_order_id": summary.work_order_id,
        "status": summary.status,
    }
