"""The Rasa server killed mid-call, then restarted: the caller hears the technical-problem reply,
the inbox gets what the caller said (Rasa's tracker being unreadable), the held slots are let go,
and once Rasa is back (same tracker store) a new conversation works.

This module runs its own Rasa server (not the session's, which other tests share), started as
`standardiste run` starts it, with its actions in a live gateway over this module's database.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import agenda
from standardiste.migrate import upgrade
from tests.clock import staffed_tuesday
from tests.conftest import LiveGateway
from tests.support import API_TOKEN, CALLER, free_port, make_settings, running_rasa

pytestmark = pytest.mark.rasa
AT = staffed_tuesday()  # a staffed Tuesday morning, as in the dialogue tests
BOOKING = "je voudrais un rendez-vous pour une consultation avec le docteur martin"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveGateway]:
    """A live gateway whose ``RASA_URL`` is this module's own Rasa port."""
    tmp = tmp_path_factory.mktemp("rasa-killed")
    settings = make_settings(tmp, rasa_url=f"http://127.0.0.1:{free_port()}")
    upgrade(settings.database_url)
    live = LiveGateway(settings, free_port())
    live.start()
    yield live
    live.stop()


class Chat:
    """One conversation through /api/chat."""

    def __init__(self, gateway: LiveGateway) -> None:
        self.http = httpx.Client(
            base_url=gateway.url, headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=60
        )
        started = self.http.post("/api/chat", json={"caller": CALLER, "at": AT})
        assert started.status_code == 201, started.text
        self.session_id: str = started.json()["session_id"]
        self.last: dict[str, Any] = {}

    def say(self, text: str) -> list[str | None]:
        reply = self.http.post(f"/api/chat/{self.session_id}", json={"text": text})
        assert reply.status_code == 200, reply.text
        self.last = reply.json()
        return [r["key"] for r in self.last["replies"]]

    def messages(self) -> list[dict[str, Any]]:
        reply = self.http.get("/api/inbox", params={"limit": 500})
        assert reply.status_code == 200
        return [m for m in reply.json() if m["call_sid"] == self.session_id]


def test_rasa_killed_mid_booking_then_restarted(gateway: LiveGateway) -> None:
    with running_rasa(gateway.settings, gateway.port) as rasa:
        chat = Chat(gateway)
        assert chat.say(BOOKING) == ["utter_understood_booking", "utter_ask_time_preference"]
        assert chat.say("jeudi matin") == ["utter_ask_chosen_slot"]
        assert _holds(gateway, chat.session_id)  # the proposed slots are held
        os.killpg(rasa.pid, signal.SIGKILL)
        rasa.wait(timeout=30)
        assert chat.say("le deuxième") == ["utter_technical_problem"]
        assert chat.last["ended"] is True
    [message] = chat.messages()
    assert message["kind"] == "callback"
    assert message["callback_number"] == CALLER
    assert message["details"] == {
        "reason": "technical", "said": [BOOKING, "jeudi matin", "le deuxième"]
    }
    assert _holds(gateway, chat.session_id) == []
    # Restarted on the same tracker store (`start_rasa` keeps it in the var folder).
    tracker = Path(gateway.settings.standardiste_var_dir) / "rasa-tracker.db"
    assert tracker.is_file() and tracker.stat().st_size > 0
    with running_rasa(gateway.settings, gateway.port):
        again = Chat(gateway)
        assert again.say(BOOKING) == ["utter_understood_booking", "utter_ask_time_preference"]
        assert again.say("jeudi matin") == ["utter_ask_chosen_slot"]
        assert again.messages() == []


def _holds(gateway: LiveGateway, session_id: str) -> list[agenda.HeldSlot]:
    context = gateway.context
    with context.db.session() as session:
        return agenda.conversation_holds(session, context.practice, session_id)

