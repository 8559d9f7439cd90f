"""Where a caller's wait goes, stage by stage, for each answer.

From the caller's last speech to the first frame of the answer:

- ``end-of-turn``: the silence waited for before deciding the caller was done (`telephony.turns`);
- ``recognizer-final``: the recognizer's last decoding, and any queue in front of it;
- ``dialogue``: the conversation's turn, and any turn of the same call still in progress;
- ``first-synthesis``: the first audio ready (at once for a ready phrase, Piper's first piece
  otherwise);
- ``first-frame``: the playout sending it (behind audio still queued, if any);

and ``total``, the sum. A queue anywhere shows up as the stage that grows under load. Each
answer's stages go to ``standardiste_turn_stage_seconds`` (by kind of turn: speech, keys, the
greeting) and onto its ``tts-start`` event as ``stages``, which the voice benchmark prints.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from core import TURN_STAGE
from telephony.call_events import CallEventType, EventPump
from telephony.playout import Utterance

STAGES = ("end-of-turn", "recognizer-final", "dialogue", "first-synthesis", "first-frame")
TURN_KINDS = {
    "first-audio": "speech",
    "dtmf-first-audio": "keys",
    "greeting-first-audio": "greeting",
}
"""Latency stage names (``tts-start``'s ``stage``) → the kind of turn in the stage metric."""


@dataclass
class TurnStamps:
    """Moments of one turn (monotonic seconds); None for those it does not have."""

    kind: str
    """``first-audio`` (speech), ``dtmf-first-audio`` (keys) or ``greeting-first-audio``."""
    decided: float
    """The end of the caller's turn (or of the keys, or the stream's start)."""
    speech_end: float | None = None
    recognized: float | None = None
    replied: float | None = None

    def stages(self, synthesized: float | None, sent: float) -> dict[str, float]:
        """Seconds spent in each stage, up to the first frame ``sent``."""
        points = (
            self.speech_end, self.decided, self.recognized, self.replied, synthesized, sent
        )
        stages: dict[str, float] = {}
        for name, begin, end in zip(STAGES, points, points[1:], strict=False):
            if begin is not None and end is not None:
                stages[name] = max(0.0, end - begin)
        stages["total"] = sent - (self.speech_end if self.speech_end is not None else self.decided)
        return stages


class AnswerClock:
    """Times each answer of one call: from the end of the caller's turn to its first frame.

    `start` a turn's stamps; the answer's first utterance is marked as it opens (`opened`,
    unless a newer turn ended meanwhile); `frame_sent` (after every outbound frame) publishes
    the ``tts-start`` event once that utterance's first frame went out.
    """

    def __init__(self, events: EventPump, answered: Callable[[], None] = lambda: None) -> None:
        self._events = events
        self._answered = answered
        """Told when an answer's first frame went out."""
        self._stamps: TurnStamps | None = None
        self._first: Utterance | None = None

    def start(self, stamps: TurnStamps) -> None:
        """A turn ended: its answer is the next one timed."""
        self._stamps, self._first = stamps, None

    def replied(self) -> None:
        """The conversation answered the turn being timed."""
        if self._stamps is not None and self._stamps.replied is None:
            self._stamps.replied = time.monotonic()

    def opened(self) -> Callable[[Utterance], None]:
        """Marks the answer's first utterance, unless a newer turn ended meanwhile."""
        stamps = self._stamps

        def opened(utterance: Utterance) -> None:
            if stamps is not None and self._stamps is stamps and self._first is None:
                self._first = utterance

        return opened

    def frame_sent(self) -> None:
        """A frame went out: the answer's first one ends the timing."""
        first, stamps = self._first, self._stamps
        if first is None or not first.frames_sent or stamps is None:
            return
        self._stamps, self._first = None, None
        self._answered()
        now = time.monotonic()
        stages = stamps.stages(first.audio_at, now)
        turn = TURN_KINDS.get(stamps.kind, stamps.kind)
        for name, seconds in stages.items():
            TURN_STAGE.labels(turn=turn, stage=name).observe(seconds)
        self._events.publish(
            CallEventType.TTS_START,
            key=first.key,
            data={"latency_s": now - stamps.decided, "stage": stamps.kind, "stages": stages},
        )
