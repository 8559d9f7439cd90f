"""The safety net by voice: a long utterance answered on its partial words, and words said over
the call's last answer (the outside-hours announcement).

The first is a whole call through the simulator (Twilio's protocol, the gateway, the real
message-taking conversation, Piper, the database); only the words come from the scripted
recognizer, which reveals them as the audio arrives, as a streaming recognizer does. No Rasa:
message taking does without it. The others drive `CallSession` alone (`FakeConversation`).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import transcripts
from dialogue import CallEnd, Reply, TurnResult
from standardiste.simulator import CallerTurn, simulate_call
from telephony.emergency_words import PartialWatch
from telephony.session import CallSession
from telephony.tts_piper import PiperSynthesizer, PromptAudio
from telephony.voice_service import VoiceService
from tests.doubles.scripted_recognizer import ScriptedRecognizerFactory
from tests.telephony.calls import (
    CALL_SID,
    SID,
    STOP,
    FakeConversation,
    FakeTwilio,
    silence,
    text_frames,
    until,
)
from tests.telephony.conftest import VoiceGateway

EMERGENCY = ["utter_emergency", "utter_emergency_deaf", "utter_emergency_noted"]
LONG = (
    "bonjour excusez moi de vous déranger à cette heure mon mari ne respire plus du tout "
    "depuis quelques minutes il est tout bleu et je ne sais pas quoi faire"
)


def test_a_long_emergency_is_answered_on_its_partial_words_in_message_mode(
    voice_gateway: VoiceGateway, piper: PiperSynthesizer
) -> None:
    voice_gateway.answering("message")
    voice_gateway.hears(LONG)
    turn = CallerTurn(LONG, tuple(piper.synthesize_frames(LONG)))
    result = asyncio.run(simulate_call(voice_gateway.twilio(speed=4.0), [turn], end="wait"))
    assert result.mode == "message"
    assert [k for k in result.keys if not k.startswith("prompt.")] == [
        "utter_outside_hours_message", *EMERGENCY
    ]
    with voice_gateway.context.db.session() as session:
        said = transcripts.caller_words(session, result.call_sid)
        messages = transcripts.messages_for_call(session, result.call_sid)
        call = transcripts.get_call(session, result.call_sid)
    # Answered before the caller finished: the turn holds the words heard so far.
    [heard] = said
    assert "ne respire plus" in heard and LONG.startswith(heard) and len(heard) < len(LONG)
    assert [(m.kind, m.urgency) for m in messages] == [("emergency", "urgent")]
    assert call is not None and call.outcome == "emergency"


def _session_call(
    piper: PiperSynthesizer, prompt_audio: PromptAudio, conversation: FakeConversation,
    words: str,
) -> FakeTwilio:
    """A call whose opening ends it; the caller says ``words`` while it plays (its marks held
    back until then, as if the caller talked over a long announcement)."""

    async def main() -> FakeTwilio:
        twilio = FakeTwilio(echo_marks=False)
        recognizers = ScriptedRecognizerFactory((words,))
        voice = VoiceService(recognizers, piper)
        session = CallSession(
            call_sid=CALL_SID, stream_sid=SID, conversation=conversation,
            recognizer=await voice.recognizers.open(), voice=voice, prompt_audio=prompt_audio,
            send=twilio.send, hang_up=twilio.hang_up,
        )
        running = asyncio.create_task(session.run(twilio.frames()))
        await until(lambda: bool(twilio.marks()))
        await twilio.speak(text_frames(piper, words) + silence(1.0))
        await until(lambda: bool(recognizers.script.consumed))
        if conversation.answers:  # an answer is due: wait until the words reached it
            await until(lambda: len(conversation.calls) > 1)
        twilio.on_send = lambda message: _echo(twilio, message)
        for message in twilio.events("mark"):
            _echo(twilio, message)
        async with asyncio.timeout(30):
            if not await _ended(running):
                twilio.inbound.put_nowait(STOP)
                await running
        return twilio

    return asyncio.run(main())


def _echo(twilio: FakeTwilio, message: dict[str, Any]) -> None:
    """Twilio's echo of one of our marks (its audio played)."""
    if message["event"] == "mark":
        twilio.inbound.put_nowait(json.dumps({**message, "sequenceNumber": "9"}))


async def _ended(running: asyncio.Task[str]) -> bool:
    try:
        async with asyncio.timeout(10):
            await asyncio.shield(running)
    except TimeoutError:
        return False
    return True


ANNOUNCEMENT = TurnResult(
    [Reply("Le cabinet est fermé. En cas d'urgence, appelez le quinze.",
           "utter_outside_hours_announcement", interruptible=False)],
    ended=True, end=CallEnd.HANGUP,
)


def test_an_emergency_said_over_the_announcement_is_answered(
    piper: PiperSynthesizer, prompt_audio: PromptAudio
) -> None:
    answer = TurnResult(
        [Reply("Appelez le quinze.", "utter_emergency", interruptible=False, emergency=True)],
        ended=True, end=CallEnd.HANGUP,
    )
    conversation = FakeConversation(greeting=ANNOUNCEMENT, answers=[answer])
    twilio = _session_call(piper, prompt_audio, conversation, "mon mari ne respire plus")
    assert conversation.calls == [("start", ""), ("text", "mon mari ne respire plus")]
    assert twilio.marked("utter_emergency") and twilio.hung_up


def test_other_words_over_the_announcement_change_nothing(
    piper: PiperSynthesizer, prompt_audio: PromptAudio
) -> None:
    conversation = FakeConversation(greeting=ANNOUNCEMENT)
    twilio = _session_call(piper, prompt_audio, conversation, "merci au revoir")
    assert conversation.calls == [("start", "")]
    assert twilio.hung_up and conversation.closed == ["completed"]


def test_a_partial_transcript_ends_the_turn_only_when_long_and_certain() -> None:
    watch = PartialWatch()
    assert not watch.alarming("il ne respire plus", speech_s=1.0)  # short: wait for the end
    assert not watch.alarming("je voudrais prendre un rendez vous pour jeudi", speech_s=3.0)
    assert not watch.alarming("bonjour excusez moi je suis un peu essoufflé", speech_s=3.0)
    assert watch.alarming("bonjour excusez moi mon mari il ne respire plus", speech_s=1.5)
    assert not watch.alarming("bonjour excusez moi mon mari il ne respire plus du tout", 3.0)
    assert watch.utterance_ended()  # its final text is no new turn
    assert not watch.utterance_ended()
