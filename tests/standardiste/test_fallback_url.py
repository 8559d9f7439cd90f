"""The number's Fallback URL: `standardiste doctor` reads it through Twilio's REST API (with the
`twilio` library; Twilio's servers answered by a stand-in HTTP client, the public API being out
of reach here), says it cannot check without the account SID; `standardiste fallback-twiml`
prints the TwiML Bin to set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from twilio.http import HttpClient
from twilio.http.response import Response
from typer.testing import CliRunner

from core import Settings, get_settings, mask_phone
from standardiste.cli import app
from standardiste.doctor import _fallback_url
from tests.support import PUBLIC_BASE, make_settings

SID = "AC" + "1" * 32
NUMBER = "+33478000000"


class TwilioApi(HttpClient):
    """Answers the IncomingPhoneNumbers list as Twilio's API does, with the given numbers."""

    def __init__(self, numbers: list[dict[str, Any]]) -> None:
        super().__init__(logger=None, is_async=False)  # type: ignore[arg-type]
        self.numbers = numbers
        self.asked: list[tuple[str, dict[str, object] | None]] = []

    def request(self, method: str, uri: str, params: dict[str, object] | None = None,
                *args: Any, **kwargs: Any) -> Response:
        self.asked.append((uri, params))
        page = {"incoming_phone_numbers": self.numbers, "next_page_uri": None, "page": 0,
                "page_size": 50, "uri": uri}
        return Response(200, json.dumps(page))


def _number(fallback: str | None, voice_url: str = f"{PUBLIC_BASE}/twilio/voice") -> dict[str, Any]:
    return {"sid": "PN" + "2" * 32, "account_sid": SID, "phone_number": NUMBER,
            "voice_url": voice_url, "voice_fallback_url": fallback}


def _settings(tmp_path: Path, **overrides: Any) -> Settings:
    return make_settings(tmp_path, twilio_account_sid=SID, twilio_phone_number=NUMBER, **overrides)


def test_doctor_fails_when_the_number_has_no_fallback_url(tmp_path: Path) -> None:
    api = TwilioApi([_number(None)])
    check = _fallback_url(_settings(tmp_path), http_client=api)
    assert not check.ok and not check.warning
    assert check.detail == f"no Fallback URL on {mask_phone(NUMBER)}"
    assert NUMBER not in check.detail  # masked, as everywhere
    assert "fallback-twiml" in check.fix
    [(uri, params)] = api.asked
    assert uri.endswith(f"/Accounts/{SID}/IncomingPhoneNumbers.json")
    assert params is not None and params["PhoneNumber"] == NUMBER


def test_doctor_is_satisfied_with_a_fallback_url_on_our_number(tmp_path: Path) -> None:
    api = TwilioApi([_number("https://handler.twilio.com/twiml/EH123")])
    check = _fallback_url(_settings(tmp_path), http_client=api)
    assert check.ok and not check.warning and "1 number" in check.detail


def test_doctor_names_a_number_that_does_not_call_us(tmp_path: Path) -> None:
    api = TwilioApi([_number("https://x.example/fb", voice_url="https://elsewhere.example/v")])
    check = _fallback_url(_settings(tmp_path), http_client=api)
    assert not check.ok and f"{PUBLIC_BASE}/twilio/voice" in check.detail


def test_doctor_says_it_cannot_check_without_the_account_sid(tmp_path: Path) -> None:
    check = _fallback_url(make_settings(tmp_path))
    assert check.ok and check.warning and "TWILIO_ACCOUNT_SID" in check.detail


def test_fallback_twiml_prints_the_bin_in_french(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("STANDARDISTE_VAR_DIR", str(settings.standardiste_var_dir))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["fallback-twiml"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert result.output.startswith('<?xml version="1.0" encoding="UTF-8"?><Response>')
    assert '<Say language="fr-FR">Bonjour, vous êtes bien au Cabinet médical des Tilleuls.' in (
        result.output)
    assert '<Dial timeout="20"><Number>+33 4 78 00 00 01</Number></Dial>' in result.output
    assert "appelez le 15 ou le 112" in result.output and result.output.rstrip().endswith(
        "<Hangup /></Response>")
