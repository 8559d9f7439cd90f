"""Dates of birth, said or keyed on the phone keypad.

Not Duckling's job: a birth date is said in ways no appointment is ("douze trois cinquante
quatre", eight keyed digits), its year is in the past, and "54" means 1954.
"""

from __future__ import annotations

import re
from datetime import date

from dialogue.french.normalize import flat_text, normalize_transcript

__all__ = ["MAX_AGE_YEARS", "MONTHS", "birth_date_unknown", "parse_birth_date"]

MONTHS = (
    "janvier", "fevrier", "mars", "avril", "mai", "juin",
    "juillet", "aout", "septembre", "octobre", "novembre", "decembre",
)
ANY_MONTH = "|".join(MONTHS)

# Further back is a misheard year, not a patient's birth.
MAX_AGE_YEARS = 130
_BIRTH_WITH_MONTH = re.compile(
    rf"\b(\d{{1,2}})(?:er|ere)? ({ANY_MONTH})(?: (?:de l annee|en|annee))? (\d{{4}}|\d{{2}})\b"
)
_BIRTH_NUMERIC = re.compile(r"\b(\d{1,2}) (\d{1,2}) (\d{4}|\d{2})\b")
_BIRTH_COMPACT = re.compile(r"\b(\d{2})(\d{2})(\d{4}|\d{2})\b")
# "je ne la connais pas", "je sais plus", "aucune idée", "je l'ai pas sous la main": a relative
# calling often does not know it.
_NOT_KNOWN = re.compile(
    r"\b(?:sais|sait|savons|connais|connait|souviens|souvient|rappelle|retiens) (?:pas|plus)\b"
    r"|\b(?:la|l) (?:connais|connait|ai|a) (?:pas|plus)\b|\baucune idee\b|\bsais rien\b"
    r"|\bpas (?:sous la main|sur moi|en tete)\b"
)


def parse_birth_date(text: str, today: date) -> date | None:
    """Read a date of birth, said or keyed.

    Accepts "le douze mars mille neuf cent cinquante quatre", "né le 1er avril 1980",
    "12 03 1954", "douze trois cinquante quatre" and keypad digits "12031954" (DDMMYYYY) or
    "120354" (DDMMYY). A two-digit year is the most recent one not in the future ("54" →
    1954, "12" → 2012 when today is later than that birthday in 2012).

    Args:
        text: Recognizer, typed or DTMF text.
        today: The practice's current date; a birth date cannot be after it.

    Returns:
        The date, or None when no complete (day, month, year), possible and past date was
        given (no year, 31 February, a future date, more than 130 years ago).
    """
    text = " ".join(flat_text(normalize_transcript(text)).split())
    match = _BIRTH_WITH_MONTH.search(text)
    if match is not None:
        return _birth(today, match[1], str(MONTHS.index(match[2]) + 1), match[3])
    if any(month in text.split() for month in MONTHS):
        return None
    digits = "".join(char for char in text if char.isdigit())
    if len(digits) == 8:
        # Digit by digit ("un deux zéro trois…") or keyed: DDMMYYYY whatever the grouping.
        return _birth(today, digits[:2], digits[2:4], digits[4:])
    for pattern in (_BIRTH_NUMERIC, _BIRTH_COMPACT):
        match = pattern.search(text)
        if match is not None:
            return _birth(today, match[1], match[2], match[3])
    if len(digits) == 6:
        return _birth(today, digits[:2], digits[2:4], digits[4:])
    return None


def _birth(today: date, day_text: str, month_text: str, year_text: str) -> date | None:
    day, month, year = int(day_text), int(month_text), int(year_text)
    if len(year_text) == 2:
        year += 2000
        try:
            if date(year, month, day) > today:
                year -= 100
        except ValueError:
            return None
    try:
        born = date(year, month, day)
    except ValueError:
        return None
    if born > today or born.year < today.year - MAX_AGE_YEARS:
        return None
    return born


def birth_date_unknown(text: str, today: date) -> bool:
    """Whether the caller says they do not know the date of birth (and gives none)."""
    return parse_birth_date(text, today) is None and bool(
        _NOT_KNOWN.search(flat_text(normalize_transcript(text)))
    )
