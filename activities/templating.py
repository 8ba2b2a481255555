"""Customer messages from Jinja2 templates, in the customer's language.

Templates live in ``activities/message_templates/{language}/``, one set per event of
``domain.communication.EVENTS`` (and the daily digest): ``{event}.sms.txt`` (the SMS),
``{event}.subject.txt``, ``{event}.email.txt`` and ``{event}.email.html`` (the email, whose
text and HTML parts extend ``_layout.email.*``). HTML is autoescaped; text is not.

Filters, formatted for the language with Babel and in the customer's time zone:
``money`` ($1,234.50), ``when`` (date and time with zone), ``day`` (weekday and date) and
``clock`` (time of day). Unicode spaces that CLDR puts in times (U+202F in "9:00 a. m.") are
plain spaces, so they cannot switch an SMS to UCS-2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context

from domain.communication import DIGEST_EVENT, EVENTS, LANGUAGES

LOCALES = {"en": "en_US", "es": "es_US"}
#: Job type names per language (the catalog's codes); an unknown code reads as itself.
JOB_NAMES: dict[str, dict[str, str]] = {
    "en": {
        "pumping": "septic pump out",
        "grease_trap": "grease trap pump out",
        "repair": "repair",
        "maintenance": "preventive maintenance",
        "inspection": "inspection",
        "installation": "installation",
        "emergency": "emergency call-out",
        "camera_inspection": "camera line inspection",
    },
    "es": {
        "pumping": "bombeo de fosa séptica",
        "grease_trap": "bombeo de trampa de grasa",
        "repair": "reparación",
        "maintenance": "mantenimiento preventivo",
        "inspection": "inspección",
        "installation": "instalación",
        "emergency": "servicio de emergencia",
        "camera_inspection": "inspección con cámara",
    },
}
_SPACES = re.compile(r"[\u00a0\u2000-\u200b\u202f\u205f\u3000]")


def _plain(text: str) -> str:
    return _SPACES.sub(" ", text)


def _zone(ctx: Context) -> ZoneInfo:
    return ZoneInfo(ctx["time_zone"])


def _locale(ctx: Context) -> str:
    return LOCALES[ctx["language"]]


@pass_context
def _money(ctx: Context, amount: Decimal | int | str) -> str:
    return _plain(format_currency(Decimal(str(amount)), "USD", locale=_locale(ctx)))


@pass_context
def _when(ctx: Context, moment: datetime) -> str:
    pattern = "EEE MMM d, h:mm a zzz" if ctx["language"] == "en" else "EEE d 'de' MMM, H:mm zzz"
    return _plain(format_datetime(moment, pattern, tzinfo=_zone(ctx), locale=_locale(ctx)))


@pass_context
def _day(ctx: Context, moment: datetime | date) -> str:
    pattern = "EEE MMM d" if ctx["language"] == "en" else "EEE d 'de' MMM"
    if isinstance(moment, datetime):
        return _plain(format_datetime(moment, pattern, tzinfo=_zone(ctx), locale=_locale(ctx)))
    return _plain(format_date(moment, pattern, locale=_locale(ctx)))


@pass_context
def _clock(ctx: Context, moment: datetime) -> str:
    pattern = "h:mm a" if ctx["language"] == "en" else "H:mm"
    return _plain(format_datetime(moment, pattern, tzinfo=_zone(ctx), locale=_locale(ctx)))


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("activities", "message_templates"),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        trim_blocks=False,
    )
    env.filters.update(money=_money, when=_when, day=_day, clock=_clock)
    return env


_ENV = _environment()


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """A rendered message: ``text`` is the SMS or the email's plain-text part; ``subject`` and
    ``html`` are set for email only."""

    text: str
    subject: str | None = None
    html: str | None = None


def job_name(job_type: str, language: str) -> str:
    """The customer-facing name of a job type in ``language``."""
    return JOB_NAMES.get(language, {}).get(job_type, job_type.replace("_", " "))


def render(
    event: str, channel: str, language: str, time_zone: str, context: dict[str, object]
) -> RenderedMessage:
    """Render ``event`` for ``channel`` (``sms`` or ``email``) in ``language`` (``en``/``es``);
    times are shown in ``time_zone``. ``context`` holds the template's variables (a missing one
    raises ``jinja2.UndefinedError``); ValueError for an unknown event, channel or language."""
    if event not in EVENTS and event != DIGEST_EVENT:
        raise ValueError(f"no templates for event {event!r}")
    if language not in LANGUAGES:
        raise ValueError(f"no templates in language {language!r}")
    values = {**context, "language": language, "time_zone": time_zone}
    if channel == "sms":
        return RenderedMessage(text=_ENV.get_template(f"{language}/{event}.sms.txt").render(values).strip())
    if channel != "email":
        raise ValueError(f"unknown channel {channel!r}")
    subject = " ".join(_ENV.get_template(f"{language}/{event}.subject.txt").render(values).split())
    values["subject"] = subject
    text = _ENV.get_template(f"{language}/{event}.email.txt").render(values).strip() + "\n"
    html = _ENV.get_template(f"{language}/{event}.email.html").render(values)
    return RenderedMessage(text=text, subject=subject, html=html)
