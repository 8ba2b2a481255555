"""SMS length: which encoding a text needs and how many segments it is billed as (GSM 03.38).

A text made only of GSM-7 characters (the basic table, plus the extension table whose characters
take two septets: ``^ { } \\ [ ~ ] | €`` and form feed) travels as GSM-7: 160 septets in one
segment, 153 per segment when concatenated (the user-data header takes 7). Any other character
(``á``, ``í``, ``ó``, ``ú``, a curly quote, an emoji, a narrow no-break space) switches the whole
text to UCS-2: 70 UTF-16 code units in one segment, 67 per segment when concatenated. Carriers bill
each segment, so templates are checked against :data:`MAX_SMS_SEGMENTS` (tests/unit/test_message_templates.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: GSM 03.38 basic character set (one septet each).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: GSM 03.38 extension table (escape + one septet: two septets each).
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

#: Most segments a rendered SMS template may take (cost, and SMS pumping exposure per send).
MAX_SMS_SEGMENTS = 3

Encoding = Literal["GSM-7", "UCS-2"]


@dataclass(frozen=True, slots=True)
class SmsLength:
    """``encoding`` the text needs, its length in ``units`` (septets for GSM-7, UTF-16 code units
    for UCS-2) and the ``segments`` it is sent (and billed) as; an empty text is 0 segments."""

    encoding: Encoding
    units: int
    segments: int


def is_gsm7(text: str) -> bool:
    """True when every character of ``text`` is in the GSM-7 basic or extension table."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def sms_length(text: str) -> SmsLength:
    """Encoding, length and segment count of ``text`` as an SMS (GSM 03.38 / 03.40).

    GSM-7: 160 septets fit one segment, else 153 per segment; UCS-2: 70 code units, else 67.
    """
    if is_gsm7(text):
        units = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2  # an emoji is two code units
        single, multi, encoding = 70, 67, "UCS-2"
    if units == 0:
        segments = 0
    elif units <= single:
        segments = 1
    else:
        segments = -(-units // multi)
    return SmsLength(encoding=encoding, units=units, segments=segments)  # type: ignore[arg-type]
