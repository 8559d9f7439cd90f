"""The three passes a Vosk recognizer makes over a call's audio, and what each yields.

- `accept`: decode audio as it comes; the words so far may still change (a partial), unless
  the recognizer's own endpoint closed a segment.
- `settle`: the caller paused: decode, then run the final pass now (lattice and word choice,
  ~25 ms a sentence on these cores), so that the end of the turn finds the words ready. If the
  caller goes on, their next words open a new segment, as after one of Vosk's own endpoints:
  only the language model's context restarts, at a pause where a phrase usually ends anyway.
- `finalize`: the turn is over: decode the last audio and close the segment.

And `warm_up`, which decodes speech as a call's would be, before any call: see there.

Each runs on a worker thread, on a recognizer no other thread is using (`telephony.stt_vosk`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import vosk


@dataclass(frozen=True)
class Decoded:
    """What one pass made of a piece of audio, segment by segment."""

    closed: tuple[str, ...] = ()
    """Texts of the segments it closed (at an endpoint, or settled at a pause)."""
    partial: str = ""
    """Words of the segment still open."""
    endpoint: str | None = None
    """Text of the segment the recognizer's own endpoint closed, if it did."""


def _text(result_json: str, key: str) -> str:
    value = json.loads(result_json).get(key, "")
    return value.strip() if isinstance(value, str) else ""


def accept(recognizer: vosk.KaldiRecognizer, data: bytes) -> Decoded:
    """Decode ``data`` as part of the segment in progress."""
    if recognizer.AcceptWaveform(data):
        endpoint = _text(recognizer.Result(), "text")
        return Decoded(closed=(endpoint,), endpoint=endpoint)
    return Decoded(partial=_text(recognizer.PartialResult(), "partial"))


def settle(recognizer: vosk.KaldiRecognizer, data: bytes) -> Decoded:
    """Decode ``data`` and close the segment: the caller paused."""
    endpoint = _text(recognizer.Result(), "text") if recognizer.AcceptWaveform(data) else None
    settled = _text(recognizer.FinalResult(), "text")
    return Decoded(closed=(endpoint or "", settled), endpoint=endpoint)


def finalize(recognizer: vosk.KaldiRecognizer, data: bytes) -> str:
    """Decode the segment's last audio (if any) and close it; its text."""
    if data:
        recognizer.AcceptWaveform(data)
    return _text(recognizer.FinalResult(), "text")


def warm_up(recognizer: vosk.KaldiRecognizer, speech: bytes, chunk_bytes: int) -> int:
    """Decode ``speech`` as a call's audio is decoded, to expand the recognizer's share of the
    decoding graph before a caller needs it (voice-costs V6: a fresh recognizer's first
    utterance costs ~3× the CPU, and each recognizer expands the graph for itself).

    The speech is fed in ``chunk_bytes`` pieces, and a piece of digital silence closes the
    segment in progress, as a caller's pause does (`settle`): sentences apart by silence each
    start from the language model's start, as a caller's turns do, instead of being decoded
    as one long sentence. The silence itself is not decoded (a call's pauses are not either).

    Returns:
        The segments decoded.
    """
    segments, speaking = 0, False
    for start in range(0, len(speech), chunk_bytes):
        chunk = speech[start : start + chunk_bytes]
        if not chunk.strip(b"\0"):
            if speaking:
                recognizer.FinalResult()
                segments, speaking = segments + 1, False
            continue
        recognizer.AcceptWaveform(chunk)
        speaking = True
    if speaking:
        recognizer.FinalResult()
        segments += 1
    recognizer.Reset()
    return segments
