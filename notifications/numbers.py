"""Which numbers can receive a text: valid, and a mobile (a French landline cannot)."""

from __future__ import annotations

from enum import StrEnum

import phonenumbers
from phonenumbers import PhoneNumberType

DEFAULT_REGION = "FR"
_TEXTABLE = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


class NumberProblem(StrEnum):
    """Why a number gets no text (noted on the row; never retried)."""

    NONE = "no-number"
    INVALID = "invalid-number"
    LANDLINE = "landline"


def textable(
    raw: str | None, region: str = DEFAULT_REGION
) -> tuple[str | None, NumberProblem | None]:
    """The E.164 form of a number that can receive texts, or the problem with it."""
    if not raw or not raw.strip():
        return None, NumberProblem.NONE
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None, NumberProblem.INVALID
    if not phonenumbers.is_valid_number(parsed):
        return None, NumberProblem.INVALID
    e164 = str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
    if phonenumbers.number_type(parsed) not in _TEXTABLE:
        return e164, NumberProblem.LANDLINE
    return e164, None
