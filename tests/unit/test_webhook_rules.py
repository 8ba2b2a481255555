"""Signing, verification and retry rules of outgoing webhooks (domain/webhooks.py)."""

from __future__ import annotations

import pytest

from domain.webhooks import MAX_BACKOFF_SECONDS, backoff_seconds, delivered, retryable, sign, verify


def test_signature_verifies_and_rejects_forgery_and_staleness():
    body = b'{"event":"work_order.completed"}'
    header = sign("whsec_x", 1_700_000_000, body)
    assert header.startswith("t=1700000000,v1=") and len(header.split("v1=")[1]) == 64
    assert verify("whsec_x", header, body, now=1_700_000_100)
    assert not verify("whsec_y", header, body, now=1_700_000_100)  # other secret
    assert not verify("whsec_x", header, body + b" ", now=1_700_000_100)  # body changed
    assert not verify("whsec_x", header.replace("t=1700000000", "t=1700000050"), body, now=1_700_000_100)
    assert not verify("whsec_x", header, body, now=1_700_000_000 + 301)  # stale
    assert not verify("whsec_x", "garbage", body, now=1_700_000_000)


def test_backoff_doubles_up_to_an_hour():
    assert [backoff_seconds(n) for n in range(1, 5)] == [30, 60, 120, 240]
    assert backoff_seconds(20) == MAX_BACKOFF_SECONDS
    with pytest.raises(ValueError):
        backoff_seconds(0)


def test_which_answers_deliver_and_which_are_retried():
    assert delivered(200) and delivered(204) and not delivered(301) and not delivered(None)
    assert retryable(None) and retryable(503) and retryable(429) and retryable(408)
    assert not retryable(400) and not retryable(410) and not retryable(401)
