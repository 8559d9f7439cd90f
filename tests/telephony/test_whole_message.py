"""Message taking keeps the whole message: several utterances until a long silence or ``#``,
then a confirmation and goodbye; a hang-up mid-message keeps what was said.

By text (``/api/chat`` in ``message`` mode: each turn rebuilds the conversation from the call's
turns) and by voice (a `CallSession` on the real message taker, real Piper, real voice activity
and end of turn; only the words come from `ScriptedRecognizerFactory`). Real SQLite database.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi.testclient import TestClient

import dialogue
import transcripts
from core import AppContext
from telephony import VoiceService
from telephony.keypad import Keypad
from telephony.session import CallSession
from telephony.tts_piper import PiperSynthesizer, PromptAudio
from telephony.turns import TurnDetector, TurnEvent, TurnParams
from telephony.voice_service import VoiceParams
from tests.doubles.scripted_recognizer import ScriptedRecognizerFactory
from tests.support import API_TOKEN, CALLER
from tests.telephony.calls import CALL_SID, SID, FakeTwilio, silence, text_frames, until

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
MESSAGE = (
    "bonjour c'est jean dupont",
    "je voudrais que le docteur me rappelle pour mes résultats d'analyse",
    "mon numéro est le 06 12 34 56 78",
)


def _start(client: TestClient) -> str:
    reply = client.post("/api/chat", json={"caller": CALLER, "mode": "message"}, headers=AUTH)
    assert reply.status_code == 201, reply.text
    assert [r["key"] for r in reply.json()["replies"]] == ["utter_outside_hours_message"]
    return str(reply.json()["session_id"])


def _turn(client: TestClient, session_id: str, **body: Any) -> dict[str, Any]:
    reply = client.post(f"/api/chat/{session_id}", json=body, headers=AUTH)
    assert reply.status_code == 200, reply.text
    result: dict[str, Any] = reply.json()
    return result


def _messages(context: AppContext, call_sid: str) -> list[transcripts.InboxMessage]:
    with context.db.session() as session:
        return transcripts.messages_for_call(session, call_sid)


def _outcome(context: AppContext, call_sid: str) -> str | None:
    with context.db.session() as session:
        call = transcripts.get_call(session, call_sid)
        assert call is not None
        return call.outcome


def test_a_three_utterance_message_by_text_ends_with_a_long_silence(
    client: TestClient, context: AppContext
) -> None:
    session_id = _start(client)
    for words in MESSAGE:
        body = _turn(client, session_id, text=words)
        assert body["replies"] == [] and body["ended"] is False
        assert body["expecting"] == "message"
        assert _messages(context, session_id) == []  # nothing cut short
    body = _turn(client, session_id, silence=True)
    assert [r["key"] for r in body["replies"]] == ["utter_message_recorded", "utter_message_taken"]
    assert body["ended"] is True
    [message] = _messages(context, session_id)
    assert message.kind == "message" and message.callback_number == CALLER
    assert message.details == {"text": " ".join(MESSAGE)}
    assert _outcome(context, session_id) == "message"


def test_the_hash_key_ends_a_message_and_hanging_up_mid_message_keeps_it(
    client: TestClient, context: AppContext
) -> None:
    keyed = _start(client)
    _turn(client, keyed, text=MESSAGE[0])
    _turn(client, keyed, text=MESSAGE[1])
    body = _turn(client, keyed, digits="#")
    assert [r["key"] for r in body["replies"]] == ["utter_message_recorded", "utter_message_taken"]
    [message] = _messages(context, keyed)
    assert message.details == {"text": " ".join(MESSAGE[:2])}

    gone = _start(client)
    _turn(client, gone, text=MESSAGE[0])
    _turn(client, gone, text=MESSAGE[2])
    assert client.delete(f"/api/chat/{gone}", headers=AUTH).status_code == 204
    [message] = _messages(context, gone)
    assert message.details == {"text": f"{MESSAGE[0]} {MESSAGE[2]}"}
    assert _outcome(context, gone) == "message"


def test_silence_before_any_message_still_reprompts_then_leaves_a_callback(
    client: TestClient, context: AppContext
) -> None:
    session_id = _start(client)
    assert _turn(client, session_id, digits="#")["replies"] == []  # no message to end yet
    first = _turn(client, session_id, silence=True)
    assert [r["key"] for r in first["replies"]] == ["utter_silence_reprompt"]
    assert first["expecting"] == "name"
    second = _turn(client, session_id, silence=True)
    assert [r["key"] for r in second["replies"]] == ["utter_silence_goodbye"]
    [message] = _messages(context, session_id)
    assert message.kind == "callback" and message.details["reason"] == "silence"


def test_the_hash_key_alone_reaches_a_message_taker_only() -> None:
    async def main() -> tuple[list[str], list[str]]:
        ended: list[str] = []
        other: list[str] = []
        Keypad(ended.append).press("#", number=False, end_key=True)
        Keypad(other.append).press("#", number=False)
        return ended, other

    assert asyncio.run(main()) == (["#"], [])


def test_a_three_utterance_message_by_voice_ends_after_three_seconds_of_silence(
    context: AppContext, piper: PiperSynthesizer, prompt_audio: PromptAudio
) -> None:
    spoken = [text_frames(piper, words) for words in MESSAGE]

    def caller_words() -> list[str]:
        with context.db.session() as session:
            return transcripts.caller_words(session, CALL_SID)

    async def main() -> FakeTwilio:
        conversation = await dialogue.open_conversation(
            context, dialogue.ConversationMode.MESSAGE, conversation_id=CALL_SID,
            caller=CALLER, channel="voice",
        )
        # Audio goes out as fast as it is made (a long lead): the call takes less than real time.
        voice = VoiceService(
            ScriptedRecognizerFactory(MESSAGE), piper, params=VoiceParams(lead_s=60.0),
            observers=[],
        )
        twilio = FakeTwilio()
        session = CallSession(
            call_sid=CALL_SID, stream_sid=SID, conversation=conversation,
            recognizer=await voice.recognizers.open(), voice=voice, prompt_audio=prompt_audio,
            send=twilio.send, hang_up=twilio.hang_up, mode="message",
        )
        running = asyncio.create_task(session.run(twilio.frames()))
        await until(lambda: twilio.marked("utter_outside_hours_message"))
        for count, frames in enumerate(spoken, start=1):
            # 1.6 s of quiet after each sentence: it ends the utterance, not the message.
            await twilio.speak(frames + silence(1.6))
            await until(lambda count=count: len(caller_words()) == count)  # type: ignore[misc]
            assert not twilio.marked("utter_message_recorded")
        # Then the line stays quiet until the assistant speaks (or far longer than 3 s).
        for _ in range(40):
            if twilio.marked("utter_message_taken"):
                break
            await twilio.speak(silence(0.5))
        async with asyncio.timeout(30):
            await running
        return twilio

    twilio = asyncio.run(main())
    keys = [name.split("-", 1)[1] for name in twilio.marks()]
    assert keys == ["utter_outside_hours_message", "utter_message_recorded", "utter_message_taken"]
    assert twilio.hung_up
    [message] = _messages(context, CALL_SID)
    assert message.kind == "message" and message.details == {"text": " ".join(MESSAGE)}
    assert _outcome(context, CALL_SID) == "message"


def test_a_message_ends_after_three_seconds_of_quiet_other_answers_after_seven() -> None:
    def quiet_until_timeout(leaving_message: bool) -> float:
        detector = TurnDetector()
        detector.set_leaving_message(leaving_message)
        detector.arm_silence_timeout()
        for frame in range(1, 1000):
            if detector.process(0.02, False) is TurnEvent.SILENCE_TIMEOUT:
                return round(frame * 0.02, 2)
        raise AssertionError("no timeout")

    assert quiet_until_timeout(True) == TurnParams().message_end_s == 3.0
    assert quiet_until_timeout(False) == TurnParams().silence_timeout_s == 7.0
