"""Recording consent in `CallSession`: asked after the disclosure, recorded only after a clear yes.

The session runs for real (voice activity, end of turn, playout, Piper's prompts, the recorder,
the database) with a scripted recognizer and `FakeConversation`; a continuous inbound line
(silence between the caller's words, as Twilio sends) drives the recording's clock.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import time
import wave
from collections import deque
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import dialogue
import transcripts
from core import AppContext, Recording
from dialogue import Reply, TurnResult
from telephony.call_events import CallEvent, CallEventType
from telephony.codec import FRAME_BYTES, ulaw_to_pcm16
from telephony.recording_consent import ConsentAnswer, interpret, recording_consent
from telephony.session import CallSession
from telephony.tts_piper import PiperSynthesizer, PromptAudio
from telephony.turns import TurnParams
from telephony.voice_service import VoiceParams, VoiceService
from tests.doubles.scripted_recognizer import ScriptedRecognizerFactory
from tests.telephony.calls import (
    CALL_SID,
    SID,
    SILENCE,
    STOP,
    FakeConversation,
    FakeTwilio,
    dtmf,
    media,
    silence,
    text_frames,
    until,
)

OPENING = TurnResult(
    [
        Reply("Bonjour, vous êtes bien au cabinet.", "utter_greet"),
        Reply("Je suis l'assistant automatisé du cabinet.", "utter_disclosure", False),
        Reply("Que puis-je faire pour vous ?", "utter_how_can_i_help"),
    ]
)
REQUEST = "Je voudrais un rendez-vous."


class Line:
    """Twilio in real time: 20 ms inbound frames without a break (the caller's speech when
    queued), our audio played as it comes and each mark echoed once what came before it played
    (at once after a ``clear``)."""

    def __init__(self, twilio: FakeTwilio) -> None:
        self.twilio = twilio
        self.queued: deque[bytes] = deque()
        self.count = 0
        self.play_end = 0.0
        self.echoes: dict[str, tuple[asyncio.TimerHandle, str]] = {}
        self.heard: list[str] = []
        """Keys of the utterances played (or cleared), in order."""
        twilio.on_send = self.on_send

    async def pump(self) -> None:
        due = time.monotonic()
        while True:
            frame = self.queued.popleft() if self.queued else SILENCE
            self.count += 1
            self.twilio.inbound.put_nowait(media(frame, self.count))
            due += 0.02
            await asyncio.sleep(max(0.0, due - time.monotonic()))

    def on_send(self, message: dict[str, Any]) -> None:
        now, loop = time.monotonic(), asyncio.get_running_loop()
        if message["event"] == "media":
            audio = base64.b64decode(message["media"]["payload"])
            self.play_end = max(now, self.play_end) + len(audio) / 8000
        elif message["event"] == "mark":
            name = message["mark"]["name"]
            echo = json.dumps({**message, "sequenceNumber": "9"})
            handle = loop.call_later(max(0.0, self.play_end - now), self.echo, name)
            self.echoes[name] = (handle, echo)
        elif message["event"] == "clear":
            self.play_end = now
            for name, (handle, _) in list(self.echoes.items()):
                handle.cancel()
                self.echo(name)

    def echo(self, name: str) -> None:
        _, echo = self.echoes.pop(name)
        self.heard.append(name.split("-", 1)[1])
        self.twilio.inbound.put_nowait(echo)

    async def say(self, frames: list[bytes]) -> None:
        self.queued.extend(frames)
        await until(lambda: not self.queued)


class Call:
    """What one call left: Twilio's side, events, the record and the recording."""

    def __init__(
        self, twilio: FakeTwilio, line: Line, events: list[CallEvent], context: AppContext
    ) -> None:
        self.twilio, self.line, self.events = twilio, line, events
        var_dir = context.settings.standardiste_var_dir
        self.recording = transcripts.existing_recording(var_dir, CALL_SID)
        self.leftover = transcripts.partial_recording_path(var_dir, CALL_SID).exists()
        with context.db.session() as session:
            record = transcripts.get_call(session, CALL_SID)
            assert record is not None
            self.consent = record.recording_consent
            turns = transcripts.list_turns(session, CALL_SID)
            self.turns = [(t.speaker, t.text, t.key) for t in turns]

    def said(self) -> list[str]:
        return [name.split("-", 1)[1] for name in self.twilio.marks()]

    def consent_events(self) -> list[str | None]:
        return [e.key for e in self.events if e.type is CallEventType.RECORDING_CONSENT]


