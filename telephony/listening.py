"""Listening to the caller: μ-law frames → voice activity → end of turn, recognizer fed speech only.

`Listener.push` runs on the event loop for every inbound payload and costs a few microseconds
per frame (μ-law table, webrtcvad, the pure `TurnDetector`). Audio for the recognizer goes
through a queue to `Listener.run`, which awaits the recognizer's worker threads, so a slow
decode never holds up the socket; what queued meanwhile is handed over in one piece. Outside
an utterance frames only fill the pre-roll: Vosk's CPU goes to the caller's words, not to line
noise or the echo of our own voice.

What the listener finds goes one way, to a `ListenerSink` (the call session): speech started
(barge-in), partial words, an utterance's text with the time its turn ended (or the news that
it was lost with its recognition worker), silence timeouts.

When the call ends while the caller is speaking (a hang-up, a dropped line), `conclude` closes
the utterance in progress and waits until it and everything queued before it were handed over:
the last words of a call are recognised like any others.

The partial words are also read against the question the assistant just asked (`expect`,
`dialogue.answers_question`): once they answer it, a short silence ends the turn. Only words
decoded from all the speech so far count, so a partial that lags behind a caller who goes on
talking ("oui…" of "oui, mais plutôt jeudi") never ends the turn.

What was said is decoded in the caller's pause, not after it: once an utterance has been
silent for ``catch_up_after_s`` (shorter than any end-of-turn window), its audio so far goes to
the recognizer at once, ahead of callers still speaking (`Recognizer.catch_up`), and the rest
of the pause is held back instead of decoded, and the words so far are settled (the
recognizer's final pass too runs in the pause). If the pause ends the turn, nothing is left
to decode when the decision comes (many callers finishing at once no longer queue their last
words, nor the final passes, behind the decision); if the caller goes on, the held pause and
their next words follow in the same utterance.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

import dialogue
from dialogue import Expecting
from telephony.codec import FRAME_SECONDS, FrameSplitter, ulaw_to_pcm16
from telephony.stt import RecognitionLost, Recognizer
from telephony.turns import TurnDetector, TurnEvent, TurnParams
from telephony.vad import PreRoll, VadParams, VoiceActivity


class _Mark(Enum):
    """Queue markers between the audio of an utterance."""

    CATCH_UP = "catch-up"
    """The caller paused: decode the utterance so far now."""
    END = "end"
    """The utterance ended: finish it."""


@dataclass(frozen=True)
class TurnEnd:
    """When an utterance's turn ended (monotonic seconds)."""

    decided: float
    """The end-of-turn decision."""
    speech_end: float
    """The caller's last speech before it (the decision, less the silence waited for)."""


class ListenerSink(Protocol):
    """Where the listener's findings go; every method must return at once."""

    def speech_started(self) -> None:
        """The caller started speaking (long enough to count)."""

    def partial(self, text: str) -> None:
        """The recognizer's words so far in this utterance."""

    def utterance(self, text: str, turn_ended_at: float) -> None:
        """An utterance's final text (possibly empty); ``turn_ended_at`` is monotonic seconds."""

    def recognition_lost(self, turn_ended_at: float) -> None:
        """An utterance's words were lost with its recognition worker: ask the caller again."""

    def silence_timeout(self) -> None:
        """The caller said nothing for the silence timeout after the assistant finished."""


