"""The caller's side of a simulated call: its turns (speech as μ-law frames, or keys), WAV files.

Speech comes from 16-bit PCM WAV files or is synthesised on the spot by the Piper voice the
gateway would use; what the assistant said can be written back as a WAV file.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core import Settings
from telephony import (
    SAMPLE_RATE,
    PiperParams,
    PiperSynthesizer,
    resolve_speech_models,
    to_ulaw_frames,
    ulaw_to_pcm16,
)


@dataclass(frozen=True)
class CallerTurn:
    """One caller turn: speech (μ-law frames) or keypad digits."""

    label: str
    frames: tuple[bytes, ...] = ()
    digits: str = ""


def wav_frames(path: Path) -> tuple[bytes, ...]:
    """A 16-bit PCM WAV file (any rate, mono or first channel) as 8 kHz μ-law frames."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{path}: 16-bit PCM WAV expected")
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
        data = data[:: wav.getnchannels()]
        rate = wav.getframerate()
    return tuple(to_ulaw_frames(data.astype(np.float32) / 32768.0, rate))


def write_wav(path: Path, ulaw: bytes) -> None:
    """μ-law audio as an 8 kHz 16-bit mono WAV file."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(ulaw_to_pcm16(ulaw).tobytes())


def caller_turns(
    settings: Settings, *, says: list[str], wavs: list[Path], digits: list[str]
) -> list[CallerTurn]:
    """The caller's turns: WAV files, then sentences (synthesised by Piper), then keys.

    A ``--say`` value written ``dtmf:123#`` is keyed in instead of spoken.
    """
    turns = [CallerTurn(path.name, wav_frames(path)) for path in wavs]
    spoken = [text for text in says if not text.startswith("dtmf:")]
    synthesis = None
    if spoken:
        models = resolve_speech_models(settings)
        synthesis = PiperSynthesizer.load(
            models.piper_voice, models.piper_config, PiperParams(espeak_voice=models.espeak_voice)
        )
    for text in says:
        if text.startswith("dtmf:"):
            turns.append(CallerTurn(text, digits=text.removeprefix("dtmf:")))
        elif synthesis is not None:
            turns.append(CallerTurn(text, tuple(synthesis.synthesize_frames(text))))
    turns.extend(CallerTurn(f"dtmf:{keys}", digits=keys) for keys in digits)
    return turns
