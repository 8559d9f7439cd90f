"""A transfer nobody picks up: the `<Dial>` rings for the configured time and names an action;
Twilio's dial action with ``DialCallStatus=no-answer`` (signed as Twilio signs it) brings the
caller back to the assistant, which takes the message; the inbox says the transfer failed. A
caller who hung up while it rang still leaves their request in the inbox.

Real app, real SQLite database; the stream's conversation is the one `telephony.media_ws` opens
for the mode the TwiML names.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

import transcripts
from core import AnsweringMode, AppContext, OutsideHoursAction, Settings, WeeklyHours
from standardiste.app import build_context, create_app
from standardiste.migrate import upgrade
from standardiste.simulator import parse_twiml
from telephony import media_ws
from tests.support import API_TOKEN, CALLER, PUBLIC_BASE, call_params, make_settings, sign

SECRETARIAT = "+33 4 78 00 00 01"
ASKED = "je voudrais parler à la secrétaire pour mon dossier"


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[tuple[TestClient, AppContext]]:
    settings: Settings = make_settings(tmp_path, transfer_ring_timeout_s=25)
    upgrade(settings.database_url)
    context = build_context(settings)
    with TestClient(create_app(context=context), base_url="http://testserver") as client:
        yield client, context
    context.db.dispose()


def _post(client: TestClient, path: str, params: dict[str, str]) -> httpx.Response:
    signature = sign(f"{PUBLIC_BASE}{path}", params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def _transferred_call(context: AppContext) -> str:
    """A call whose assistant conversation ended with a transfer (as `DialogueSession` leaves
    it: the caller's request in the transcript, outcome ``transferred``, record closed)."""
    call_sid = "CA" + uuid.uuid4().hex
    with context.db.session() as session:
        transcripts.open_call(session, call_sid=call_sid, caller=CALLER, called=None,
                              answered_by="assistant")
        transcripts.add_turn(session, call_sid=call_sid, speaker=transcripts.Speaker.CALLER,
                             text=ASKED)
        transcripts.add_turn(session, call_sid=call_sid, speaker=transcripts.Speaker.ASSISTANT,
                             text="Je vous passe le secrétariat.", key="utter_transfer")
        transcripts.set_outcome(session, call_sid=call_sid, outcome="transferred")
        transcripts.end_call(session, call_sid=call_sid, outcome="transferred")
    return call_sid


def _call(context: AppContext, call_sid: str) -> transcripts.Call:
    with context.db.session() as session:
        call = transcripts.get_call(session, call_sid)
    assert call is not None
    return call


def _messages(client: TestClient, call_sid: str) -> list[dict[str, object]]:
    reply = client.get("/api/inbox", headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert reply.status_code == 200
    return [m for m in reply.json() if m["call_sid"] == call_sid]


def test_an_unanswered_transfer_comes_back_to_take_a_message(
    gateway: tuple[TestClient, AppContext]
) -> None:
    client, context = gateway
    call_sid = _transferred_call(context)
    dial = _post(client, "/twilio/connect-action", call_params(call_sid, CallStatus="in-progress"))
    assert f'<Dial action="{PUBLIC_BASE}/twilio/dial-action" method="POST" timeout="25">' in (
        dial.text)
    assert f"<Number>{SECRETARIAT}</Number>" in dial.text

    back = _post(client, "/twilio/dial-action", call_params(
        call_sid, CallStatus="in-progress", DialCallStatus="no-answer", DialCallDuration="0"))
    assert back.status_code == 200
    url, custom = parse_twiml(back.text)
    assert url == PUBLIC_BASE.replace("https", "wss") + "/twilio/media"
    assert custom["mode"] == "transfer_failed" and custom["caller"] == CALLER
    assert _call(context, call_sid).outcome == "transfer_failed"

    async def stream() -> list[list[str | None]]:
        conversation, assistant = await media_ws._conversation(
            context, custom["mode"], call_sid, custom["caller"]
        )
        assert not assistant
        said = [await conversation.start(),
                await conversation.handle_text("c'est monsieur durand"),
                await conversation.handle_text("rappelez-moi cet après-midi"),
                await conversation.handle_silence()]
        await conversation.close("completed")
        return [[r.key for r in result.replies] for result in said]

    assert asyncio.run(stream()) == [
        ["utter_transfer_failed_message"], [], [],
        ["utter_message_recorded", "utter_message_taken"],
    ]
    [message] = _messages(client, call_sid)
    assert message["kind"] == "message" and message["callback_number"] == CALLER
    assert message["details"] == {
        "text": "c'est monsieur durand rappelez-moi cet après-midi", "transfer_failed": True
    }
    assert "transfert au secrétariat sans réponse" in str(message["summary"])
    assert _call(context, call_sid).outcome == "message"


def test_a_caller_who_hangs_up_while_it_rings_still_reaches_the_inbox(
    gateway: tuple[TestClient, AppContext]
) -> None:
    client, context = gateway
    call_sid = _transferred_call(context)
    gone = _post(client, "/twilio/dial-action", call_params(
        call_sid, CallStatus="completed", DialCallStatus="busy"))
    assert "<Hangup" in gone.text and "<Stream" not in gone.text
    [message] = _messages(client, call_sid)
    assert message["kind"] == "callback" and message["callback_number"] == CALLER
    assert message["details"] == {
        "reason": "transfer_failed", "transfer_failed": True, "dial_status": "busy",
        "said": [ASKED],
    }
    assert "transfert au secrétariat sans réponse" in str(message["summary"])


def test_an_answered_transfer_ends_the_call_with_nothing_left_behind(
    gateway: tuple[TestClient, AppContext]
) -> None:
    client, context = gateway
    call_sid = _transferred_call(context)
    done = _post(client, "/twilio/dial-action", call_params(
        call_sid, CallStatus="in-progress", DialCallStatus="completed", DialCallDuration="95"))
    assert "<Hangup" in done.text
    assert _messages(client, call_sid) == []
    assert _call(context, call_sid).outcome == "transferred"


def test_an_outside_hours_transfer_rings_for_the_set_time_then_asks_the_dial_action(
    gateway: tuple[TestClient, AppContext]
) -> None:
    client, context = gateway
    store = context.practice_store
    config = store.current()
    answering = config.answering.model_copy(update={
        "mode": AnsweringMode.OFFICE, "office_hours": WeeklyHours(),
        "outside_hours": config.answering.outside_hours.model_copy(update={
            "action": OutsideHoursAction.TRANSFER, "transfer_number": "+33 6 00 00 00 99"}),
    })
    store.save(config.model_copy(update={"answering": answering}), actor="test",
               expected_version=store.version)
    answer = _post(client, "/twilio/voice", call_params("CA" + uuid.uuid4().hex))
    assert f'<Dial action="{PUBLIC_BASE}/twilio/dial-action" method="POST" timeout="25">' in (
        answer.text)
    assert "<Number>+33 6 00 00 00 99</Number>" in answer.text
