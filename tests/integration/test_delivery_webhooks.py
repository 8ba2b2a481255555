"""Delivery tracking: Twilio status callbacks and SendGrid event webhooks, sent by the loopback
fakes with real signatures; unsigned, forged and stale requests are refused, repeats applied once."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import func, select

from activities.messaging import MessageSender, OutboundMessage, SendGridEmailProvider, TwilioSmsProvider
from config import Settings
from db.models import Message, MessageEvent
from db.session import transaction
from devstack.fake_providers import SignedCallbacks, fake_provider_apis

pytestmark = pytest.mark.integration
AUTH_TOKEN = "twilio-webhook-test-token"


@pytest.fixture(scope="module")
def fakes():
    with fake_provider_apis() as (url, log):
        yield url, log


@pytest.fixture
def signed(stack):
    """The stack's API checks signatures against these credentials for the test's duration."""
    callbacks = SignedCallbacks(AUTH_TOKEN)
    saved = stack.settings.twilio_auth_token, stack.settings.sendgrid_webhook_public_key
    stack.settings.twilio_auth_token = AUTH_TOKEN
    stack.settings.sendgrid_webhook_public_key = callbacks.sendgrid_public_key
    yield callbacks
    stack.settings.twilio_auth_token, stack.settings.sendgrid_webhook_public_key = saved


def provider_settings(stack, fake_url: str) -> Settings:
    return Settings(
        public_base_url=stack.settings.public_base_url,
        sms_provider="twilio",
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token=AUTH_TOKEN,
        twilio_from_number="+15125550000",
        twilio_api_base_url=fake_url,
        email_provider="sendgrid",
        sendgrid_api_key="SG.test",
        sendgrid_api_host=fake_url,
    )


def status_of(stack, key: str) -> tuple[str, str | None]:
    with transaction(stack.sessions) as session:
        row = session.scalars(select(Message).where(Message.idempotency_key == key)).one()
        return row.status, row.status_reason


def events_of(stack, provider_message_id: str) -> int:
    with transaction(stack.sessions) as session:
        return session.scalar(
            select(func.count()).where(MessageEvent.provider_message_id == provider_message_id)
        )


def send_sms(stack, fakes) -> tuple[str, dict]:
    url, log = fakes
    sender = MessageSender(stack.sessions, {"sms": TwilioSmsProvider(provider_settings(stack, url))})
    key = f"wh-sms:{uuid.uuid4()}"
    body = f"hello {key}"
    sender.send_once(
        OutboundMessage(key=key, channel="sms", to_address="+15125550111", body=body, purpose="t")
    )
    (sent,) = [m for m in log.twilio if m["body"] == body]
    return key, sent


async def test_twilio_status_callbacks_move_the_message_forward_once(stack, fakes, signed):
    key, sent = send_sms(stack, fakes)
    callback = sent["status_callback"]
    assert callback == f"{stack.settings.public_base_url}/webhooks/twilio/status"
    assert status_of(stack, key)[0] == "sent"
    assert (await signed.twilio_status(stack.http, callback, sent, "sent")).status_code == 204
    assert status_of(stack, key)[0] == "carrier_sent"
    assert (await signed.twilio_status(stack.http, callback, sent, "delivered")).status_code == 204
    again = await signed.twilio_status(stack.http, callback, sent, "delivered")  # Twilio retried it
    late = await signed.twilio_status(stack.http, callback, sent, "sent")  # out of order
    assert again.status_code == late.status_code == 204
    assert status_of(stack, key)[0] == "delivered"
    assert events_of(stack, sent["sid"]) == 2  # "sent" and "delivered", each once


async def test_a_failed_sms_is_undelivered_with_twilios_error_and_never_claimable_again(stack, fakes, signed):
    key, sent = send_sms(stack, fakes)
    r = await signed.twilio_status(stack.http, sent["status_callback"], sent, "failed", error_code="30008")
    assert r.status_code == 204
    assert status_of(stack, key) == ("undelivered", "Twilio: failed (error 30008)")


@pytest.mark.parametrize("forgery", ["unsigned", "wrong", "other-url"])
async def test_forged_twilio_callbacks_are_403(stack, fakes, signed, forgery):
    key, sent = send_sms(stack, fakes)
    url = sent["status_callback"]
    if forgery == "unsigned":
        r = await stack.http.post(url, data={"MessageSid": sent["sid"], "MessageStatus": "delivered"})
    elif forgery == "wrong":
        r = await signed.twilio_status(stack.http, url, sent, "delivered", signature="bm90IGEgc2lnbmF0dXJl")
    else:  # signed for another host: the URL checked is the public one from the settings
        other = SignedCallbacks(AUTH_TOKEN)
        from twilio.request_validator import RequestValidator

        params = {"MessageSid": sent["sid"], "MessageStatus": "delivered"}
        sig = RequestValidator(AUTH_TOKEN).compute_signature(
            "https://evil.example/webhooks/twilio/status", params
        )
        r = await stack.http.post(url, data=params, headers={"X-Twilio-Signature": sig})
        assert other.sendgrid_public_key
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    assert status_of(stack, key)[0] == "sent"


async def test_an_api_key_does_not_open_a_webhook(stack, signed):
    r = stack.http.build_request
    url = f"{stack.settings.public_base_url}/webhooks/twilio/status"
    r = await stack.http.post(
        url, data={"MessageSid": "SMx", "MessageStatus": "delivered"}, headers=stack.office
    )
    assert r.status_code == 403


def send_email(stack, fakes) -> tuple[str, str]:
    url, _ = fakes
    sender = MessageSender(stack.sessions, {"email": SendGridEmailProvider(provider_settings(stack, url))})
    key = f"wh-mail:{uuid.uuid4()}"
    sender.send_once(
        OutboundMessage(
            key=key, channel="email", to_address="a@example.com", body="hi", subject="s", purpose="t"
        )
    )
    with transaction(stack.sessions) as session:
        provider_id = session.scalars(
            select(Message.provider_message_id).where(Message.idempotency_key == key)
        ).one()
    return key, provider_id


def sg_event(provider_id: str, event: str, **extra) -> dict:
    return {
        "email": "a@example.com",
        "timestamp": int(time.time()),
        "event": event,
        "sg_event_id": uuid.uuid4().hex,
        "sg_message_id": f"{provider_id}.filterdrecv-5645d9c87f-78xgx-1-5F2B",
        **extra,
    }


async def test_sendgrid_events_apply_once_per_event_id(stack, fakes, signed):
    key, provider_id = send_email(stack, fakes)
    url = f"{stack.settings.public_base_url}/webhooks/sendgrid/events"
    batch = [
        sg_event(provider_id, "processed"),
        sg_event(provider_id, "delivered"),
        sg_event(provider_id, "open"),
    ]
    assert (await signed.sendgrid_events(stack.http, url, batch)).status_code == 204
    assert status_of(stack, key)[0] == "delivered"
    assert (
        await signed.sendgrid_events(stack.http, url, batch)
    ).status_code == 204  # SendGrid sends it again
    assert events_of(stack, provider_id) == 2  # processed and delivered once each; opens say nothing
    bounce = sg_event(provider_id, "bounce", reason="550 mailbox unavailable")
    other_key, other_id = send_email(stack, fakes)
    bounced = await signed.sendgrid_events(stack.http, url, [{**bounce, "sg_message_id": f"{other_id}.x"}])
    assert bounced.status_code == 204
    assert status_of(stack, other_key) == ("bounced", "SendGrid: bounce (550 mailbox unavailable)")


@pytest.mark.parametrize("forgery", ["unsigned", "wrong", "stale", "future", "garbage", "other-key"])
async def test_forged_or_stale_sendgrid_events_are_403(stack, fakes, signed, forgery):
    key, provider_id = send_email(stack, fakes)
    url = f"{stack.settings.public_base_url}/webhooks/sendgrid/events"
    batch = [sg_event(provider_id, "delivered")]
    if forgery == "unsigned":
        r = await stack.http.post(url, json=batch)
    elif forgery == "wrong":
        r = await signed.sendgrid_events(
            stack.http, url, batch, signature=signed.sign_sendgrid("[]", str(int(time.time())))
        )
    elif forgery == "stale":
        r = await signed.sendgrid_events(stack.http, url, batch, timestamp=int(time.time()) - 3600)
    elif forgery == "future":
        r = await signed.sendgrid_events(stack.http, url, batch, timestamp=int(time.time()) + 3600)
    elif forgery == "garbage":
        r = await signed.sendgrid_events(stack.http, url, batch, signature="%%%not-base64%%%")
    else:
        r = await SignedCallbacks(AUTH_TOKEN).sendgrid_events(stack.http, url, batch)
    assert r.status_code == 403, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert status_of(stack, key)[0] == "sent"


# ---- inbound SMS ---------------------------------------------------------------------------

INBOUND = "/webhooks/twilio/inbound"


async def pending_repair(stack, customer: int) -> str:
    from tests.integration.test_repair_api import approval_link, wait_status

    r = await stack.http.post(
        "/api/v1/repairs",
        json={"customer_id": customer, "job_type": "repair", "repair_count": 2},
        headers=stack.office,
    )
    wo = r.json()["id"]
    await wait_status(stack, wo, {"pending_approval"})
    await approval_link(stack, wo)
    return wo


async def test_yes_approves_the_one_pending_estimate_as_the_link_would(stack, signed):
    from tests.integration.test_communications import unique_phone
    from tests.integration.test_repair_api import new_customer, wait_status

    phone = unique_phone()
    customer = await new_customer(stack, phone=phone)
    wo = await pending_repair(stack, customer)
    url = f"{stack.settings.public_base_url}{INBOUND}"
    r = await signed.twilio_inbound(stack.http, url, phone, " Yes! ")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    assert f"estimate {wo} is approved" in r.text and "<Response><Message>" in r.text
    done = await wait_status(stack, wo, {"approved", "assigned", "awaiting_assignment"})
    assert done["approval_mode"] == "customer_link" and done["approved_by"] == f"customer:{customer}:sms"
    again = await signed.twilio_inbound(stack.http, url, phone, "YES")
    assert "no estimate waiting" in again.text


async def test_with_two_pending_a_reply_lists_the_links_and_decides_nothing(stack, signed):
    from tests.integration.test_communications import unique_phone
    from tests.integration.test_repair_api import new_customer

    phone = unique_phone()
    customer = await new_customer(stack, phone=phone)
    first, second = [await pending_repair(stack, customer) for _ in range(2)]
    url = f"{stack.settings.public_base_url}{INBOUND}"
    r = await signed.twilio_inbound(stack.http, url, phone, "no")
    assert "2 estimates waiting" in r.text and first in r.text and second in r.text
    assert r.text.count("/approve/") == 2
    for wo in (first, second):
        got = (await stack.http.get(f"/api/v1/repairs/{wo}", headers=stack.office)).json()
        assert got["status"] == "pending_approval"
    assert not any("/approve/" in line and "redacted" not in line for line in stack.access_log.lines)


async def test_stop_start_help_and_unknown_replies(stack, signed):
    from tests.integration.test_communications import prefs_path, unique_phone
    from tests.integration.test_repair_api import new_customer

    phone = unique_phone()
    customer = await new_customer(stack, phone=phone)
    url = f"{stack.settings.public_base_url}{INBOUND}"
    r = await signed.twilio_inbound(stack.http, url, phone, "STOP")
    assert "no more texts" in r.text
    assert (await stack.http.get(prefs_path(customer), headers=stack.office)).json()["sms_consent"] is False
    r = await signed.twilio_inbound(stack.http, url, phone, "start")
    assert "back on" in r.text
    assert (await stack.http.get(prefs_path(customer), headers=stack.office)).json()["sms_consent"] is True
    assert "reply YES to approve" in (await signed.twilio_inbound(stack.http, url, phone, "HELP")).text
    assert "we could not read that" in (await signed.twilio_inbound(stack.http, url, phone, "when?")).text
    await stack.http.put(prefs_path(customer), json={"language": "es"}, headers=stack.office)
    assert "no entendimos" in (await signed.twilio_inbound(stack.http, url, phone, "¿cuándo?")).text
    assert "not on file" in (await signed.twilio_inbound(stack.http, url, "+15125559999", "YES")).text


async def test_unsigned_inbound_sms_is_403(stack, signed):
    r = await stack.http.post(INBOUND, data={"From": "+15125550188", "Body": "YES"})
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")
