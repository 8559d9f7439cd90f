"""A caller who hangs up mid-sentence, or whose line drops while they speak: their last words still
reach the conversation, its transcript and the inbox (`telephony.last_words`).

The caller's audio is the real voice through the μ-law line, so voice activity finds the speech;
the words come from the scripted recognizer. The last test closes the chain with the real
dialogue over a real SQLite database (Rasa unreachable: the words must survive that too).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import dialogue
import transcripts
from core import AppContext
from dialogue import Conversation, Expecting, Reply, TurnResult
from telephony.call_events import CallEvent, CallEventType
from telephony.session import CallSession
from telephony.tts_piper import PiperSynthesizer, PromptAudio
from telephony.voice_service import VoiceParams, VoiceService
from tests.doubles.scripted_recognizer import ScriptedRecognizerFactory
from tests.support import CALLER
from tests.telephony.calls import (
    CALL_SID,
    SID,
    STOP,
    FakeConversation,
    FakeTwilio,
    dtmf,
    text_frames,
    until,
)

CALLBACK = "rappelez-moi au zéro six douze trente-quatre cinquante-six"
Script = Callable[[FakeTwilio], Awaitable[None]]


def _call(
    piper: PiperSynthesizer,
    prompt_audio: PromptAudio,
    conversation: Conversation,
    script: Script,
    *transcripts_: str,
    greeted: str = "utter_greet",
) -> tuple[CallSession, list[CallEvent]]:
    async def main() -> tuple[CallSession, list[CallEvent]]:
        twilio = FakeTwilio()
        events: list[CallEvent] = []

        async def collect(event: CallEvent) -> None:
            events.append(event)

        voice = VoiceService(
            ScriptedRecognizerFactory(transcripts_), piper, params=VoiceParams(lead_s=60.0),
            observers=[collect],
        )
        session = CallSession(
            call_sid=CALL_SID, stream_sid=SID, conversation=conversation,
            recognizer=await voice.recognizers.open(), voice=voice, prompt_audio=prompt_audio,
            send=twilio.send, hang_up=twilio.hang_up,
        )
        running = asyncio.create_task(session.run(twilio.frames()))
        await until(lambda: twilio.marked(greeted))
        await script(twilio)
        async with asyncio.timeout(30):
            await running
        return session, events

    return asyncio.run(main())


def _mid_sentence(piper: PiperSynthesizer, end: str) -> Script:
    """The caller says the callback request and the line ends before any pause."""

    async def script(twilio: FakeTwilio) -> None:
        await twilio.speak(text_frames(piper, "Rappelez-moi au zéro six douze trente-quatre."))
        twilio.inbound.put_nowait(STOP if end == "stop" else None)

    return script


def test_a_hang_up_mid_sentence_hands_the_words_over_before_the_close(
    piper: PiperSynthesizer, prompt_audio: PromptAudio
) -> None:
    conversation = FakeConversation()
    session, events = _call(
        piper, prompt_audio, conversation, _mid_sentence(piper, "stop"), CALLBACK
    )
    assert session.end_reason == "hangup"
    assert conversation.calls == [("start", ""), ("text", CALLBACK)]
    assert conversation.closed == ["hangup"]
    [stt] = [e for e in events if e.type is CallEventType.STT_END]
    assert stt.text == CALLBACK
    assert not [e for e in events if e.type is CallEventType.ERROR]


def test_a_line_dropped_mid_sentence_loses_nothing_either(
    piper: PiperSynthesizer, prompt_audio: PromptAudio
) -> None:
    conversation = FakeConversation()
    session, _ = _call(piper, prompt_audio, conversation, _mid_sentence(piper, "drop"), CALLBACK)
    assert session.end_reason == "dropped"
    assert conversation.calls[-1] == ("text", CALLBACK)
    assert conversation.closed == ["dropped"]


def test_keys_held_for_a_number_are_handed_over_at_the_hang_up(
    piper: PiperSynthesizer, prompt_audio: PromptAudio
) -> None:
    conversation = FakeConversation(
        greeting=TurnResult([Reply("Votre numéro ?", "utter_ask_phone")],
                            expecting=Expecting.PHONE_NUMBER),
    )

    async def script(twilio: FakeTwilio) -> None:
        for digit in "0612":
            twilio.inbound.put_nowait(dtmf(digit))
        twilio.inbound.put_nowait(STOP)

    _call(piper, prompt_audio, conversation, script, greeted="utter_ask_phone")
    assert conversation.calls == [("start", ""), ("digits", "0612")]
    assert conversation.closed == ["hangup"]


def test_a_call_that_ends_in_silence_hands_nothing_over(
    piper: PiperSynthesizer, prompt_audio: PromptAudio
) -> None:
    conversation = FakeConversation()

    async def script(twilio: FakeTwilio) -> None:
        twilio.inbound.put_nowait(STOP)

    _call(piper, prompt_audio, conversation, script, CALLBACK)
    assert conversation.calls == [("start", "")]
    assert conversation.closed == ["hangup"]


def test_the_last_words_reach_the_transcript_and_the_inbox(
    context: AppContext, piper: PiperSynthesizer, prompt_audio: PromptAudio
) -> None:
    async def open_() -> Conversation:
        return await dialogue.open_conversation(
            context, dialogue.ConversationMode.ASSISTANT, conversation_id=CALL_SID,
            caller=CALLER, channel="voice",
        )

    conversation = asyncio.run(open_())
    session, _ = _call(
        piper, prompt_audio, conversation, _mid_sentence(piper, "stop"), CALLBACK,
        greeted="utter_how_can_i_help",
    )
    assert session.end_reason == "hangup"
    with context.db.session() as db:
        said = [t.text for t in transcripts.list_turns(db, CALL_SID)
                if t.speaker == transcripts.Speaker.CALLER]
        messages = transcripts.messages_for_call(db, CALL_SID)
        record = transcripts.get_call(db, CALL_SID)
    assert said == [CALLBACK]
    # Rasa did not answer, so nobody knows which request it was: a callback with the words.
    assert [m.kind for m in messages] == ["callback"]
    assert CALLBACK in messages[0].details["said"]
    assert record is not None and record.ended_at is not None
