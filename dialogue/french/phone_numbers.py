"""Phone numbers dictated in French ("zéro six douze trente quatre…") or typed, to E.164.

Shown back to people with `core.display_phone`."""

from __future__ import annotations

import re

import phonenumbers

from dialogue.french.normalize import normalize_transcript

__all__ = ["parse_french_phone"]

_PLUS = re.compile(r"\bplus (?=\d)")
_DOUBLE = re.compile(r"\bdouble (\d)")
_DIGIT_RUN = re.compile(r"\+?\d+(?: \d+)*")
_NATIONAL_LENGTH = 10


def parse_french_phone(text: str, region: str = "FR") -> str | None:
    """Read a phone number from a caller's words or digits.

    Accepts "zéro six douze trente quatre cinquante six soixante dix huit", digit by digit
    ("zéro six un deux…"), "06 12 34 56 78", "plus trente trois six…", "double zéro trente
    trois…" and DTMF digits. Words around the number are ignored ("c'est le …").

    Args:
        text: Recognizer or typed text.
        region: Region for numbers given without a country code.

    Returns:
        The number in E.164 ("+33612345678"), or None when no valid number was said.
    """
    normalized = normalize_transcript(text)
    normalized = _PLUS.sub("+", normalized)
    normalized = _DOUBLE.sub(r"\1\1", normalized)
    for run in _DIGIT_RUN.findall(normalized):
        for candidate in _candidates(run.replace(" ", "")):
            number = _valid(candidate, region)
            if number is not None:
                return number
    return None


def _candidates(digits: str) -> list[str]:
    """The whole run first, then the French-looking 10-digit windows inside a longer run."""
    found = [digits]
    if digits.startswith("33") and len(digits) == 11:
        found.append("+" + digits)
    if digits.startswith("00"):
        found.append("+" + digits[2:])
    if len(digits) > _NATIONAL_LENGTH:
        found.extend(
            digits[start : start + _NATIONAL_LENGTH]
            for start in range(len(digits) - _NATIONAL_LENGTH + 1)
            if digits[start] == "0"
        )
    return found


def _valid(candidate: str, region: str) -> str | None:
    if len(candidate.lstrip("+")) < 9:
        return None
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
