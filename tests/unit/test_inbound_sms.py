"""domain/inbound_sms.py: what a customer's reply means."""

from __future__ import annotations

import pytest

from domain.inbound_sms import Reply, classify


@pytest.mark.parametrize(
    ("body", "meaning"),
    [
        ("YES", Reply.APPROVE),
        (" yes! ", Reply.APPROVE),
        ("Sí", Reply.APPROVE),
        ("si.", Reply.APPROVE),
        ("No", Reply.DECLINE),
        ("STOP", Reply.STOP),
        ("Unsubscribe", Reply.STOP),
        ("parar", Reply.STOP),
        ("START", Reply.START),
        ("unstop", Reply.START),
        ("help", Reply.HELP),
        ("AYUDA", Reply.HELP),
        ("yes please come tomorrow", Reply.UNKNOWN),
        ("", Reply.UNKNOWN),
        ("\U0001f44d", Reply.UNKNOWN),
    ],
)
def test_classify(body, meaning):
    assert classify(body) == meaning
