"""The recognizer's small interface: what a call session needs from speech recognition.

`telephony.stt_workers` is the real implementation: Vosk in supervised worker processes
(`telephony.stt_vosk` inside each, or in the gateway's process when configured so). The test double
`tests.doubles.scripted_recognizer` stands in only where French words must come out of
recognition (an end-to-end booking by voice), because the only model that can be installed here
is Korean; every other layer stays real. It implements these Protocols as `telephony`'s face
exports them (`Recognizer`, `RecognizerFactory`, `RecognitionUpdate`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RecognitionUpdate:
    """What the recognizer made of the audio fed so far in the current utterance."""

    partial: str = ""
    """The utterance's words so far (the last ones may still change)."""
    final: str | None = None
    """Text of a segment the recognizer closed on its own endpoint, when it just did."""


class RecognitionLost(Exception):  # noqa: N818 (an event the session handles, not a bug)
    """The utterance in progress was lost with the process decoding it (a recognition worker
    died). The recognizer already moved to a live worker and is ready for the next utterance:
    the caller is asked to repeat."""


class Recognizer(Protocol):
    """One call's streaming recognizer: utterance after utterance, never on the event loop."""

    async def feed(self, pcm: bytes) -> RecognitionUpdate | None:
        """Take 8 kHz 16-bit PCM of the current utterance.

        Returns:
            An update when the recognizer looked at the audio, None while it only buffered.
        """
        ...

    async def catch_up(self, pcm: bytes = b"") -> RecognitionUpdate | None:
        """The caller paused: decode the utterance's audio so far (with ``pcm``) now.

        Like `feed`, but nothing stays buffered, the decoding runs ahead of the feeding of
        callers still speaking (behind final passes), and the words so far are settled (the
        recognizer's final pass runs now): when the pause turns out to end the turn, `finish`
        has nothing left to decode. The utterance goes on either way.

        Returns:
            As `feed`; None when there was nothing to decode.
        """
        ...

    async def finish(self, pcm: bytes = b"") -> str:
        """End the current utterance with its last audio (8 kHz 16-bit PCM, possibly none).

        Returns:
            The utterance's whole text (possibly empty). The recognizer is ready for the next one.

        Raises:
            RecognitionLost: The utterance's audio was lost with its worker process.
        """
        ...

    async def close(self) -> None:
        """The call is over: give the recognizer back."""
        ...


class RecognizerFactory(Protocol):
    """Hands out one `Recognizer` per call."""

    async def open(self) -> Recognizer:
        """A recognizer for a new call."""
        ...