class Live:
    """What a script sees of the call in progress."""

    def __init__(
        self, twilio: FakeTwilio, line: Line, events: list[CallEvent], session: CallSession
    ) -> None:
        self.twilio, self.line, self.events, self.session = twilio, line, events, session

    async def heard(self, key: str) -> None:
        """Until the caller heard this utterance."""
        await until(lambda: key in self.line.heard, limit_s=60)

    async def asked(self) -> None:
        """Until the caller heard the recording question."""
        await self.heard("utter_recording_consent")


Script = Callable[[Live], Awaitable[None]]


def run_call(
    context: AppContext,
    piper: PiperSynthesizer,
    prompt_audio: PromptAudio,
    conversation: FakeConversation,
    script: Script,
    words: tuple[str, ...] = (),
    *,
    enabled: bool = True,
    turns: TurnParams | None = None,
) -> Call:
    practice = context.practice.model_copy(update={"recording": Recording(enabled=enabled)})
    with context.db.session() as session:
        transcripts.open_call(
            session, call_sid=CALL_SID, caller=None, called=None, answered_by="assistant"
        )

    async def main() -> Call:
        twilio, events = FakeTwilio(echo_marks=False), []

        async def collect(event: CallEvent) -> None:
            events.append(event)

        voice = VoiceService(
            ScriptedRecognizerFactory(words),
            piper,
            params=VoiceParams(turns=turns or TurnParams(), lead_s=60.0),
            observers=[collect],
        )
        session = CallSession(
            call_sid=CALL_SID,
            stream_sid=SID,
            conversation=conversation,
            recognizer=await voice.recognizers.open(),
            voice=voice,
            prompt_audio=prompt_audio,
            send=twilio.send,
            hang_up=twilio.hang_up,
            recording=recording_consent(context, practice, CALL_SID),
        )
        line = Line(twilio)
        running = asyncio.create_task(session.run(twilio.frames()))
        pump = asyncio.create_task(line.pump())
        try:
            await script(Live(twilio, line, events, session))
        finally:
            pump.cancel()
        if not running.done() and not twilio.hung_up:
            twilio.inbound.put_nowait(STOP)
        async with asyncio.timeout(30):
            await running
        return Call(twilio, line, events, context)

    return asyncio.run(main())


def pcm(frames: list[bytes] | tuple[bytes, ...]) -> bytes:
    return ulaw_to_pcm16(b"".join(frames)).tobytes()


def channels(path: Path) -> tuple[bytes, bytes, int]:
    """The caller's and the assistant's channels (16-bit bytes each) and the frame count (the
    file is encrypted with the data key: read back as the staff page reads it)."""
    with wave.open(io.BytesIO(transcripts.read_recording(path)), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, 8000)
        count = wav.getnframes()
        data = np.frombuffer(wav.readframes(count), dtype="<i2").reshape(-1, 2)
    return data[:, 0].tobytes(), data[:, 1].tobytes(), count


def contains(channel: bytes, audio: bytes) -> bool:
    """``audio`` appears, sample-aligned and unbroken, in ``channel``."""
    start = channel.find(audio)
    while start != -1 and start % 2:
        start = channel.find(audio, start + 1)
    return start != -1


