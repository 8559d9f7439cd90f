"""Masking of personal data in logs: a phone number never appears in clear."""

from __future__ import annotations

import logging
import re

# A run of 8 to 15 digits, optionally with a leading + or 00 and single spaces or dots between
# digits: French national ("06 12 34 56 78") and international ("+33612345678") forms. Hyphens are
# left out so that ISO dates are not mistaken for numbers.
_PHONE_RE = re.compile(r"(?<![\w+])(?:\+|00)?\d(?:[ .]?\d){7,14}(?![\w])")


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


def mask_text(text: str) -> str:
    """Mask every phone number found in free text."""
    return _PHONE_RE.sub(lambda m: mask_phone(m.group(0)), text)


class PhoneMaskingFilter(logging.Filter):
    """Rewrites each record's message so that no phone number reaches a handler in clear."""

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
