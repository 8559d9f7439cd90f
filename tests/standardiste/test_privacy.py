"""No phone number reaches a log line in clear."""

from __future__ import annotations

import io
import json
import logging

import pytest

from core import JsonFormatter, PhoneMaskingFilter, mask_phone, mask_text


@pytest.mark.parametrize(
    ("number", "masked"),
    [("+33612345678", "+•••••••••78"), ("06 12 34 56 78", "••••••••78"), ("", "inconnu")],
)
def test_mask_phone_keeps_only_last_two_digits(number: str, masked: str) -> None:
    assert mask_phone(number) == masked


@pytest.mark.parametrize(
    "text",
    [
        "appel de +33612345678",
        "rappeler le 06 12 34 56 78",
        "tel 06.12.34.56.78 svp",
        "num 0033612345678",
    ],
)
def test_mask_text_hides_numbers_in_prose(text: str) -> None:
    masked = mask_text(text)
    assert "345" not in masked
    assert masked.endswith(("78", "78 svp"))


def test_dates_and_call_sids_are_left_alone() -> None:
    text = "le 2026-03-29 appel CA0123456789abcdef0123456789abcdef"
    assert mask_text(text) == text


def test_log_records_are_masked_in_message_args_and_extra() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(PhoneMaskingFilter())
    logger = logging.getLogger("test.privacy")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info("call from %s", "+33612345678", extra={"callback": "06 12 34 56 78"})
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert "12345" not in stream.getvalue()
    assert line["msg"] == "call from +•••••••••78"
    assert line["callback"] == "••••••••78"
