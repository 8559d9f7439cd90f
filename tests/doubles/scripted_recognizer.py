"""A recognizer that returns a scripted transcript per detected utterance.

Allowed in one place only: end-to-end tests that need French words out of recognition (a booking
by voice), because the only Vosk model installable on the build machines is Korean. It sits
behind the same `telephony.Recognizer` interface as Vosk, so voice activity, end of turn,
barge-in, the dialogue and synthesis around it all stay real.

Each utterance the turn detector closes (each `finish` after audio was fed) takes the next
transcript of the script (a `catch_up` at a pause inside it does not); an exhausted script
yields empty text, which the session treats like an utterance nobody understood. Partial
results reveal the transcript's words as audio arrives (one word per ``seconds_per_word`` of
audio), so the partial hints are exercised too.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from telephony import SAMPLE_RATE, RecognitionUpdate


class ScriptedScript:
    """The transcripts, in order, shared by the recognizers a factory hands out."""

    def __init__(self, transcripts: Iterable[str]) -> None:
        self._pending: deque[str] = deque(transcripts)
        self.consumed: list[str] = []

    def next(self) -> str:
        """The next transcript, or empty text once the script is exhausted."""
        text = self._pending.popleft() if self._pending else ""
        self.consumed.append(text)
        return text

    def peek(self) -> str:
        """The transcript the next utterance will get."""
        return self._pending[0] if self._pending else ""


class ScriptedRecognizer:
    """Implements `telephony.Recognizer` from a script instead of audio."""

    def __init__(self, script: ScriptedScript, seconds_per_word: float = 0.3) -> None:
        self._script = script
        self._seconds_per_word = seconds_per_word
        self._fed_bytes = 0
        self.closed = False
        self.utterances: list[str] = []

    async def feed(self, pcm: bytes) -> RecognitionUpdate | None:
        """Count the audio; reveal as many scripted words as it could hold."""
        self._fed_bytes += len(pcm)
        return RecognitionUpdate(partial=self._revealed())

    def _revealed(self) -> str:
        seconds = self._fed_bytes / (2 * SAMPLE_RATE)
        words = self._script.peek().split()
        shown = min(len(words), int(seconds / self._seconds_per_word))
        return " ".join(words[:shown])

    async def catch_up(self, pcm: bytes = b"") -> RecognitionUpdate | None:
        """As `feed`: the caller only paused."""
        return await self.feed(pcm)

    async def finish(self, pcm: bytes = b"") -> str:
        """The next scripted transcript when audio was fed, else empty text."""
        self._fed_bytes += len(pcm)
        if self._fed_bytes == 0:
            return ""
        self._fed_bytes = 0
        text = self._script.next()
        self.utterances.append(text)
        return text

    async def close(self) -> None:
        """Nothing to release."""
        self.closed = True


class ScriptedRecognizerFactory:
    """Implements `telephony.RecognizerFactory`: every call reads the same script."""

    def __init__(self, transcripts: Iterable[str], seconds_per_word: float = 0.3) -> None:
        self.script = ScriptedScript(transcripts)
        self._seconds_per_word = seconds_per_word
        self.opened: list[ScriptedRecognizer] = []

    async def open(self) -> ScriptedRecognizer:
        """A recognizer reading this factory's script."""
        recognizer = ScriptedRecognizer(self.script, self._seconds_per_word)
        self.opened.append(recognizer)
        return recognizer
