"""Survey rules: ratings, SMS digits, holds, low ratings and the lexicon sentiment fallback."""

from __future__ import annotations

from decimal import Decimal

import pytest

from api.logging_setup import redact_approval_tokens
from domain.survey import check_rating, hold_reason, is_low, lexicon_sentiment, parse_sms_rating


def test_ratings_are_whole_numbers_one_to_five():
    assert [check_rating(n) for n in range(1, 6)] == [1, 2, 3, 4, 5]
    for bad in (0, 6, -1, True):
        with pytest.raises(ValueError):
            check_rating(bad)
    assert is_low(1) and is_low(2) and not is_low(3)


def test_sms_digits():
    assert parse_sms_rating("4") == 4 and parse_sms_rating(" 5! ") == 5 and parse_sms_rating("1.") == 1
    for other in ("0", "6", "45", "yes", "", "four", "5 stars"):
        assert parse_sms_rating(other) is None


def test_a_return_visit_holds_before_a_dispute():
    assert hold_reason([], []) is None
    assert hold_reason(["WO-2"], ["INV-1"]) == "return visit open: WO-2"
    assert hold_reason([], ["INV-2026-0001"]) == "invoice dispute open: INV-2026-0001"


def test_lexicon_sentiment_follows_rating_and_comment():
    assert lexicon_sentiment(5, None) == Decimal("1.000")
    assert lexicon_sentiment(3, "") == Decimal("0.000")
    assert lexicon_sentiment(1, "Late and rude, the tank is leaking again") == Decimal("-1.000")
    assert lexicon_sentiment(4, "Great, friendly and quick") == Decimal("0.750")
    # a negation flips the word after it
    assert lexicon_sentiment(3, "not good") < 0 < lexicon_sentiment(3, "good")
    # Spanish, accents ignored
    assert lexicon_sentiment(3, "Muy amable y rápido") > 0
    mixed = lexicon_sentiment(2, "friendly but late and expensive")
    assert Decimal("-1") <= mixed < 0


def test_survey_link_tokens_are_redacted_from_log_lines():
    line = '127.0.0.1:5 - "POST /survey/AbCdEfGhIjKlMnOpQrStUv HTTP/1.1" 200'
    assert redact_approval_tokens(line) == '127.0.0.1:5 - "POST /survey/[redacted] HTTP/1.1" 200'
