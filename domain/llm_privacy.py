"""Keeping contact details out of LLM prompts and logs (issue 11, "LLM helpers").

Prompts are built from ids, dates, amounts and counts, never from a customer's name, phone,
email or address. Free text that has to go in (a review comment, an SMS reply) passes
:func:`redact` first, which replaces:

1. every value the caller knows belongs to the customer (names, company, street address, phone,
   email; case-insensitive, whole words), by ``[customer]`` or ``[contact]``;
2. anything shaped like an email address, by ``[email]``;
3. anything shaped like a North American phone number (10 digits, optional +1, separators
   ``space . -`` and parentheses), by ``[phone]``. Digits inside ids such as
   ``WO-20261122-0001`` are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w-])(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?![\w-])")
#: shorter known values are not replaced (they would hit ordinary words)
MIN_KNOWN_LENGTH = 3


def redact(text: str, *, names: Iterable[str | None] = (), contacts: Iterable[str | None] = ()) -> str:
    """``text`` with the customer's known ``names`` (first, last, company) replaced by
    ``[customer]``, known ``contacts`` (street address, phone, email) by ``[contact]``, then any
    email by ``[email]`` and any phone number by ``[phone]`` (rules in the module docstring)."""
    out = text
    for values, token in ((contacts, "[contact]"), (names, "[customer]")):
        for value in sorted(
            {v.strip() for v in values if v and len(v.strip()) >= MIN_KNOWN_LENGTH}, key=len, reverse=True
        ):
            out = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", token, out, flags=re.IGNORECASE)
    out = EMAIL.sub("[email]", out)
    return PHONE.sub("[phone]", out)


def has_contact_details(text: str) -> bool:
    """Whether ``text`` still holds something shaped like an email or a phone number."""
    return bool(EMAIL.search(text) or PHONE.search(text))
