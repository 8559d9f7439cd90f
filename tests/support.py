"""Helpers shared by the tests: settings, Twilio signing, free ports."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from core import PROJECT_ROOT, Settings
from core import free_port as free_port

AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
PUBLIC_BASE = "https://standardiste.example.org"
API_TOKEN = "test-api-token-0123456789"
CALLER = "+33612345678"
PRACTICE_NUMBER = "+33478000000"
GATEWAY_START_S = 180
"""How long a test waits for a gateway to start: its dialogue's preparation (rule file, the
classifier's fit) and the speech engines take about 35 s on an idle 2-core machine, and a
fresh-clone CI run has the other worker loading Rasa or a cluster at the same moment (60 s once
was not enough)."""


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for one test: its own SQLite file, fixed secrets, no `.env`."""
    values: dict[str, Any] = {
        "standardiste_config": PROJECT_ROOT / "config" / "practice.yaml",
        "database_url": f"sqlite:///{tmp_path / 'test.db'}",
        "twilio_auth_token": AUTH_TOKEN,
        "public_base_url": PUBLIC_BASE,
        "rasa_url": "http://127.0.0.1:9",
        "standardiste_api_token": API_TOKEN,
        "standardiste_var_dir": tmp_path / "var",
        # One copy of the Vosk model per worker, as most tests need: the adaptive search's
        # second copy is tested where it is the subject (tests/telephony).
        "vosk_adaptive_search": False,
        # Two lines ready are enough for a test's calls; warming more only costs the suite CPU.
        "vosk_warm_recognizers": 2,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


def sign(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """The X-Twilio-Signature Twilio would send, computed by the twilio library."""
    return str(RequestValidator(token).compute_signature(url, params))


def call_params(
    call_sid: str = "CA0123456789abcdef0123456789abcdef", **extra: str
) -> dict[str, str]:
    """A realistic incoming-call webhook body."""
    params = {
        "AccountSid": "AC0123456789abcdef0123456789abcdef",
        "ApiVersion": "2010-04-01",
        "CallSid": call_sid,
        "CallStatus": "ringing",
        "Called": PRACTICE_NUMBER,
        "CalledCountry": "FR",
        "Caller": CALLER,
        "CallerCountry": "FR",
        "Direction": "inbound",
        "From": CALLER,
        "FromCity": "",
        "FromCountry": "FR",
        "To": PRACTICE_NUMBER,
        "ToCountry": "FR",
    }
    params.update(extra)
    return params


def form_body(params: dict[str, str]) -> str:
    """URL-encode a webhook body."""
    return urlencode(params)



@contextmanager
def running_rasa(
    settings: Settings, gateway_port: int, timeout: float = 300.0
) -> Iterator[subprocess.Popen[bytes]]:
    """A Rasa server as `standardiste run` starts it (port of ``RASA_URL``, tracker under the
    var folder, actions on the gateway at ``gateway_port``), stopped on exit."""
    from dialogue.rasa.server import rasa_auth_token, wait_until_ready
    from standardiste.server import start_rasa, stop_process

    process = start_rasa(settings, gateway_port=gateway_port)
    try:
        wait_until_ready(
            settings.rasa_base, process, timeout=timeout, token=rasa_auth_token(settings)
        )
        yield process
    finally:
        stop_process(process)
