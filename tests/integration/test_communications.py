"""Communication preferences (seed 004): the API, the customer's language in the approval link,
SMS consent re-checked in the claim, opt-outs, and the daily digest once per customer-day."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from activities.messaging import (
    MessageSender,
    OutboundMessage,
    OutboxProvider,
    SendRefused,
    SmsCaps,
    sms_consent_gate,
)
from activities.notifications import NotificationActivities, digest_key
from db.models import Message
from db.repositories import communication_preferences
from db.repositories import messages as repo
from db.session import transaction
from domain.contracts.messaging import ContactTimeInput, NotifyCustomerInput
from tests.integration.test_repair_api import approval_link, new_customer, wait_status

pytestmark = pytest.mark.integration


def prefs_path(customer_id: int) -> str:
    return f"/api/v1/customers/{customer_id}/communication-preferences"


def unique_phone() -> str:
    return f"+1512{uuid.uuid4().int % 10**7:07d}"


async def test_preferences_round_trip_with_defaults(stack):
    customer = await new_customer(stack, phone=unique_phone())
    r = await stack.http.get(prefs_path(customer), headers=stack.office)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["language"] == "en" and body["frequency"] == "immediate" and body["sms_consent"] is True
    assert body["time_zone"] == "America/Chicago" and body["time_zone_is_default"] is True
    wanted = {
        "channel": "email",
        "language": "es",
        "time_zone": "America/New_York",
        "contact_windows": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "20:00"}],
        "frequency": "daily_digest",
        "digest_time": "17:30",
        "opted_out": ["surveys"],
    }
    r = await stack.http.put(prefs_path(customer), json=wanted, headers=stack.office)
    assert r.status_code == 200, r.text
    got = (await stack.http.get(prefs_path(customer), headers=stack.office)).json()
    assert {k: got[k] for k in wanted} == {**wanted, "digest_time": "17:30"}
    customer_row = (await stack.http.get(f"/api/v1/customers/{customer}", headers=stack.office)).json()
    assert customer_row["preferred_contact_method"] == "email"


@pytest.mark.parametrize(
    "bad",
    [
        {"time_zone": "Mars/Olympus_Mons"},
        {"contact_windows": [{"days": ["mon"], "start": "20:00", "end": "08:00"}]},
        {"contact_windows": [{"days": [], "start": "08:00", "end": "20:00"}]},
        {"contact_windows": [{"days": ["funday"], "start": "08:00", "end": "20:00"}]},
        {"opted_out": ["approvals"]},  # transactional: no opting out of estimates
        {"opted_out": ["billing"]},
        {"language": "fr"},
        {"sms_consent": True},  # only the customer's own START gives consent back
        {"frequency": "hourly"},
    ],
)
async def test_bad_preferences_are_422(stack, bad):
    customer = await new_customer(stack, phone=unique_phone())
    r = await stack.http.put(prefs_path(customer), json=bad, headers=stack.office)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_unknown_customer_is_404(stack):
    r = await stack.http.get(prefs_path(987654321), headers=stack.office)
    assert r.status_code == 404


async def test_a_spanish_speaking_customer_gets_the_link_in_spanish(stack):
    customer = await new_customer(stack, phone=unique_phone())
    r = await stack.http.put(prefs_path(customer), json={"language": "es"}, headers=stack.office)
    assert r.status_code == 200
    r = await stack.http.post(
        "/api/v1/repairs",
        json={"customer_id": customer, "job_type": "repair", "repair_count": 2},
        headers=stack.office,
    )
    wo = r.json()["id"]
    await wait_status(stack, wo, {"pending_approval"})
    link = await approval_link(stack, wo)
    r = await stack.http.get("/api/v1/messages", params={"work_order_id": wo}, headers=stack.office)
    (sms,) = [m for m in r.json()["items"] if m["purpose"] == "approval-request-v1"]
    assert sms["body"].startswith(f"{stack.settings.company_name}: el presupuesto de reparación")
    assert link in sms["body"]
    assert sms["category"] == "approvals"


async def test_after_stop_the_link_goes_by_email_and_a_late_sms_is_refused_in_the_claim(stack):
    phone = unique_phone()
    customer = await new_customer(stack, phone=phone, email="stop@example.com")
    with transaction(stack.sessions) as session:
        assert communication_preferences.set_sms_consent(
            session, phone=phone, consent=False, at=datetime.now(UTC)
        ) == [customer]
    r = await stack.http.post(
        "/api/v1/repairs",
        json={"customer_id": customer, "job_type": "repair", "repair_count": 2},
        headers=stack.office,
    )
    wo = r.json()["id"]
    await wait_status(stack, wo, {"pending_approval"})
    await approval_link(stack, wo)
    r = await stack.http.get("/api/v1/messages", params={"work_order_id": wo}, headers=stack.office)
    (request,) = [m for m in r.json()["items"] if m["purpose"] == "approval-request-v1"]
    assert request["channel"] == "email" and request["to_address"] == "stop@example.com"
    # an SMS composed before the STOP landed is refused inside the claim, and recorded
    key = f"test:{uuid.uuid4()}"
    sender = MessageSender(stack.sessions, {"sms": OutboxProvider()})
    late = OutboundMessage(
        key=key, channel="sms", to_address=phone, body="hello", purpose="test", customer_id=customer
    )
    with pytest.raises(SendRefused, match="STOP"):
        sender.send_once(late)
    with transaction(stack.sessions) as session:
        row = session.scalars(select(Message).where(Message.idempotency_key == key)).one()
        assert row.status == "refused" and "STOP" in row.status_reason
    with transaction(stack.sessions) as session:  # START: the same key may now go out
        communication_preferences.set_sms_consent(session, phone=phone, consent=True, at=datetime.now(UTC))
    sender.send_once(late)
    with transaction(stack.sessions) as session:
        assert session.scalars(select(Message.status).where(Message.idempotency_key == key)).one() == "sent"


def notifications(stack) -> NotificationActivities:
    sender = MessageSender(stack.sessions, {"sms": OutboxProvider(), "email": OutboxProvider()})
    return NotificationActivities(stack.sessions, sender, stack.settings)


async def completed_order(stack, customer: int) -> str:
    r = await stack.http.post(
        "/api/v1/repairs", json={"customer_id": customer, "job_type": "repair"}, headers=stack.office
    )
    return r.json()["id"]


async def test_opt_out_suppresses_and_records_the_update(stack):
    customer = await new_customer(stack, phone=unique_phone())
    await stack.http.put(prefs_path(customer), json={"opted_out": ["status_updates"]}, headers=stack.office)
    wo = await completed_order(stack, customer)
    result = notifications(stack).notify_customer(
        NotifyCustomerInput(workflow_id=f"t-{uuid.uuid4()}", work_order_id=wo, event="approved")
    )
    assert result.outcome == "suppressed"
    with transaction(stack.sessions) as session:
        row = session.get(Message, result.message_id)
        assert row.status == "suppressed" and "opted out of status updates" in row.status_reason


async def test_quiet_hours_give_the_next_contact_time(stack):
    customer = await new_customer(stack, phone=unique_phone())
    window = [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "08:00", "end": "20:00"}]
    await stack.http.put(prefs_path(customer), json={"contact_windows": window}, headers=stack.office)
    late = datetime(2026, 11, 25, 22, 30, tzinfo=ZoneInfo("America/Chicago"))
    got = notifications(stack).next_contact_time(ContactTimeInput(customer_id=customer, at=late))
    assert got.allowed_at == datetime(2026, 11, 26, 8, 0, tzinfo=ZoneInfo("America/Chicago"))


async def test_daily_digest_holds_updates_and_sends_one_message_per_customer_day(stack):
    customer = await new_customer(stack, phone=unique_phone())
    await stack.http.put(
        prefs_path(customer),
        json={"frequency": "daily_digest", "digest_time": "18:00", "language": "es"},
        headers=stack.office,
    )
    acts = notifications(stack)
    orders = [await completed_order(stack, customer) for _ in range(2)]
    held = [
        acts.notify_customer(
            NotifyCustomerInput(workflow_id=f"repair-{wo}", work_order_id=wo, event="approved")
        )
        for wo in orders
    ]
    assert [h.outcome for h in held] == ["held", "held"]
    again = acts.notify_customer(
        NotifyCustomerInput(workflow_id=f"repair-{orders[0]}", work_order_id=orders[0], event="approved")
    )
    assert again.message_id == held[0].message_id  # one row per workflow and event
    zone = ZoneInfo("America/Chicago")
    day = datetime.now(zone).date() + timedelta(days=1)
    before = datetime.combine(day, time(17, 0), tzinfo=zone)
    assert acts.send_digest(customer, before) == 0  # not yet due
    at_six = datetime.combine(day, time(18, 5), tzinfo=zone)
    assert acts.send_digest(customer, at_six) == 2
    assert acts.send_digest(customer, at_six + timedelta(minutes=30)) == 0  # once per customer-day
    with transaction(stack.sessions) as session:
        digest = session.scalars(
            select(Message).where(Message.idempotency_key == digest_key(customer, day))
        ).one()
        assert digest.status == "sent" and digest.channel == "sms"
        assert digest.body.startswith(f"{stack.settings.company_name}, novedades del")
        for wo in orders:
            assert wo in digest.body
        items = session.scalars(select(Message).where(Message.digest_message_id == digest.id)).all()
        assert sorted(i.id for i in items) == sorted(h.message_id for h in held)
        assert {i.status for i in items} == {"digested"}
    # an update held after today's digest waits for tomorrow's
    late = await completed_order(stack, customer)
    acts.notify_customer(
        NotifyCustomerInput(workflow_id=f"repair-{late}", work_order_id=late, event="approved")
    )
    assert acts.send_digest(customer, at_six + timedelta(hours=1)) == 0
    assert acts.send_digest(customer, at_six + timedelta(days=1)) == 1


async def test_a_digest_bound_before_a_crash_is_sent_with_the_same_items(stack):
    customer = await new_customer(stack, phone=unique_phone())
    await stack.http.put(prefs_path(customer), json={"frequency": "daily_digest"}, headers=stack.office)
    acts = notifications(stack)
    wo = await completed_order(stack, customer)
    acts.notify_customer(NotifyCustomerInput(workflow_id=f"repair-{wo}", work_order_id=wo, event="approved"))

    class Crash(Exception):
        pass

    def crash(message):
        raise Crash

    acts._send = crash  # the worker dies after binding the items, before the provider
    zone = ZoneInfo("America/Chicago")
    at = datetime.combine(datetime.now(zone).date() + timedelta(days=2), time(19, 0), tzinfo=zone)
    with pytest.raises(Crash):
        acts.send_digest(customer, at)
    fresh = notifications(stack)
    assert fresh.send_digest(customer, at + timedelta(days=1)) == 1  # the pending one, not a new day's
    with transaction(stack.sessions) as session:
        digests = session.scalars(
            select(Message).where(Message.customer_id == customer, Message.purpose == "daily_digest")
        ).all()
        assert [(d.status, d.idempotency_key) for d in digests] == [("sent", digest_key(customer, at.date()))]


def test_sms_caps_refuse_and_record_per_phone_and_per_day(stack):
    phone, other = unique_phone(), unique_phone()
    with transaction(stack.sessions) as session:  # the daily total counts every SMS of the last 24 h
        since = datetime.now(UTC) - timedelta(days=1)
        already = repo.sms_sent_since(session, since=since, exclude_id=-1)
    provider = OutboxProvider()
    sender = MessageSender(
        stack.sessions, {"sms": provider}, [sms_consent_gate, SmsCaps(per_phone=2, per_day=already + 3)]
    )

    def sms(to: str) -> OutboundMessage:
        return OutboundMessage(
            key=f"cap:{uuid.uuid4()}", channel="sms", to_address=to, body="hi", purpose="test"
        )

    sender.send_once(sms(phone))
    sender.send_once(sms(phone))
    third = sms(phone)
    with pytest.raises(SendRefused, match="per-phone cap"):
        sender.send_once(third)
    sender.send_once(sms(other))  # another number still gets through: 3 of the day's 3
    fourth = sms(unique_phone())
    with pytest.raises(SendRefused, match="daily cap"):
        sender.send_once(fourth)
    with transaction(stack.sessions) as session:
        for refused, why in ((third, "per-phone cap: 2 SMS"), (fourth, "daily cap")):
            row = session.scalars(select(Message).where(Message.idempotency_key == refused.key)).one()
            assert row.status == "refused" and row.status_reason.startswith(why) and row.provider == "outbox"
    # the refused sends did not count: a retry of the same key is refused again, not sent
    with pytest.raises(SendRefused):
        sender.send_once(third)