def test_a_spoken_yes_records_both_sides_from_then_on_without_the_dialogue_hearing_it(
    context: AppContext, piper: PiperSynthesizer, prompt_audio: PromptAudio
) -> None:
    conversation = FakeConversation(greeting=OPENING)
    yes, request = text_frames(piper, "Oui, bien sûr."), text_frames(piper, REQUEST)
    marks: dict[str, int] = {}

    async def script(live: Live) -> None:
        await live.asked()
        await live.line.say(yes + silence(0.2))
        marks["yes-said"] = live.line.count
        await until(lambda: any(e.type is CallEventType.RECORDING_CONSENT for e in live.events))
        marks["consent"] = live.line.count
        await live.heard("utter_how_can_i_help")
        await live.line.say(request + silence(1.0))
        await live.heard("utter_ok")
        await live.line.say(silence(0.5))
        marks["end"] = live.line.count

    call = run_call(
        context, piper, prompt_audio, conversation, script, ("oui bien sûr", "je voudrais un rdv")
    )
    assert conversation.calls == [("start", ""), ("text", "je voudrais un rdv")]
    assert call.said() == [
        "utter_greet", "utter_disclosure", "utter_recording_consent",
        "utter_recording_accepted", "utter_how_can_i_help", "utter_ok",
    ]
    assert call.consent_events() == ["yes"] and call.consent is True
    # The exchange is in the transcript (the fake dialogue records nothing itself).
    assert [(who, key) for who, _, key in call.turns] == [
        ("assistant", "utter_recording_consent"),
        ("caller", None),
        ("assistant", "utter_recording_accepted"),
    ]
    assert call.turns[1][1] == "oui bien sûr" and "enregistré" in call.turns[0][1]
    assert call.recording is not None and not call.leftover
    caller, assistant, count = channels(call.recording)
    # From the yes on, both sides; nothing from before it.
    assert contains(caller, pcm(request))
    assert not contains(caller, pcm(yes))
    accepted = prompt_audio.get(dialogue.response("utter_recording_accepted").text)
    question = prompt_audio.get(dialogue.response("utter_recording_consent").text)
    assert accepted is not None and question is not None
    assert contains(assistant, pcm(accepted))
    assert not contains(assistant, pcm(question[-25:]))
    # As long as the call after the yes: one 20 ms frame per inbound frame from then on (the
    # recording starts once the answer is stored, a few frames after the event).
    assert count % FRAME_BYTES == 0
    frames = count // FRAME_BYTES
    assert marks["end"] - marks["consent"] - 25 <= frames <= marks["end"] - marks["yes-said"] + 5


@pytest.mark.parametrize(
    ("answer", "heard", "expected"),
    [
        ("spoken-no", "non merci", ConsentAnswer.NO),
        ("key-2", "", ConsentAnswer.NO),
        ("key-9", "", ConsentAnswer.UNCLEAR),
        ("silence", "", ConsentAnswer.SILENCE),
    ],
)
def test_without_a_clear_yes_nothing_is_recorded(
    context: AppContext,
    piper: PiperSynthesizer,
    prompt_audio: PromptAudio,
    answer: str,
    heard: str,
    expected: ConsentAnswer,
) -> None:
    conversation = FakeConversation(greeting=OPENING)

    async def script(live: Live) -> None:
        await live.asked()
        if answer == "spoken-no":
            await live.line.say(text_frames(piper, "Non merci.") + silence(0.2))
        elif answer.startswith("key-"):
            live.twilio.inbound.put_nowait(dtmf(answer.removeprefix("key-")))
        await live.heard("utter_how_can_i_help")
        await live.line.say(silence(0.5))

    call = run_call(
        context, piper, prompt_audio, conversation, script, (heard,),
        turns=TurnParams(silence_timeout_s=1.5),
    )
    assert conversation.calls == [("start", "")]
    assert call.said()[2:5] == [
        "utter_recording_consent", "utter_recording_declined", "utter_how_can_i_help",
    ]
    assert call.consent_events() == [expected.value]
    assert call.consent is False
    assert call.recording is None and not call.leftover
    caller_turn = call.turns[-2]
    assert caller_turn[0] == "caller"
    assert caller_turn[2] == {"key-2": "digits", "key-9": "digits", "silence": "silence"}.get(
        answer
    )


def test_a_key_1_is_a_yes(
    context: AppContext, piper: PiperSynthesizer, prompt_audio: PromptAudio
) -> None:
    conversation = FakeConversation(greeting=OPENING)

    async def script(live: Live) -> None:
        await live.asked()
        live.twilio.inbound.put_nowait(dtmf("1"))
        await live.heard("utter_how_can_i_help")
        await live.line.say(silence(0.5))

    call = run_call(context, piper, prompt_audio, conversation, script)
    assert call.consent_events() == ["yes"] and call.consent is True
    assert call.recording is not None
    assert conversation.calls == [("start", "")]


