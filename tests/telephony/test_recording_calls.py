"""Consented recording on whole calls: the simulator over the real protocol, the gateway, the real
Rasa server, Piper, the database and the recordings folder.

Only the words come from a script (`ScriptedRecognizerFactory`), as in `test_voice_calls`.
"""

from __future__ import annotations

import asyncio
import io
import wave

import httpx
import numpy as np

import dialogue
import transcripts
from core import Recording
from standardiste.simulator import CallerTurn, SimulatedCall, simulate_call
from telephony.codec import ulaw_to_pcm16
from telephony.tts_piper import PiperSynthesizer
from tests.telephony.conftest import VoiceGateway
from tests.telephony.test_voice_calls import wait_closed

REQUEST = "je voudrais un rendez-vous pour une consultation avec le docteur martin"


def call(gateway: VoiceGateway, turns: list[CallerTurn]) -> SimulatedCall:
    """A call where the caller takes these turns (the recognizer hears their labels), then
    hangs up.

    Twice real time, not four times: the silence timeout (7 s of stream, 3.5 s here) must not
    answer the recording question on a loaded machine before the caller's 1.5 s pause ends.
    """
    gateway.hears(*(turn.label for turn in turns))
    return asyncio.run(simulate_call(gateway.twilio(speed=2.0), turns, end="stop"))


def spoken(piper: PiperSynthesizer, text: str) -> CallerTurn:
    """The real voice saying ``text`` (synthesis varies: keep the frames to find them again)."""
    return CallerTurn(text, tuple(piper.synthesize_frames(text)))


def pcm(frames: tuple[bytes, ...]) -> bytes:
    return ulaw_to_pcm16(b"".join(frames)).tobytes()


def enable_recording(gateway: VoiceGateway, enabled: bool) -> None:
    store = gateway.context.practice_store
    config = store.current()
    store.save(
        config.model_copy(update={"recording": Recording(enabled=enabled)}),
        actor="test",
        expected_version=store.version,
    )


def test_a_caller_who_says_yes_is_recorded_and_rasa_never_hears_the_answer(
    rasa_server: str, voice_gateway: VoiceGateway, piper: PiperSynthesizer
) -> None:
    voice_gateway.answering("assistant")
    enable_recording(voice_gateway, True)
    yes, request = spoken(piper, "oui"), spoken(piper, REQUEST)
    result = call(voice_gateway, [yes, request])
    assert result.keys[:7] == [
        "utter_greet", "utter_disclosure", "utter_recording_consent",
        "utter_recording_accepted", "utter_how_can_i_help", "utter_understood_booking",
        "utter_ask_time_preference",
    ]
    wait_closed(voice_gateway, result.call_sid)
    context = voice_gateway.context
    with context.db.session() as session:
        record = transcripts.get_call(session, result.call_sid)
        assert record is not None and record.recording_consent is True
        keys = [t.key for t in transcripts.list_turns(session, result.call_sid)]
    assert keys.index("utter_recording_consent") < keys.index("utter_recording_accepted")
    token = dialogue.rasa_auth_token(context.settings)  # Rasa's API wants its token
    tracker = httpx.get(f"{rasa_server}/conversations/{result.call_sid}/tracker",
                        params={"token": token}, timeout=10)
    said_to_rasa = [e["text"] for e in tracker.json()["events"] if e["event"] == "user"]
    assert len(said_to_rasa) == 1 and "oui" not in said_to_rasa[0].split()
    path = transcripts.existing_recording(context.settings.standardiste_var_dir, result.call_sid)
    assert path is not None
    # Encrypted on disk with the data key; the staff page reads it back the same way.
    with wave.open(io.BytesIO(transcripts.read_recording(path)), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, 8000)
        stereo = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, 2)
    # From the yes on: the caller's request (left), the assistant's answers (right).
    caller, assistant = stereo[:, 0].tobytes(), stereo[:, 1].tobytes()
    assert pcm(request.frames) in caller
    assert pcm(yes.frames) not in caller
    asked = dialogue.say("utter_recording_consent", context.practice).text
    question = voice_gateway.service.prompt_audio(context.practice).get(asked)
    assert question is not None
    assert pcm(question[-25:]) not in assistant
    assert np.sqrt(np.mean(stereo[:, 1].astype(np.float64) ** 2)) > 300  # speech, not silence
    # Nothing but what the gateway sent (20 ms frames) and silence.
    recorded = {frame.tobytes() for frame in stereo[:, 1].reshape(-1, 160)}
    sent = {ulaw_to_pcm16(bytes(result.assistant_audio[i : i + 160])).tobytes()
            for i in range(0, len(result.assistant_audio), 160)}
    assert recorded <= sent | {bytes(320)}


def test_with_recording_disabled_no_question_and_no_file(
    rasa_server: str, voice_gateway: VoiceGateway, piper: PiperSynthesizer
) -> None:
    voice_gateway.answering("assistant")
    enable_recording(voice_gateway, False)
    result = call(voice_gateway, [spoken(piper, REQUEST)])
    assert result.keys[:5] == [
        "utter_greet", "utter_disclosure", "utter_how_can_i_help", "utter_understood_booking",
        "utter_ask_time_preference",
    ]
    wait_closed(voice_gateway, result.call_sid)
    context = voice_gateway.context
    with context.db.session() as session:
        record = transcripts.get_call(session, result.call_sid)
        assert record is not None and record.recording_consent is None
    var_dir = context.settings.standardiste_var_dir
    assert transcripts.existing_recording(var_dir, result.call_sid) is None
