"""A whole scenario's logs hold neither the caller's number, nor their name, nor their birth date,
nor any secret (the action endpoint's token, Rasa's API token, a feed's token, the API token).

The scenario: Twilio's signed incoming-call webhook, then a booking through ``/api/chat`` with the
real Rasa server (name, birth date, callback number confirmed, appointment booked), a calendar
application reading the feed, then the patient's export and erasure, while every
log record of the gateway process goes, at DEBUG, through the production pipeline
(`core.JsonFormatter` and the phone-masking filter). The Rasa server's own output
(its log file) is searched too. Each identifying value is searched in the forms people write it.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import staff
from core import JsonFormatter, PhoneMaskingFilter
from dialogue import action_token, rasa_auth_token
from tests.clock import staffed_tuesday, week_start
from tests.conftest import LiveGateway
from tests.support import API_TOKEN, AUTH_TOKEN, PUBLIC_BASE, call_params, sign

pytestmark = pytest.mark.rasa

CALLER = "+33611223344"
LAST, FIRST = "vasseur", "hortense"
BORN_SAID = "le dix sept octobre mille neuf cent soixante huit"
AT = staffed_tuesday()
FORBIDDEN = {
    "number (E.164)": r"\+?33\s?0?611223344",
    "number (national)": r"0611223344",
    "number (spaced)": r"06[ .\-]11[ .\-]22[ .\-]33[ .\-]44",
    "number (without its 0)": r"(?<!\d)611223344",
    "last name": LAST,
    "first name": FIRST,
    "birth date (numeric)": r"17[/.\- ]10[/.\- ](19)?68",
    "birth date (ISO)": r"1968-10-17",
    "birth date (words)": r"17 octobre|dix[ -]sept octobre",
    "birth year": r"(?<![\w.])1968(?![\w])",
}


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Every log record of this process, at DEBUG, as production writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(PhoneMaskingFilter())
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _rasa_logs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return sorted(tmp_path_factory.getbasetemp().glob("rasa*/rasa.log"))


def _incoming_call(gateway: LiveGateway, call_sid: str) -> None:
    params = call_params(call_sid, From=CALLER, Caller=CALLER)
    signature = sign(f"{PUBLIC_BASE}/twilio/voice", params, token=AUTH_TOKEN)
    reply = httpx.post(
        f"{gateway.url}/twilio/voice", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert reply.status_code == 200 and "<Stream" in reply.text


def _book_by_chat(gateway: LiveGateway) -> str:
    http = httpx.Client(
        base_url=gateway.url, headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=60
    )
    opened = http.post("/api/chat", json={"caller": CALLER, "at": AT})
    assert opened.status_code == 201, opened.text
    session_id: str = opened.json()["session_id"]
    turns = [
        ("je voudrais un rendez-vous pour une consultation avec le docteur martin",
         "utter_ask_time_preference"),
        ("jeudi matin", "utter_ask_chosen_slot"),
        ("le 1er", "utter_ask_full_name"),
        (f"{FIRST} {LAST}", "utter_ask_birth_date"),
        (BORN_SAID, "utter_ask_phone_confirmed"),
        ("oui", "utter_ask_booking_confirmed"),
        ("oui c'est ça", "utter_booked"),
        ("non merci au revoir", "utter_goodbye"),
    ]
    for text, expected in turns:
        reply = http.post(f"/api/chat/{session_id}", json={"text": text})
        assert reply.status_code == 200, reply.text
        keys = [r["key"] for r in reply.json()["replies"]]
        assert expected in keys, (text, keys)
    booked = http.get("/api/appointments", params={"session_id": session_id,
                                                    "start": week_start()})
    [appointment] = booked.json()
    assert appointment["patient_last_name"].lower() == LAST
    return session_id


def _read_feed(gateway: LiveGateway) -> str:
    """A calendar application fetching a practitioner's feed (its secret in the query)."""
    listed = httpx.get(f"{gateway.url}/agenda/practitioners",
                       headers={"Authorization": f"Bearer {API_TOKEN}"})
    feed_path: str = listed.json()[0]["feed_path"]
    reply = httpx.get(f"{gateway.url}{feed_path}")
    assert reply.status_code == 200 and "BEGIN:VCALENDAR" in reply.text
    return feed_path.partition("token=")[2]


def test_a_booking_leaves_no_identity_in_the_logs(
    rasa_server: str,
    live_gateway: LiveGateway,
    captured: io.StringIO,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    rasa_logs = _rasa_logs(tmp_path_factory)
    offsets = {path: path.stat().st_size for path in rasa_logs}
    call_sid = "CA" + "5ec" * 10 + "ab"
    _incoming_call(live_gateway, call_sid)
    session_id = _book_by_chat(live_gateway)
    feed_token = _read_feed(live_gateway)
    settings = live_gateway.settings
    # The patient then asks for their data, and for its erasure (every store, tracker included).
    context = live_gateway.context
    who = staff.Identity.parse(CALLER, dt.date(1968, 10, 17))
    exported = staff.export_patient(context.db, settings, who, actor="admin-securite")
    assert exported["patients"][0]["last_name"].lower() == LAST
    erased = staff.erase_patient(context.db, settings, who, actor="admin-securite")
    assert erased["patients"] == 1 and erased["dialogue_events"] > 0
    secrets = {
        "action endpoint token": action_token(settings),
        "Rasa API token": rasa_auth_token(settings),
        "feed token": feed_token,
        "API token": API_TOKEN,
    }
    gateway_lines = captured.getvalue()
    # The capture saw the scenario: the call and the conversation are in it, under their ids.
    assert "incoming call" in gateway_lines and call_sid in gateway_lines
    assert session_id in gateway_lines
    assert len(gateway_lines.splitlines()) >= 20
    sources = {"gateway": gateway_lines}
    for path in rasa_logs:
        with path.open("rb") as log:
            log.seek(offsets[path])
            sources[f"rasa ({path.name})"] = log.read().decode("utf-8", "replace")
    for source, text in sources.items():
        for what, pattern in FORBIDDEN.items():
            found = re.search(pattern, text, re.IGNORECASE)
            context = text[max(0, found.start() - 200): found.end() + 100] if found else ""
            assert found is None, f"{what} in the {source} logs: …{context}…"
        for what, secret in secrets.items():
            assert len(secret) >= 16 and secret not in text, f"{what} in the {source} logs"
    # The capture saw the requests that carried them (uvicorn's access lines).
    assert "/dialogue/webhook" in gateway_lines and ".ics?token=" in gateway_lines
