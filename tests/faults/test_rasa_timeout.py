"""Rasa times out on the turn that confirms a booking, after its action committed it: the caller
hears that the appointment is booked (the gateway reads the agenda back), and no callback
message says it failed. Once a request of a conversation timed out, the next ones wait briefly.

The session's real Rasa server runs the booking (its actions in the session's live gateway);
this test's gateway reaches it through a proxy that, for the confirmation, passes the request on,
lets Rasa answer, and keeps the answer: a Rasa that hangs after committing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from core import AppContext, data_keys, secret_key
from dialogue.rasa.client import AFTER_TIMEOUT_S, RasaClient
from standardiste.app import build_context, create_app
from tests.clock import staffed_tuesday, week_start
from tests.conftest import LiveGateway
from tests.support import API_TOKEN, CALLER, free_port, make_settings

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


def _passed_on(headers: Any) -> dict[str, str]:
    """What Rasa needs of the gateway's request: its body's type and the API token."""
    kept = {"Content-Type": "application/json"}
    if headers.get("Authorization"):
        kept["Authorization"] = headers["Authorization"]
    return kept


class HoldingProxy:
    """Forwards to Rasa; while ``holding``, Rasa's answer is kept back (the client times out)."""

    def __init__(self, rasa_url: str) -> None:
        self.holding = False
        self.durations: list[float] = []
        """Seconds Rasa took on each forwarded request."""
        self.answered = threading.Event()
        """Set when Rasa answered a held request (what it did is done)."""
        self._release = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                began = time.monotonic()
                reply = httpx.post(rasa_url + self.path, content=body, timeout=120,
                                   headers=_passed_on(self.headers))
                proxy.durations.append(time.monotonic() - began)
                if proxy.holding:
                    proxy.answered.set()
                    proxy._release.wait(60)
                    return
                self.send_response(reply.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply.content)))
                self.end_headers()
                self.wfile.write(reply.content)

            def do_GET(self) -> None:
                if proxy.holding:
                    proxy._release.wait(60)
                    return
                reply = httpx.get(rasa_url + self.path, timeout=60,
                                  headers=_passed_on(self.headers))
                self.send_response(reply.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply.content)))
                self.end_headers()
                self.wfile.write(reply.content)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(
    rasa_server: str, live_gateway: LiveGateway, tmp_path: Path
) -> Iterator[tuple[TestClient, AppContext, HoldingProxy]]:
    """A second gateway on the live gateway's database, talking to Rasa through the proxy."""
    proxy = HoldingProxy(rasa_server)
    # Two instances of one deployment share its data key and its secret key (Rasa's token), as
    # a cluster's do.
    settings = make_settings(
        tmp_path, database_url=live_gateway.settings.database_url, rasa_url=proxy.url,
        standardiste_data_key=",".join(data_keys(live_gateway.settings)),
        standardiste_secret_key=secret_key(live_gateway.settings).decode(),
    )
    context = build_context(settings)
    try:
        with TestClient(create_app(context=context), base_url="http://testserver") as client:
            yield client, context, proxy
    finally:
        proxy.close()
        context.db.dispose()


def _say(client: TestClient, session_id: str, text: str) -> dict[str, Any]:
    reply = client.post(f"/api/chat/{session_id}", json={"text": text}, headers=AUTH)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


@pytest.mark.rasa
def test_a_rasa_timeout_after_a_committed_booking_says_it_is_booked(
    gateway: tuple[TestClient, AppContext, HoldingProxy],
) -> None:
    client, context, proxy = gateway
    started = client.post("/api/chat", json={"caller": CALLER, "at": staffed_tuesday()},
                          headers=AUTH)
    assert started.status_code == 201
    session_id = started.json()["session_id"]
    script = [
        ("je voudrais un rendez-vous pour une consultation avec le docteur martin",
         ["utter_understood_booking", "utter_ask_time_preference"]),
        ("jeudi matin", ["utter_ask_chosen_slot"]),
        ("le 2ème", ["utter_ask_full_name"]),
        ("paul lefebvre", ["utter_ask_birth_date"]),
        ("le 3 mars 1961", ["utter_ask_phone_confirmed"]),
        ("oui", ["utter_ask_booking_confirmed"]),
    ]
    for text, keys in script:
        assert [r["key"] for r in _say(client, session_id, text)["replies"]] == keys
    # Long enough for Rasa to commit first (4x its slowest turn so far), as a hung server's
    # timeout would be: then nothing comes back.
    context.settings.rasa_timeout_s = max(2.0, 4 * max(proxy.durations))
    proxy.holding = True
    body = _say(client, session_id, "oui c'est ça")
    assert proxy.answered.is_set()
    assert [r["key"] for r in body["replies"]] == ["utter_booked_despite_problem"]
    assert body["ended"] is True
    booked = client.get("/api/appointments", headers=AUTH, params={
        "start": week_start(), "days": 90, "session_id": session_id})
    [appointment] = booked.json()
    assert appointment["status"] == "booked"
    assert appointment["patient_last_name"].lower() == "lefebvre"
    inbox = client.get("/api/inbox", headers=AUTH, params={"limit": 500}).json()
    assert [m for m in inbox if m["call_sid"] == session_id] == []


def test_after_a_timeout_a_conversation_waits_briefly_for_rasa() -> None:
    seen: list[float] = []

    def hung(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"]["read"])
        raise httpx.ReadTimeout("no answer", request=request)

    async def main() -> tuple[bool, bool]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(hung)) as http:
            client = RasaClient(http, "http://rasa.invalid", timeout_s=5.0)
            before = client.timed_out
            for call in (client.send("CA1", "bonjour", caller=None, channel="voice",
                                     local_time=dt.datetime.now(dt.UTC)),
                         client.state("CA1")):
                try:
                    await call
                except Exception as exc:  # the dialogue's RasaUnavailableError
                    assert type(exc).__name__ == "RasaUnavailableError"
            return before, client.timed_out

    assert asyncio.run(main()) == (False, True)
    assert seen == [5.0, AFTER_TIMEOUT_S]
