"""Masking of personal data and secrets in logs: no phone number, no token in clear; and the
one way a number is shown in full, where staff are meant to read it."""

from __future__ import annotations

import logging
import re

import phonenumbers

# A run of 8 to 15 digits, optionally with a leading + or 00 and single spaces or dots between
# digits: French national ("06 12 34 56 78") and international ("+33612345678") forms. Hyphens are
# left out so that ISO dates are not mistaken for numbers.
_PHONE_RE = re.compile(r"(?<![\w+])(?:\+|00)?\d(?:[ .]?\d){7,14}(?![\w])")


# Secrets that ride in URLs or headers: Rasa's API token and the iCalendar feed secrets are
# query parameters (calendar applications cannot send headers), and access logs print paths.
_SECRET_PARAM_RE = re.compile(
    r"(?i)((?:[?&;]|%3F|%26)(?:token|auth_token|secret|key|password|signature)(?:=|%3D))"
    r"[^&\s\"'<>]+"
)
_BEARER_RE = re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]+")


def mask_secrets(text: str) -> str:
    """Replace the value of every token-like URL parameter and bearer token by ``•••``."""
    return _BEARER_RE.sub(r"\1•••", _SECRET_PARAM_RE.sub(r"\1•••", text))


def mask_phone(number: str | None) -> str:
    """Mask every digit of a phone number except the last two: ``+33•••••••78``."""
    if not number:
        return "inconnu"
    digits = [c for c in number if c.isdigit()]
    if len(digits) <= 2:
        return "••"
    keep = "".join(digits[-2:])
    prefix = "+" if number.strip().startswith("+") else ""
    return f"{prefix}{'•' * (len(digits) - 2)}{keep}"


def display_phone(number: str | None) -> str:
    """``+33612345678`` → ``06 12 34 56 78``, as read in France (international format for
    foreign numbers); what cannot be read as a number is returned as it is."""
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, "FR")
    except phonenumbers.NumberParseException:
        return number
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if parsed.country_code == 33
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return str(phonenumbers.format_number(parsed, style))


def mask_text(text: str) -> str:
    """Mask every phone number and URL secret found in free text."""
    return _PHONE_RE.sub(lambda m: mask_phone(m.group(0)), mask_secrets(text))


class PhoneMaskingFilter(logging.Filter):
    """Rewrites each record's message so that no phone number nor URL secret reaches a handler
    in clear (uvicorn's access lines and httpx's request lines included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the fully formatted message in place."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        masked = mask_text(message)
        if masked != message or record.args:
            record.msg = masked
            record.args = None
        return True
