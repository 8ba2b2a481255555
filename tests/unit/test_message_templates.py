"""Every customer message template exists in every language, renders, and fits the SMS budget."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from importlib.resources import files

import pytest

from activities.notifications import DIGEST_SMS_ITEMS
from activities.templating import JOB_NAMES, render
from config import Settings
from domain.communication import DIGEST_EVENT, EVENTS, LANGUAGES
from domain.sms import MAX_SMS_SEGMENTS, is_gsm7, sms_length

ALL_EVENTS = [*EVENTS, DIGEST_EVENT]
#: The longest values a real message carries (a 22-character link token on a long public URL,
#: five-figure amounts, the longest job name in each language, a long technician name).
LINK = "https://service.example-company.com/approve/AbCdEfGhIjKlMnOpQrStUv"


def context(language: str, job: str | None = None) -> dict[str, object]:
    longest_job = max(JOB_NAMES[language].values(), key=len)
    return {
        "company": Settings().company_name,  # the default issuer name, as customers see it
        "name": "Maria",
        "work_order_id": "WO-20261125-0001",
        "job": job or longest_job,
        "amount": Decimal("12345.67"),
        "total": Decimal("12345.67"),
        "link": LINK,
        "lines": [{"description": "Repair 1 of 3", "amount": Decimal("95.00")}],
        "expires": datetime(2026, 11, 28, 3, 0, tzinfo=UTC),
        "technician": "Christopher Montgomery",
        "window_start": datetime(2026, 11, 26, 15, 0, tzinfo=UTC),
        "window_end": datetime(2026, 11, 26, 17, 0, tzinfo=UTC),
        "eta": datetime(2026, 11, 26, 15, 40, tzinfo=UTC),
        "walk_at": datetime(2026, 11, 30, 14, 0, tzinfo=UTC),
        "vehicles": 45,
        "invoice_number": "INV-2026-11-00042",
        "due_date": date(2026, 12, 25),
        "days_overdue": 60,
        "day": date(2026, 11, 25),
        "items": [
            "Work order WO-20261125-0001 approved",
            "Christopher is booked for Thu Nov 26",
            "Work order WO-20261125-0001 completed",
        ],
        "more": 7,  # the digest SMS lists DIGEST_SMS_ITEMS (3) items, then "+ 7 more"
    }


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("event", ALL_EVENTS)
def test_every_event_has_every_template(event, language):
    folder = files("activities") / "message_templates" / language
    for part in ("sms.txt", "subject.txt", "email.txt", "email.html"):
        assert (folder / f"{event}.{part}").is_file(), f"{language}/{event}.{part} is missing"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("event", ALL_EVENTS)
def test_sms_fits_the_segment_budget(event, language):
    for job in JOB_NAMES[language].values():  # a job name with an accent switches Spanish to UCS-2
        text = render(event, "sms", language, "America/Chicago", context(language, job)).text
        length = sms_length(text)
        assert length.segments <= MAX_SMS_SEGMENTS, f"{language}/{event}: {length} for {text!r}"
        if language == "en":
            # an English template needs no UCS-2: one curly quote or dash would cut each segment to 67
            assert is_gsm7(text), [ch for ch in text if not is_gsm7(ch)]
        assert "\u202f" not in text and "\u00a0" not in text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("event", ALL_EVENTS)
def test_email_has_subject_text_and_escaped_html(event, language):
    values = context(language) | {"name": "<b>Pat</b> & Co"}
    mail = render(event, "email", language, "America/Chicago", values)
    assert mail.subject and "\n" not in mail.subject
    assert "<b>Pat</b> & Co" in mail.text  # plain text is not escaped
    assert "&lt;b&gt;Pat&lt;/b&gt; &amp; Co" in mail.html and "<b>Pat</b>" not in mail.html
    assert mail.html.startswith("<!doctype html>") and f'lang="{language}"' in mail.html


def test_language_and_time_zone_shape_the_message():
    en = render("assigned", "sms", "en", "America/Chicago", context("en")).text
    es = render("assigned", "sms", "es", "America/Chicago", context("es")).text
    assert "Thu Nov 26, 9:00 AM-11:00 AM" in en
    assert "irá" in es and "jue 26 de nov, 9:00-11:00" in es
    la = render("assigned", "sms", "en", "America/Los_Angeles", context("en")).text
    assert "7:00 AM-9:00 AM" in la


def test_a_missing_variable_is_an_error_not_a_blank():
    values = context("en")
    del values["link"]
    with pytest.raises(Exception, match="link"):
        render("approval_request", "sms", "en", "America/Chicago", values)


def test_unknown_event_language_or_channel_is_refused():
    with pytest.raises(ValueError):
        render("birthday", "sms", "en", "UTC", {})
    with pytest.raises(ValueError):
        render("approved", "sms", "fr", "UTC", {})
    with pytest.raises(ValueError):
        render("approved", "fax", "en", "UTC", context("en"))


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("{" * 80, "GSM-7", 160, 1),  # extension characters take two septets
        ("€" * 81, "GSM-7", 162, 2),
        ("ñ¿¡é" * 40, "GSM-7", 160, 1),  # Spanish letters in the basic table
        ("á" + "a" * 69, "UCS-2", 70, 1),  # á is not: the whole text goes UCS-2
        ("á" + "a" * 70, "UCS-2", 71, 2),
        ("ó" * 134, "UCS-2", 134, 2),
        ("ó" * 135, "UCS-2", 135, 3),
        ("\U0001f600" * 35, "UCS-2", 70, 1),  # an emoji is two UTF-16 code units
        ("it\u2019s", "UCS-2", 4, 1),  # a curly apostrophe
    ],
)
def test_sms_length(text, encoding, units, segments):
    length = sms_length(text)
    assert (length.encoding, length.units, length.segments) == (encoding, units, segments)


def test_the_digest_sms_counts_what_it_does_not_list():
    text = render("daily_digest", "sms", "en", "America/Chicago", context("en")).text
    assert text.endswith("+ 7 more") and text.count("\n- ") == DIGEST_SMS_ITEMS
    quiet = render("daily_digest", "sms", "en", "America/Chicago", context("en") | {"more": 0}).text
    assert "more" not in quiet