class Listener:
    """One call's inbound audio path (see the module docstring)."""

    def __init__(
        self,
        recognizer: Recognizer,
        sink: ListenerSink,
        *,
        turns: TurnParams | None = None,
        vad: VadParams | None = None,
        preroll_s: float = 0.3,
        catch_up_after_s: float = 0.2,
    ) -> None:
        self._recognizer = recognizer
        self._sink = sink
        self._splitter = FrameSplitter()
        self._vad = VoiceActivity(vad)
        self._preroll = PreRoll(preroll_s)
        """The last frames not fed: before speech starts, and in a pause once caught up."""
        self.turns = TurnDetector(turns)
        self._catch_up_after_s = catch_up_after_s
        self._caught_up = False
        """The utterance in progress was caught up and the caller has not gone on since."""
        self._audio: asyncio.Queue[bytes | _Mark] = asyncio.Queue()
        self._ended_at: list[TurnEnd] = []
        """End-of-turn times of utterances queued for finishing, oldest first."""
        self.handing_over: TurnEnd | None = None
        """The end of the utterance being handed to the sink (read during its call)."""
        self._expecting = Expecting.ANYTHING
        self._answers: tuple[Expecting, str, bool] | None = None
        """The last partial read against the question, and whether it answered."""
        self._queued = 0
        """Frames queued for the recognizer so far (a position in the call's audio)."""
        self._taken = 0
        """Frames handed to the recognizer so far."""
        self._last_speech = 0
        """Position of the last frame of speech queued."""
        self._ends = 0
        """Utterances ended so far (queued for finishing)."""
        self._handed = 0
        """Utterances handed to the sink so far."""
        self._progress = asyncio.Event()

    def push(self, payload: bytes) -> None:
        """Take one inbound μ-law payload (any length)."""
        for frame in self._splitter.push(payload):
            pcm = ulaw_to_pcm16(frame).tobytes()
            speech = self._vad.is_speech(pcm)
            event = self.turns.process(FRAME_SECONDS, speech)
            if event is TurnEvent.SPEECH_STARTED:
                self._caught_up = False
                for held in self._preroll.drain():
                    self._queue(held)
                self._queue(pcm)
                self._sink.speech_started()
            elif self.turns.in_speech or event is TurnEvent.END_OF_TURN:
                self._utterance_frame(pcm)
            else:
                self._preroll.push(pcm)
            if speech and (self.turns.in_speech or event is TurnEvent.END_OF_TURN):
                self._last_speech = self._queued
            if event is TurnEvent.END_OF_TURN:
                self._end_utterance()
            elif event is TurnEvent.SILENCE_TIMEOUT:
                self._sink.silence_timeout()

    def _utterance_frame(self, pcm: bytes) -> None:
        """A frame inside an utterance (or the one that ends it): fed, or held in a pause
        once the utterance was caught up."""
        turns = self.turns
        if self._caught_up:
            if not (turns.in_speech and turns.trailing_silence_s == 0.0):
                self._preroll.push(pcm)
                return
            # The caller went on: the held pause leads into their next words.
            self._caught_up = False
            for held in self._preroll.drain():
                self._queue(held)
        self._queue(pcm)
        if turns.in_speech and turns.trailing_silence_s >= self._catch_up_after_s - 1e-9:
            self._caught_up = True
            self._audio.put_nowait(_Mark.CATCH_UP)

    def _queue(self, pcm: bytes) -> None:
        self._audio.put_nowait(pcm)
        self._queued += 1

    def _end_utterance(self, silence: float | None = None) -> None:
        """Queue the utterance for finishing; ``silence``: waited for since the caller's last
        speech (by default, what the turn detector ended the turn after)."""
        now = time.monotonic()
        if silence is None:
            silence = self.turns.ended_after_silence_s
        self._ended_at.append(TurnEnd(now, now - silence))
        self._ends += 1
        self._audio.put_nowait(_Mark.END)

    def expect(self, expecting: Expecting) -> None:
        """What the assistant's last question waits for: words that answer it end the turn
        after a short silence."""
        self._expecting = expecting

    def _answered(self, text: str) -> bool:
        """Whether ``text``, decoded from all the speech so far, answers the question."""
        if self._taken < self._last_speech:
            return False  # speech came after the audio these words were decoded from
        known = self._answers
        if known is not None and known[:2] == (self._expecting, text):
            return known[2]
        answered = dialogue.answers_question(self._expecting, text)
        self._answers = (self._expecting, text, answered)
        return answered

    async def run(self) -> None:
        """Feed the recognizer until cancelled (the session runs this as a task)."""
        while True:
            pcm, mark = await self._next_audio()
            if mark is _Mark.END:
                end = self.handing_over = self._ended_at.pop(0)
                try:
                    text = await self._recognizer.finish(pcm)
                except RecognitionLost:
                    self._sink.recognition_lost(end.decided)
                else:
                    self._sink.utterance(text, end.decided)
                self.handing_over = None
                self._handed += 1
                self._progress.set()
                continue
            if mark is _Mark.CATCH_UP:
                update = await self._recognizer.catch_up(pcm)
            else:
                update = await self._recognizer.feed(pcm)
            if update is None:
                continue
            # Words that answer the question, or the recognizer's endpoint, confirmed by a short
            # silence, end the turn now; unless decoding lags and this audio belongs to an
            # utterance that already ended.
            current = not self._ended_at
            if update.partial:
                answered = current and self._answered(update.partial)
                if self.turns.on_partial(update.partial, answered=answered) and current:
                    self._end_utterance()
                self._sink.partial(update.partial)
            if (
                update.final
                and current
                and self.turns.on_final(update.final) is TurnEvent.END_OF_TURN
            ):
                self._end_utterance()

    async def conclude(self) -> None:
        """The call is ending: end the utterance in progress, if any, and return once every
        utterance so far was handed to the sink (the caller bounds the wait)."""
        if self.turns.in_speech:
            self._end_utterance(silence=0.0)
        target = self._ends
        while self._handed < target:
            self._progress.clear()
            await self._progress.wait()

    async def _next_audio(self) -> tuple[bytes, _Mark | None]:
        """All the audio waiting, up to and including the next marker, if any.

        When decoding lags (many calls at once on few cores), the frames that queued meanwhile
        go to the recognizer in one hand-over instead of one per batch, so a call catches up
        in one wait for a worker thread rather than one wait per 100 ms of audio.
        """
        audio: list[bytes] = []
        item = await self._audio.get()
        while not isinstance(item, _Mark):
            audio.append(item)
            if self._audio.empty():
                break
            item = self._audio.get_nowait()
        self._taken += len(audio)
        return b"".join(audio), item if isinstance(item, _Mark) else None

    def set_dictating(self, dictating: bool) -> None:
        """Use the longer silence window (date of birth, number, name being dictated)."""
        self.turns.set_dictating(dictating)

    def arm_silence_timeout(self) -> None:
        """The assistant finished speaking: start the silence clock."""
        self.turns.arm_silence_timeout()

    def disarm_silence_timeout(self) -> None:
        """The assistant is about to speak: stop the silence clock."""
        self.turns.disarm_silence_timeout()

    async def close(self) -> None:
        """Give the recognizer back."""
        await self._recognizer.close()
