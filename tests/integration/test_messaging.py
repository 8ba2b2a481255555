"""The outbox sends each key once, reconciles lost claims, and drives the real Twilio/SendGrid SDKs
against loopback fakes of their HTTP APIs."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from activities.messaging import (
    DefiniteFailure,
    DeliveryUncertain,
    MessageSender,
    OutboundMessage,
    OutboxProvider,
    SendGridEmailProvider,
    TwilioSmsProvider,
)
from config import Settings
from db.models import Message
from db.session import transaction
from devstack.fake_providers import ProviderLog, fake_provider_apis

pytestmark = pytest.mark.integration


@dataclass
class FakeProvider:
    """Counts sends; ``already_sent`` answers the reconciliation question."""

    name: str = "fake"
    sends: list[str] = field(default_factory=list)
    lookups: int = 0
    already_sent: str | None = None
    fail_next: bool = False
    refuse_next: bool = False

    def send(self, message: OutboundMessage) -> str:
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("provider timed out")
        if self.refuse_next:
            self.refuse_next = False
            raise DefiniteFailure("400 invalid 'To' number")
        self.sends.append(message.key)
        return f"fake-{len(self.sends)}"

    def find_sent(self, message: OutboundMessage, since: datetime) -> str | None:
        self.lookups += 1
        return self.already_sent


def message(key: str, channel: str = "sms") -> OutboundMessage:
    """A message whose body is unique to its key, so reconciliation can only match itself."""
    return OutboundMessage(
        key=key, channel=channel, to_address="+15125550100", body=f"hello {key}", purpose="test"
    )


def leave_claim(sessions, msg: OutboundMessage, provider: str) -> None:
    """What a worker that claimed ``msg`` and died before recording the outcome leaves behind."""
    with transaction(sessions) as session:
        session.add(
            Message(
                idempotency_key=msg.key,
                channel=msg.channel,
                provider=provider,
                purpose=msg.purpose,
                to_address=msg.to_address,
                body=msg.body,
                status="claimed",
                created_at=datetime.now(UTC),
            )
        )


def row(sessions, key: str) -> Message:
    with transaction(sessions) as session:
        found = session.scalars(select(Message).where(Message.idempotency_key == key)).one()
        session.expunge(found)
        return found


def test_same_key_is_sent_once(database):
    provider = FakeProvider()
    sender = MessageSender(database.sessions, {"sms": provider})
    key = f"repair-x:{uuid.uuid4()}"
    first = sender.send_once(message(key))
    second = sender.send_once(message(key))
    assert first == second and provider.sends == [key] and provider.lookups == 0
    assert row(database.sessions, key).status == "sent"


def test_lost_claim_is_reconciled_not_resent(database):
    key = f"repair-x:{uuid.uuid4()}"
    leave_claim(database.sessions, message(key), "fake")
    provider = FakeProvider(already_sent="SM-already")
    MessageSender(database.sessions, {"sms": provider}).send_once(message(key))
    assert provider.sends == [] and provider.lookups == 1
    assert row(database.sessions, key).provider_message_id == "SM-already"


def test_failed_send_is_retried_after_checking_the_provider(database):
    key = f"repair-x:{uuid.uuid4()}"
    provider = FakeProvider(fail_next=True)
    sender = MessageSender(database.sessions, {"sms": provider})
    with pytest.raises(ConnectionError):
        sender.send_once(message(key))
    assert row(database.sessions, key).error.startswith("ConnectionError")
    sender.send_once(message(key))
    assert provider.lookups == 1 and provider.sends == [key]
    assert row(database.sessions, key).status == "sent"


def test_refused_message_is_marked_failed_and_may_be_sent_again(database):
    key = f"repair-x:{uuid.uuid4()}"
    provider = FakeProvider(refuse_next=True)
    sender = MessageSender(database.sessions, {"sms": provider})
    with pytest.raises(DefiniteFailure):
        sender.send_once(message(key))
    assert row(database.sessions, key).status == "failed"
    sender.send_once(message(key))  # e.g. after the office fixed the phone number
    assert provider.lookups == 0 and provider.sends == [key] and row(database.sessions, key).status == "sent"


def test_real_providers_keep_no_live_link_at_rest(database):
    token = "AbCdEfGhIjKlMnOpQrStUv"
    link = OutboundMessage(
        key=f"repair-x:{uuid.uuid4()}",
        channel="sms",
        to_address="+15125550100",
        body=f"Approve: https://x.example/approve/{token}",
        purpose="test",
        secrets=(token,),
    )
    MessageSender(database.sessions, {"sms": FakeProvider(name="twilio")}).send_once(link)
    assert token not in row(database.sessions, link.key).body
    assert row(database.sessions, link.key).body.endswith("/approve/[redacted]")
    outbox = dataclasses.replace(link, key=f"repair-x:{uuid.uuid4()}")
    MessageSender(database.sessions, {"sms": OutboxProvider()}).send_once(outbox)
    assert token in row(database.sessions, outbox.key).body  # the outbox row is the delivery


@pytest.fixture(scope="module")
def fake_apis():
    with fake_provider_apis() as (url, log):
        FakeApis.log = log
        yield url


class FakeApis:
    """What the loopback Twilio/SendGrid fakes of this module received."""

    log: ProviderLog


@pytest.fixture
def twilio(fake_apis) -> TwilioSmsProvider:
    return TwilioSmsProvider(
        Settings(
            sms_provider="twilio",
            twilio_account_sid="AC" + "0" * 32,
            twilio_auth_token="t",
            twilio_from_number="+15125550000",
            twilio_api_base_url=fake_apis,
        )
    )


def sent_to_twilio(msg: OutboundMessage) -> list[dict]:
    return [m for m in FakeApis.log.twilio if m["body"] == msg.body]


def test_twilio_sdk_sends_once(database, twilio):
    sender = MessageSender(database.sessions, {"sms": twilio})
    msg = message(f"repair-tw:{uuid.uuid4()}")
    sender.send_once(msg)
    sender.send_once(msg)
    (sent,) = sent_to_twilio(msg)
    assert row(database.sessions, msg.key).provider_message_id == sent["sid"]


def test_twilio_lost_answer_is_found_by_listing_not_sent_again(database, twilio):
    msg = message(f"repair-tw:{uuid.uuid4()}")
    leave_claim(database.sessions, msg, "twilio")
    accepted = twilio.send(msg)  # Twilio took it; the worker died before recording that
    MessageSender(database.sessions, {"sms": twilio}).send_once(msg)
    assert len(sent_to_twilio(msg)) == 1
    assert row(database.sessions, msg.key).provider_message_id == accepted


def test_twilio_lost_claim_never_sent_is_sent_after_checking(database, twilio):
    msg = message(f"repair-tw:{uuid.uuid4()}")
    leave_claim(database.sessions, msg, "twilio")  # the worker died before calling Twilio
    MessageSender(database.sessions, {"sms": twilio}).send_once(msg)
    assert len(sent_to_twilio(msg)) == 1 and row(database.sessions, msg.key).status == "sent"


def test_sendgrid_sdk_sends_and_never_guesses(database, fake_apis):
    settings = Settings(email_provider="sendgrid", sendgrid_api_key="SG.test", sendgrid_api_host=fake_apis)
    sender = MessageSender(database.sessions, {"email": SendGridEmailProvider(settings)})
    key = f"repair-sg:{uuid.uuid4()}"
    email = OutboundMessage(
        key=key,
        channel="email",
        to_address="rosa@example.com",
        body="estimate",
        purpose="test",
        subject="Estimate",
    )
    sender.send_once(email)
    assert FakeApis.log.sendgrid[-1]["personalizations"][0]["to"][0]["email"] == "rosa@example.com"
    assert row(database.sessions, key).provider_message_id == f"sg-{len(FakeApis.log.sendgrid)}"
    sent_before = len(FakeApis.log.sendgrid)
    lost = dataclasses.replace(email, key=f"repair-sg:{uuid.uuid4()}")
    leave_claim(database.sessions, lost, "sendgrid")
    with pytest.raises(DeliveryUncertain):
        sender.send_once(lost)
    assert len(FakeApis.log.sendgrid) == sent_before


def test_twilio_rate_limit_is_retryable_and_errors_keep_no_phone_number(database, twilio):
    sender = MessageSender(database.sessions, {"sms": twilio})
    busy = dataclasses.replace(message(f"repair-tw:{uuid.uuid4()}"), to_address="+15125550429")
    with pytest.raises(ConnectionError, match="429"):
        sender.send_once(busy)
    assert row(database.sessions, busy.key).status == "claimed"  # not refused: reconciled and retried later
    bad = dataclasses.replace(message(f"repair-tw:{uuid.uuid4()}"), to_address="+15125550400")
    with pytest.raises(DefiniteFailure) as err:
        sender.send_once(bad)
    assert "21211" in str(err.value) and "5550400" not in str(err.value)
    stored = row(database.sessions, bad.key)
    assert stored.status == "failed" and "5550400" not in stored.error
