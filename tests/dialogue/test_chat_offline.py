"""The chat channel and the session core where they need no Rasa server: greeting, emergency
safety net, silence, keypad, Rasa down, bad input. Real app, real SQLite database."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

import agenda
import transcripts
from core import AppContext
from tests.support import API_TOKEN, CALLER

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


def keys(body: dict[str, Any]) -> list[str | None]:
    return [r["key"] for r in body["replies"]]


def start(client: TestClient, **body: Any) -> dict[str, Any]:
    reply = client.post("/api/chat", json=body, headers=AUTH)
    assert reply.status_code == 201, reply.text
    data: dict[str, Any] = reply.json()
    return data


def say(client: TestClient, session_id: str, **body: Any) -> dict[str, Any]:
    reply = client.post(f"/api/chat/{session_id}", json=body, headers=AUTH)
    assert reply.status_code == 200, reply.text
    data: dict[str, Any] = reply.json()
    return data


def inbox(client: TestClient) -> list[dict[str, Any]]:
    reply = client.get("/api/inbox", headers=AUTH)
    assert reply.status_code == 200
    data: list[dict[str, Any]] = reply.json()
    return data


def test_chat_needs_the_token_or_a_staff_session(client: TestClient) -> None:
    assert client.post("/api/chat", json={}).status_code == 401
    assert client.get("/api/inbox").status_code == 401
    assert client.get("/api/appointments").status_code == 401


def test_greeting_names_the_practice_and_discloses_the_assistant(client: TestClient) -> None:
    body = start(client, caller=CALLER)
    assert body["session_id"].startswith("chat-")
    assert keys(body) == ["utter_greet", "utter_disclosure", "utter_how_can_i_help"]
    assert "Cabinet médical des Tilleuls" in body["replies"][0]["text"]
    assert [r["interruptible"] for r in body["replies"]] == [True, False, True]
    assert body["ended"] is False


def test_emergency_answers_at_once_books_nothing_and_leaves_an_urgent_note(
    client: TestClient, context: AppContext
) -> None:
    session_id = start(client, caller=CALLER)["session_id"]
    body = say(client, session_id, text="Mon mari ne respire plus !")
    assert keys(body) == ["utter_emergency", "utter_emergency_deaf", "utter_emergency_noted"]
    assert all(r["interruptible"] is False for r in body["replies"])
    assert "15" in body["replies"][0]["text"] and "112" in body["replies"][0]["text"]
    assert "114" in body["replies"][1]["text"]
    assert body["ended"] is True and body["end"] == "hangup"
    [note] = inbox(client)
    assert note["kind"] == "emergency" and note["urgency"] == "urgent"
    assert "détresse respiratoire" in note["summary"]
    assert note["callback_number"] == CALLER
    assert [t["speaker"] for t in note["transcript"]][-4:] == [
        "caller", "assistant", "assistant", "assistant"
    ]
    with context.db.session() as session:
        call = transcripts.get_call(session, session_id)
        assert call is not None and call.outcome == "emergency" and call.ended_at is not None
        assert agenda.conversation_holds(session, context.practice, session_id) == []
    booked = client.get("/api/appointments", params={"days": 366}, headers=AUTH)
    assert booked.status_code == 200 and booked.json() == []
    again = client.post(f"/api/chat/{session_id}", json={"text": "allo"}, headers=AUTH)
    assert again.status_code == 409


def test_suicidal_words_get_3114(client: TestClient) -> None:
    session_id = start(client)["session_id"]
    body = say(client, session_id, text="je n'en peux plus j'ai envie de mourir")
    assert keys(body)[0] == "utter_emergency_suicide"
    assert "3114" in body["replies"][0]["text"]
    assert "propos suicidaires" in inbox(client)[0]["summary"]


def test_rasa_down_gives_a_french_fallback_and_a_callback_message(client: TestClient) -> None:
    # The test settings point RASA_URL at a closed port.
    session_id = start(client, caller=CALLER)["session_id"]
    body = say(client, session_id, text="je voudrais renouveler mon ordonnance")
    assert keys(body) == ["utter_technical_problem"]
    assert body["ended"] is True
    [message] = inbox(client)
    assert message["kind"] == "callback"
    assert message["details"] == {
        "reason": "technical", "said": ["je voudrais renouveler mon ordonnance"]
    }
    assert "incident technique" in message["summary"]


def test_silence_reprompts_with_the_question_then_takes_a_message(client: TestClient) -> None:
    session_id = start(client, caller=CALLER)["session_id"]
    first = say(client, session_id, silence=True)
    assert keys(first) == ["utter_silence_reprompt", "utter_how_can_i_help"]
    assert first["ended"] is False
    second = say(client, session_id, silence=True)
    assert keys(second) == ["utter_silence_goodbye"]
    assert second["ended"] is True
    [message] = inbox(client)
    assert message["kind"] == "callback" and message["details"]["reason"] == "silence"


def test_a_caller_who_asks_for_a_moment_is_waited_for_once_more(client: TestClient) -> None:
    session_id = start(client, caller=CALLER)["session_id"]
    held = say(client, session_id, text="attendez je cherche mes papiers")
    assert keys(held) == ["utter_hold_on"] and held["ended"] is False
    # The question asked before the wait is the one asked again, and one more silence is waited.
    for _ in range(2):
        reprompt = say(client, session_id, silence=True)
        assert keys(reprompt) == ["utter_silence_reprompt", "utter_how_can_i_help"]
    last = say(client, session_id, silence=True)
    assert keys(last) == ["utter_silence_goodbye"] and last["ended"] is True


def test_keypad_digits_nobody_asked_for(client: TestClient) -> None:
    session_id = start(client)["session_id"]
    body = say(client, session_id, digits="5")
    assert keys(body) == ["utter_keypad_not_understood"]
    assert body["ended"] is False


def test_bad_input_is_refused_clearly(client: TestClient) -> None:
    session_id = start(client)["session_id"]
    both = client.post(
        f"/api/chat/{session_id}", json={"text": "oui", "digits": "1"}, headers=AUTH
    )
    assert both.status_code == 422
    unknown = client.post("/api/chat/chat-nope", json={"text": "oui"}, headers=AUTH)
    assert unknown.status_code == 404
    bad_caller = client.post("/api/chat", json={"caller": "pas un numéro"}, headers=AUTH)
    assert bad_caller.status_code == 422
    naive = client.post("/api/chat", json={"at": "2026-12-01T10:00:00"}, headers=AUTH)
    assert naive.status_code == 422


def test_hanging_up_before_saying_anything_leaves_no_message(client: TestClient) -> None:
    session_id = start(client, caller=CALLER)["session_id"]
    assert client.delete(f"/api/chat/{session_id}", headers=AUTH).status_code == 204
    assert inbox(client) == []
    again = client.post(f"/api/chat/{session_id}", json={"text": "allo"}, headers=AUTH)
    assert again.status_code == 409