def test_a_yes_said_over_the_greeting_is_not_consent(
    context: AppContext, piper: PiperSynthesizer, prompt_audio: PromptAudio
) -> None:
    conversation = FakeConversation(greeting=OPENING)

    async def script(live: Live) -> None:
        await live.line.say(text_frames(piper, "Allô, oui ?") + silence(0.8))
        await live.heard("utter_how_can_i_help")
        await live.line.say(silence(0.5))

    call = run_call(
        context, piper, prompt_audio, conversation, script, ("allô oui",),
        turns=TurnParams(silence_timeout_s=1.5),
    )
    # The early "oui" answered nothing: the caller's silence after the question did.
    assert call.consent_events() == ["silence"] and call.consent is False
    assert call.recording is None
    assert conversation.calls == [("start", "")]


def test_words_that_are_not_an_answer_go_to_the_dialogue_and_nothing_is_recorded(
    context: AppContext, piper: PiperSynthesizer, prompt_audio: PromptAudio
) -> None:
    conversation = FakeConversation(greeting=OPENING)

    async def script(live: Live) -> None:
        await live.asked()
        await live.line.say(text_frames(piper, REQUEST) + silence(0.2))
        await live.heard("utter_ok")

    call = run_call(
        context, piper, prompt_audio, conversation, script, ("je voudrais un rendez-vous",)
    )
    # The request is the dialogue's first turn: not swallowed, not asked for again.
    assert conversation.calls == [("start", ""), ("text", "je voudrais un rendez-vous")]
    assert call.said()[2:] == ["utter_recording_consent", "utter_ok"]
    assert call.consent_events() == ["unclear"] and call.consent is False
    assert call.recording is None


def test_a_call_dropped_after_the_yes_still_leaves_a_valid_recording(
    context: AppContext, piper: PiperSynthesizer, prompt_audio: PromptAudio
) -> None:
    conversation = FakeConversation(greeting=OPENING)
    request = text_frames(piper, REQUEST)

    async def script(live: Live) -> None:
        await live.asked()
        live.twilio.inbound.put_nowait(dtmf("1"))
        await live.heard("utter_how_can_i_help")
        live.line.queued.extend(request)  # the line drops while the caller speaks
        await until(lambda: len(live.line.queued) < len(request) // 2)
        live.line.queued.clear()
        live.twilio.inbound.put_nowait(None)

    call = run_call(context, piper, prompt_audio, conversation, script)
    assert call.consent is True
    assert call.recording is not None and not call.leftover
    caller, _, count = channels(call.recording)
    assert count > 0
    assert contains(caller, pcm(request[:10]))


def test_with_recording_disabled_nothing_is_asked(
    context: AppContext, piper: PiperSynthesizer, prompt_audio: PromptAudio
) -> None:
    conversation = FakeConversation(greeting=OPENING)

    async def script(live: Live) -> None:
        await live.heard("utter_how_can_i_help")
        live.twilio.inbound.put_nowait(dtmf("1"))
        await live.heard("utter_ok")

    call = run_call(context, piper, prompt_audio, conversation, script, enabled=False)
    assert call.said() == ["utter_greet", "utter_disclosure", "utter_how_can_i_help", "utter_ok"]
    assert conversation.calls == [("start", ""), ("digits", "1")]
    assert call.consent is None and call.consent_events() == []
    assert call.recording is None


@pytest.mark.parametrize(
    ("kind", "value", "answer", "forward"),
    [
        ("text", "oui d'accord", ConsentAnswer.YES, None),
        ("text", "euh non", ConsentAnswer.NO, None),
        ("text", "oui mais j'ai une question", ConsentAnswer.UNCLEAR, "oui mais j'ai une question"),
        ("text", "  ", ConsentAnswer.UNCLEAR, None),
        ("text", "allô, oui ?", ConsentAnswer.UNCLEAR, None),
        ("digits", "1#", ConsentAnswer.YES, None),
        ("digits", "12", ConsentAnswer.UNCLEAR, None),
        ("silence", "", ConsentAnswer.SILENCE, None),
    ],
)
def test_only_a_plain_yes_or_key_1_consents(
    kind: str, value: str, answer: ConsentAnswer, forward: str | None
) -> None:
    consent = interpret(kind, value)
    assert (consent.answer, consent.forward) == (answer, forward)
    assert consent.given is (answer is ConsentAnswer.YES)
