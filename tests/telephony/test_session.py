"""`CallSession` wiring with a scripted conversation and recognizer; real VAD, Piper, playout.

Fast unit tests of the session alone: no socket, no Rasa. The caller's audio is the real voice
through the μ-law line, so voice activity and end of turn run on real speech; only the words
come from a script (`ScriptedRecognizerFactory`) and the answers from `FakeConversation`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from prometheus_client import REGISTRY

from dialogue import CallEnd, Expecting, Reply, TurnResult
from telephony.call_events import CallEvent, CallEventType
from telephony.opening import OpeningConversation
from telephony.session import CallSession
from telephony.tts_piper import PiperSynthesizer, PromptAudio
from telephony.turns import TurnParams
from telephony.voice_service import VoiceParams, VoiceService
from tests.doubles.scripted_recognizer import ScriptedRecognizerFactory
from tests.telephony.calls import (
    CALL_SID,
    SID,
    STOP,
    FakeConversation,
    FakeTwilio,
    dtmf,
    expecting,
    silence,
    text_frames,
    until,
)

Script = Callable[[FakeTwilio, CallSession], Awaitable[None]]
LONG_REPLY = " ".join(
    f"Le créneau numéro {n} est disponible le matin à neuf heures." for n in range(1, 11)
)


class Call:
    """What one scripted call left behind."""

    def __init__(self, twilio: FakeTwilio, session: CallSession, events: list[CallEvent]):
        self.twilio = twilio
        self.session = session
        self.events = events
        self.reason = session.end_reason

    def of(self, kind: CallEventType) -> list[CallEvent]:
        return [e for e in self.events if e.type is kind]


def run_call(
    piper: PiperSynthesizer,
    prompt_audio: PromptAudio,
    conversation: FakeConversation | Callable[[], OpeningConversation],
    script: Script,
    transcripts: tuple[str, ...] = (),
    turns: TurnParams | None = None,
    first_words: Reply | None = None,
) -> Call:
    async def main() -> Call:
        twilio = FakeTwilio()
        events: list[CallEvent] = []

        async def collect(event: CallEvent) -> None:
            events.append(event)

        voice = VoiceService(
            ScriptedRecognizerFactory(transcripts),
            piper,
            params=VoiceParams(turns=turns or TurnParams()),
            observers=[collect],
        )
        session = CallSession(
            call_sid=CALL_SID,
            stream_sid=SID,
            conversation=conversation() if callable(conversation) else conversation,
            recognizer=await voice.recognizers.open(),
            voice=voice,
            prompt_audio=prompt_audio,
            send=twilio.send,
            hang_up=twilio.hang_up,
            first_words=first_words,
        )
        running = asyncio.create_task(session.run(twilio.frames()))
        await script(twilio, session)
        if not running.done():
            twilio.inbound.put_nowait(STOP)
        async with asyncio.timeout(30):
            await running
        return Call(twilio, session, events)

    return asyncio.run(main())


def test_greeting_then_a_turn_on_real_speech_reaches_the_conversation(
    piper: PiperSynthesizer, prompt_audio: PromptAudio
) -> None:
    conversation = FakeConversation()

    async def script(twilio: FakeTwilio, session: CallSession) -> None:
        await until(lambda: twilio.marked("utter_greet"))
        await twilio.speak(text_frames(piper, "Je voudrais un rendez-vous.") + silence(1.0))
        await until(lambda: twilio.marked("utter_ok"))

    call = run_call(piper, prompt_audio, conversation, script, ("je voudrais un rendez-vous",))
    assert conversation.calls == [("start", ""), ("text", "je voudrais un rendez-vous")]
    kinds = [m["event"] for m in call.twilio.sent]
    assert kinds[0] == "media" and "clear" not in kinds
    assert [name.split("-", 1)[1] for name in call.twilio.marks()] == ["utter_greet", "utter_ok"]
    stages = [e.data["stage"] for e in call.of(CallEventType.TTS_START)]
    assert stages == ["greeting-first-audio", "first-audio"]
    assert all(e.data["latency_s"] < 5 for e in call.of(CallEventType.TTS_START))
    [stt] = call.of(CallEventType.STT_END)
    assert stt.text == "je voudrais un rendez-vous"
    assert call.reason == "hangup" and conversation.closed == ["hangup"]
    assert call.events[0].type is CallEventType.CALL_START
    assert call.events[-1].type is CallEventType.CALL_END and call.events[-1].key == "hangup"


def test_the_first_words_play_while_the_conversation_opens_and_are_not_said_twice(
    piper: PiperSynthesizer, prompt_audio: PromptAudio
) -> None:
    greet = Reply("Bonjour.", "utter_greet")
    inner = FakeConversation(
        greeting=TurnResult([greet, Reply("Que puis-je pour vous ?", "utter_how_can_i_help")])
    )
    may_open = asyncio.Event()
    heard_before_open: list[bool] = []

    async def open_slowly() -> tuple[FakeConversation, bool]:
        await may_open.wait()  # a cold database: the call record takes its time
        return inner, True

    async def script(twilio: FakeTwilio, session: CallSession) -> None:
        await until(lambda: twilio.marked("utter_greet"))
        heard_before_open.append(inner.calls == [])
        may_open.set()
        await until(lambda: twilio.marked("utter_how_can_i_help"))

    labels = {"turn": "greeting", "stage": "first-frame"}
    before = REGISTRY.get_sample_value("standardiste_turn_stage_seconds_count", labels) or 0
    call = run_call(
        piper,
        prompt_audio,
        lambda: OpeningConversation(CALL_SID, open_slowly()),
        script,
        first_words=greet,
    )
    assert heard_before_open == [True]
    assert inner.calls[0] == ("start", "")
    marks = [name.split("-", 1)[1] for name in call.twilio.marks()]
    assert marks == ["utter_greet", "utter_how_can_i_help"]
    [timed] = call.of(CallEventType.TTS_START)
    assert timed.key == "utter_greet" and timed.data["stage"] == "greeting-first-audio"
    assert set(timed.data["stages"]) >= {"first-synthesis", "first-frame", "total"}
    # Exported on /metrics by stage.
    assert REGISTRY.get_sample_value("standardiste_turn_stage_seconds_count", labels) == before + 1


def test_barge_in_clears_once_and_stops_synthesis(
    piper: PiperSynthesizer, prompt_audio: PromptAudio
) -> None:
    conversation = FakeConversation(
        answers=[TurnResult([Reply(LONG_REPLY, "utter_ask_chosen_slot")])]
    )

    async def script(twilio: FakeTwilio, session: CallSession) -> None:
        await until(lambda: twilio.marked("utter_greet"))
        await twilio.speak(text_frames(piper, "Un rendez-vous.") + silence(1.0))
        sent = len(twilio.sent)
        await until(lambda: len(twilio.events("media")) > 0 and len(twilio.sent) > sent + 5)
        await twilio.speak(text_frames(piper, "Le deuxième.") + silence(1.0), speed=1.0)
        await until(lambda: twilio.marked("utter_ok"))

    call = run_call(
        piper, prompt_audio, conversation, script, ("un rendez-vous", "le deuxième")
    )
    assert len(call.twilio.events("clear")) == 1
    [barge_in] = call.of(CallEventType.BARGE_IN)
    assert barge_in.data == {"cleared": True, "stopped": ["utter_ask_chosen_slot"]}
    # Ten sentences (~3 s each) were due; synthesis kept ~2 s ahead and stopped at the barge-in:
    # greeting + at most 3 of them + the answer to the caller's next turn.
    assert call.session.speaker.pieces_synthesised <= 1 + 3 + 1
    assert conversation.calls[-1] == ("text", "le deuxième")
    # Cut before its last frame: its mark never went out.
    assert not call.twilio.marked("utter_ask_chosen_slot")


def test_the_emergency_message_is_not_interrupted(
    piper: PiperSynthesizer, prompt_audio: PromptAudio
) -> None:
    emergency = Reply(
        "Si c'est une urgence, raccrochez et appelez le quinze.", "utter_emergency", False,
        emergency=True,
    )
    conversation = FakeConversation(answers=[TurnResult([emergency])])

    async def script(twilio: FakeTwilio, session: CallSession) -> None:
        await until(lambda: twilio.marked("utter_greet"))
        await twilio.speak(text_frames(piper, "J'ai très mal.") + silence(1.0))
        sent = len(twilio.sent)
        await until(lambda: len(twilio.sent) > sent + 5)
        await twilio.speak(text_frames(piper, "Allô, allô ?") + silence(1.0), speed=1.0)
        await until(lambda: twilio.marked("utter_emergency"))

    call = run_call(piper, prompt_audio, conversation, script, ("j'ai très mal", "allo"))
    assert call.twilio.events("clear") == []
    assert call.of(CallEventType.BARGE_IN) == []
    assert [e.key for e in call.of(CallEventType.SAFETY_HIT)] == ["utter_emergency"]


def test_keypad_digits_confirm_at_once_and_dates_wait_for_hash(
    piper: PiperSynthesizer, prompt_audio: PromptAudio
) -> None:
    conversation = FakeConversation(
        greeting=expecting(Expecting.CONFIRMATION, Reply("Confirmez-vous ?", "utter_yes_or_no")),
        answers=[expecting(Expecting.DATE_OF_BIRTH, Reply("Votre date ?", "utter_ask_birth_date"))],
    )

    async def script(twilio: FakeTwilio, session: CallSession) -> None:
        await until(lambda: twilio.marked("utter_yes_or_no"))
        twilio.inbound.put_nowait(dtmf("1"))
        await until(lambda: twilio.marked("utter_ask_birth_date"))
        for digit in "12031954#":
            twilio.inbound.put_nowait(dtmf(digit))
        await until(lambda: twilio.marked("utter_ok"))

    call = run_call(piper, prompt_audio, conversation, script)
    assert conversation.calls[1:] == [("digits", "1"), ("digits", "12031954")]
    assert "dtmf-first-audio" in [e.data["stage"] for e in call.of(CallEventType.TTS_START)]


def test_silence_after_the_assistant_spoke_reprompts(
    piper: PiperSynthesizer, prompt_audio: PromptAudio
) -> None:
    conversation = FakeConversation()

    async def script(twilio: FakeTwilio, session: CallSession) -> None:
        await until(lambda: twilio.marked("utter_greet"))
        await twilio.speak(silence(1.5), speed=10)
        await until(lambda: twilio.marked("utter_ok"))

    run_call(
        piper, prompt_audio, conversation, script, turns=TurnParams(silence_timeout_s=1.0)
    )
    assert conversation.calls == [("start", ""), ("silence", "")]


def test_noise_nobody_understood_is_asked_again_without_the_dialogue(
    piper: PiperSynthesizer, prompt_audio: PromptAudio
) -> None:
    conversation = FakeConversation()

    async def script(twilio: FakeTwilio, session: CallSession) -> None:
        await until(lambda: twilio.marked("utter_greet"))
        await twilio.speak(text_frames(piper, "Heu, voyons voir.") + silence(1.0))
        await until(lambda: twilio.marked("utter_say_again"))

    run_call(piper, prompt_audio, conversation, script, ("",))
    assert conversation.calls == [("start", "")]


def test_a_transfer_is_heard_before_the_socket_closes(
    piper: PiperSynthesizer, prompt_audio: PromptAudio
) -> None:
    transfer = TurnResult(
        [Reply("Je vous passe le secrétariat.", "utter_transfer")],
        ended=True,
        end=CallEnd.TRANSFER,
        transfer_to="+33478000001",
    )
    conversation = FakeConversation(answers=[transfer])

    async def script(twilio: FakeTwilio, session: CallSession) -> None:
        await until(lambda: twilio.marked("utter_greet"))
        await twilio.speak(text_frames(piper, "La secrétaire.") + silence(1.0))
        await until(lambda: twilio.hung_up)

    call = run_call(piper, prompt_audio, conversation, script, ("la secrétaire",))
    assert call.reason == "transferred" and conversation.closed == ["transferred"]
    assert call.twilio.marked("utter_transfer")


def test_a_failing_dialogue_gives_the_technical_prompt_then_ends(
    piper: PiperSynthesizer, prompt_audio: PromptAudio
) -> None:
    conversation = FakeConversation(fail_on_text=True)

    async def script(twilio: FakeTwilio, session: CallSession) -> None:
        await until(lambda: twilio.marked("utter_greet"))
        await twilio.speak(text_frames(piper, "Bonjour.") + silence(1.0))
        await until(lambda: twilio.hung_up)

    call = run_call(piper, prompt_audio, conversation, script, ("bonjour",))
    assert [e.key for e in call.of(CallEventType.ERROR)] == ["dialogue-failed"]
    assert call.twilio.marked("utter_technical_problem")
    assert call.reason == "error" and conversation.closed == ["error"]


def test_a_dropped_socket_closes_the_conversation_as_dropped(
    piper: PiperSynthesizer, prompt_audio: PromptAudio
) -> None:
    conversation = FakeConversation()

    async def script(twilio: FakeTwilio, session: CallSession) -> None:
        await until(lambda: twilio.marked("utter_greet"))
        twilio.inbound.put_nowait(None)

    call = run_call(piper, prompt_audio, conversation, script)
    assert call.reason == "dropped" and conversation.closed == ["dropped"]
    assert not call.twilio.hung_up
