"""Post-service survey rules (issue 9; seed 004 Phase 2 "Post-Service Surveys", seed 001 8.2).
Pure: no clock, no I/O.

- Every customer of a completed job gets the same survey, whatever the job went like: there is no
  review gating (nobody is asked only when a good rating is expected). A customer who opted out
  of the ``surveys`` category is not sent one (``domain.communication``).
- The survey waits while a *return visit* (another job of the same customer, opened after this one
  was completed and not ended) or an *invoice dispute* (of the invoice that billed this job) is
  open: asking "how did we do?" while the problem is still being fixed or argued about is wrong.
- An answer is a rating 1-5 (``RATINGS``), from the survey page (with an optional comment) or an
  SMS reply of one digit. A rating of ``LOW_RATING`` or less opens a follow-up for the
  technician's manager.
- Sentiment is a score in [-1, 1]. :func:`lexicon_sentiment` is the fallback scorer when no
  language model is configured: the rating's own sentiment, moved by the comment's positive and
  negative words (English and Spanish).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

RATINGS = range(1, 6)
#: A rating at or below this opens a follow-up for the technician's manager.
LOW_RATING = 2
#: Longest comment kept from the survey page (characters).
MAX_COMMENT_CHARS = 1000

#: The sentiment a bare rating carries (1 → -1, 3 → 0, 5 → 1).
RATING_SENTIMENT = {1: Decimal("-1"), 2: Decimal("-0.5"), 3: Decimal("0"), 4: Decimal("0.5"), 5: Decimal("1")}

POSITIVE_WORDS = frozenset(
    """great good excellent friendly professional quick fast clean helpful polite thorough amazing
    awesome perfect recommend thanks thank happy kind courteous punctual efficient fantastic
    bueno buena excelente amable rapido rapida limpio limpia gracias perfecto recomiendo""".split()
)
NEGATIVE_WORDS = frozenset(
    """bad late rude dirty slow poor terrible awful broken mess messy leak leaking again expensive
    overcharged unprofessional careless never worst disappointed unhappy problem wrong missed
    malo mala tarde grosero sucio sucia lento caro problema peor nunca""".split()
)
#: Words that flip the next sentiment word ("not good").
NEGATIONS = frozenset("not no never didnt wasnt isnt dont nunca no".split())
#: Weight of the comment against the rating (the rest is the rating's own sentiment).
COMMENT_WEIGHT = Decimal("0.5")

_WORD = re.compile(r"[a-z]+")


def check_rating(value: int) -> int:
    """``value`` when it is a rating 1-5; ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or value not in RATINGS:
        raise ValueError("a rating is a whole number from 1 to 5")
    return value


def parse_sms_rating(body: str) -> int | None:
    """The rating an SMS reply gives: one digit 1-5 alone (spaces and trailing punctuation
    ignored, e.g. "4", " 5! "); None for anything else."""
    text = body.strip().rstrip(".!?")
    if len(text) == 1 and text in "12345":
        return int(text)
    return None


def is_low(rating: int) -> bool:
    """Whether a rating opens a follow-up for the technician's manager."""
    return check_rating(rating) <= LOW_RATING


def hold_reason(open_return_visits: list[str], disputed_invoices: list[str]) -> str | None:
    """Why the survey must wait, or None: the open return visits (work order ids) of the job's
    customer since its completion, then the job's invoices with an open dispute (numbers)."""
    if open_return_visits:
        return f"return visit open: {', '.join(sorted(open_return_visits))}"
    if disputed_invoices:
        return f"invoice dispute open: {', '.join(sorted(disputed_invoices))}"
    return None


def _words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _WORD.findall(plain.replace("'", ""))


def lexicon_sentiment(rating: int, comment: str | None) -> Decimal:
    """Sentiment in [-1, 1] with 3 decimals: the rating's sentiment, and when the comment has
    sentiment words, ``COMMENT_WEIGHT`` of it is the comment's balance (positive minus negative
    words over all of them; a negation flips the word after it)."""
    base = RATING_SENTIMENT[check_rating(rating)]
    positive = negative = 0
    flip = False
    for word in _words(comment or ""):
        if word in NEGATIONS:
            flip = True
            continue
        sign = 1 if word in POSITIVE_WORDS else -1 if word in NEGATIVE_WORDS else 0
        if sign:
            if flip:
                sign = -sign
            positive += sign > 0
            negative += sign < 0
        flip = False
    if positive + negative == 0:
        return base.quantize(Decimal("0.001"))
    balance = Decimal(positive - negative) / Decimal(positive + negative)
    score = (1 - COMMENT_WEIGHT) * base + COMMENT_WEIGHT * balance
    return max(Decimal("-1"), min(Decimal("1"), score)).quantize(Decimal("0.001"), ROUND_HALF_UP)
