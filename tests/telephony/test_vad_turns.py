"""Voice activity and end of turn on real speech: Piper's voice through the μ-law line."""

from __future__ import annotations

import numpy as np
import pytest

from telephony.codec import PCM_FRAME_BYTES
from telephony.turns import TurnDetector, TurnEvent, TurnParams
from telephony.vad import PreRoll, VadParams, VoiceActivity
from tests.telephony.conftest import line_noise

FRAME = 0.02


def _speech_bounds(pcm: bytes) -> tuple[float, float]:
    """First and last moment the signal is clearly above the line's hiss (seconds)."""
    samples = np.abs(np.frombuffer(pcm, dtype=np.int16).astype(np.int32))
    loud = np.nonzero(samples > 1000)[0]
    return loud[0] / 8000, loud[-1] / 8000


def _decisions(
    pcm: bytes, detector: TurnDetector, windows: list[float] | None = None
) -> list[tuple[float, TurnEvent]]:
    """The detector's decisions on ``pcm``; ``windows`` gets the window in force at each end
    of turn (it learns the caller's pauses from one utterance to the next)."""
    vad = VoiceActivity()
    events: list[tuple[float, TurnEvent]] = []
    for i in range(len(pcm) // PCM_FRAME_BYTES):
        frame = pcm[i * PCM_FRAME_BYTES : (i + 1) * PCM_FRAME_BYTES]
        window = detector.end_silence_s
        event = detector.process(FRAME, vad.is_speech(frame))
        if event:
            events.append(((i + 1) * FRAME, event))
        if event is TurnEvent.END_OF_TURN and windows is not None:
            windows.append(window)
    return events


def _frame_aligned(pcm: bytes) -> bytes:
    return pcm[: len(pcm) - len(pcm) % PCM_FRAME_BYTES]


@pytest.mark.parametrize("dictating", [False, True])
def test_end_of_turn_fires_within_the_window_after_speech_ends(
    spoken: list[bytes], dictating: bool
) -> None:
    lead = line_noise(1.0, seed=1)
    gap = line_noise(2.0, seed=2)
    stream = _frame_aligned(lead + spoken[0]) + _frame_aligned(gap + spoken[1]) + line_noise(3.0)
    offsets = [len(_frame_aligned(lead)), len(_frame_aligned(lead + spoken[0])) + len(gap)]
    truths = []
    for offset, speech in zip(offsets, spoken, strict=True):
        start, end = _speech_bounds(speech)
        truths.append((offset / 16000 + start, offset / 16000 + end))

    detector = TurnDetector()
    detector.set_dictating(dictating)
    windows: list[float] = []
    events = _decisions(stream, detector, windows)

    assert [e for _, e in events] == [TurnEvent.SPEECH_STARTED, TurnEvent.END_OF_TURN] * 2
    for (speech_start, speech_end), (started, ended), window in zip(
        truths, [(events[i][0], events[i + 1][0]) for i in (0, 2)], windows, strict=True
    ):
        # Speech is recognised within a few frames of its onset, never before.
        assert speech_start <= started <= speech_start + 0.4
        # The turn ends one window after the voice stops (VAD may hang on for a frame or
        # three), never while the caller is still speaking.
        assert ended > speech_end
        assert speech_end + window - 0.1 <= ended <= speech_end + window + 0.25


def test_line_noise_alone_never_starts_a_turn() -> None:
    detector = TurnDetector(TurnParams(silence_timeout_s=4.0))
    detector.arm_silence_timeout()
    events = _decisions(line_noise(6.0, seed=3, level=0.003), detector)
    # No utterance; the timeout fires, a little late when stray frames looked like speech.
    assert [e for _, e in events] == [TurnEvent.SILENCE_TIMEOUT]
    assert 4.0 <= events[0][0] <= 4.5


def test_vad_calls_speech_on_speech_and_not_on_hiss(spoken: list[bytes]) -> None:
    vad = VoiceActivity()
    speech = _frame_aligned(spoken[0])
    start, end = _speech_bounds(speech)
    voiced = speech[int(start * 8000) * 2 : int(end * 8000) * 2]
    voiced = _frame_aligned(voiced)
    verdicts = [
        vad.is_speech(voiced[i : i + PCM_FRAME_BYTES])
        for i in range(0, len(voiced), PCM_FRAME_BYTES)
    ]
    assert sum(verdicts) / len(verdicts) > 0.6
    hiss = line_noise(2.0, seed=4)
    noise_verdicts = [
        vad.is_speech(hiss[i : i + PCM_FRAME_BYTES]) for i in range(0, len(hiss), PCM_FRAME_BYTES)
    ]
    # Mode 3 still calls a few percent of hiss frames speech; the turn detector's minimum
    # speech run absorbs them (previous test).
    assert sum(noise_verdicts) / len(noise_verdicts) < 0.1


def test_vad_rejects_frames_of_the_wrong_size() -> None:
    with pytest.raises(ValueError, match="320 bytes"):
        VoiceActivity().is_speech(b"\x00" * 160)


def test_vad_params_are_checked() -> None:
    with pytest.raises(ValueError):
        VadParams(aggressiveness=4)
    with pytest.raises(ValueError):
        VadParams(sample_rate=22050)
    with pytest.raises(ValueError):
        VadParams(frame_ms=25)
    assert VadParams(sample_rate=16000, frame_ms=30).frame_bytes == 960


def test_pre_roll_keeps_the_last_frames() -> None:
    pre_roll = PreRoll(seconds=0.06)
    for i in range(5):
        pre_roll.push(bytes([i]))
    assert pre_roll.drain() == [b"\x02", b"\x03", b"\x04"]
    assert pre_roll.drain() == []
