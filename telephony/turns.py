"""End of turn as a pure state machine: (frame seconds, is_speech) plus recognizer hints in,
decisions out.

No clock, no audio, no I/O: the session feeds one verdict per 20 ms frame and acts on the
decision. That keeps every timing rule testable without sound, and the same rules hold whether
frames arrive in real time or faster (the call simulator).

- ``speech-started``: enough speech to be a caller talking, not a cough or a click. The session
  starts feeding the recognizer (with its pre-roll) and, if the assistant is speaking, barges in.
- ``end-of-turn``: the caller stopped. The silence window is short for ordinary answers and longer
  while the caller dictates a date of birth, a phone number or a name, where people pause
  between groups of digits or letters. The recognizer's own endpoint (a final result) ends the
  turn earlier once some silence confirms it, and so do words that already answer the question
  asked (a yes, a whole date…: `on_partial` with ``answered``), after a shorter silence still.
- The window learns each caller: once they paused inside their sentences, the ordinary window
  follows their longest recent pause (a fluent speaker waits less, a slow one more), and a
  caller who goes on speaking right after a turn ended (cut off) gets a longer one at once.
  What is learned in an utterance applies from the next one; nothing is learned while the caller
  leaves a message (its utterances are pieces of one answer, which only a long silence ends).
- ``silence-timeout``: the caller said nothing for a long while after the assistant finished;
  while the caller leaves a message, a shorter one ends the message.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class TurnEvent(StrEnum):
    """What the detector decided on a frame or a recognizer hint."""

    SPEECH_STARTED = "speech-started"
    END_OF_TURN = "end-of-turn"
    SILENCE_TIMEOUT = "silence-timeout"


@dataclass(frozen=True)
class TurnParams:
    """Timings of turn-taking, in seconds."""

    min_speech_s: float = 0.2
    """Speech needed before an utterance counts (and can barge in): shorter bursts are coughs,
    clicks or line noise. Kept below a short "oui" (~0.25–0.4 s)."""
    speech_gap_reset_s: float = 0.1
    """Before the utterance counts, this much non-speech forgets the speech seen so far."""
    end_silence_s: float = 0.6
    """Silence after speech that ends an ordinary turn."""
    dictation_end_silence_s: float = 1.2
    """Silence that ends a turn while the caller dictates (date of birth, number, name)."""
    resume_speech_s: float = 0.06
    """Speech needed to cancel the trailing silence: a lone noisy frame does not."""
    final_hint_silence_s: float = 0.3
    """Silence that suffices once the recognizer has returned a final result with words."""
    silence_timeout_s: float = 7.0
    """No speech this long after the assistant finished: the caller is reprompted."""
    message_end_s: float = 3.0
    """No speech this long while the caller leaves a message (after at least one utterance of
    it): the message is over. Longer than the pauses people make between two sentences."""
    max_utterance_s: float = 30.0
    """An utterance this long ends anyway (a noisy line VAD takes for speech)."""
    slow_caller_factor: float = 1.5
    """Once a caller asked to hear it slower, their silences may be this much longer before
    their turn ends (people who need slower speech often speak slower too)."""
    answered_end_silence_s: float = 0.25
    """Silence that ends a turn whose words already answer the question asked (a plain yes, a
    whole date of birth, a name: `dialogue.answers_question`), whatever the window in force."""
    learned_margin: float = 1.3
    learned_pad_s: float = 0.12
    """A caller who paused inside their sentences gets ``margin`` × their longest recent pause
    + ``pad`` as ordinary window (never less for dictation)."""
    learned_floor_s: float = 0.45
    """The shortest ordinary window a fluent caller's pauses can bring."""
    learned_ceiling_s: float = 2.0
    """The longest window a slow caller's pauses can bring."""
    pause_min_s: float = 0.1
    """Silences inside an utterance shorter than this are gaps between words, not pauses."""
    continued_within_s: float = 0.7
    """Speech this soon after a turn ended on silence: the caller had not finished (the gap
    counts as one of their pauses)."""
    pauses_kept: int = 8
    """Recent pauses the window follows."""

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if value <= 0:
                raise ValueError(f"{name} must be positive")
        if self.dictation_end_silence_s < self.end_silence_s:
            raise ValueError("dictation_end_silence_s must not be shorter than end_silence_s")
        if self.answered_end_silence_s > self.end_silence_s:
            raise ValueError("answered_end_silence_s must not be longer than end_silence_s")


class TurnDetector:
    """Turn-taking for one call: feed `process` every frame, hints as the recognizer gives them."""

    def __init__(
        self, params: TurnParams | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.params = params or TurnParams()
        self._clock = clock
        """Only to tell a caller cut off from one who answers later: the frames count time,
        but a line may send none for a while (a simulator, a stream between utterances)."""
        self._ended_clock = 0.0
        self._in_speech = False
        self._pending_speech = 0.0
        self._pending_gap = 0.0
        self._utterance_s = 0.0
        self._trailing_silence = 0.0
        self._speech_run = 0.0
        self._words_heard = False
        self._final_hint = False
        self._timeout_armed = False
        self._quiet_s = 0.0
        self._dictating = False
        self._leaving_message = False
        self._slow = False
        self._answered = False
        self._answered_window = self.params.answered_end_silence_s
        self._pauses = {
            dictating: deque[float](maxlen=self.params.pauses_kept) for dictating in (False, True)
        }
        """The caller's recent pauses inside utterances (seconds), for the learned windows:
        apart while dictating, where people pause between groups of digits."""
        self._new_pauses: list[float] = []
        """Pauses of the utterance in progress: learned once it ends."""
        self._ended_on: tuple[float, bool] | None = None
        """The last turn's trailing silence when it ended on one, and whether its words
        answered the question; None once the caller spoke again or it ended on the cap."""
        self._since_end_s = 0.0

    @property
    def in_speech(self) -> bool:
        """True between ``speech-started`` and ``end-of-turn``."""
        return self._in_speech

    @property
    def end_silence_s(self) -> float:
        """The silence window in force (learned from the caller's pauses, see the module)."""
        params = self.params
        learned = self.learned_window_s
        if self._dictating:
            window = params.dictation_end_silence_s
            window = window if learned is None else max(window, learned)
        else:
            window = params.end_silence_s if learned is None else learned
        return window * params.slow_caller_factor if self._slow else window

    @property
    def learned_window_s(self) -> float | None:
        """The window this caller's pauses call for (ordinary, or while dictating, as now);
        None before any pause."""
        pauses = self._pauses[self._dictating]
        if not pauses:
            return None
        params = self.params
        wanted = params.learned_margin * max(pauses) + params.learned_pad_s
        return min(params.learned_ceiling_s, max(params.learned_floor_s, wanted))

    def slow_down(self) -> None:
        """The caller asked for slower speech: longer silence windows for the rest of the call."""
        self._slow = True

    @property
    def trailing_silence_s(self) -> float:
        """Silence since the caller's last speech in the utterance in progress (0 outside one)."""
        return self._trailing_silence if self._in_speech else 0.0

    @property
    def utterance_s(self) -> float:
        """Length of the current (or last) utterance, trailing silence included."""
        return self._utterance_s

    def set_dictating(self, dictating: bool) -> None:
        """Use the longer window while the caller dictates (see `dialogue` ``Expecting``)."""
        self._dictating = dictating

    def set_leaving_message(self, leaving: bool) -> None:
        """Use the message's end-of-message silence instead of the reprompt's timeout."""
        self._leaving_message = leaving

    @property
    def silence_timeout_s(self) -> float:
        """The silence timeout in force."""
        if self._leaving_message:
            return self.params.message_end_s
        return self.params.silence_timeout_s

    def arm_silence_timeout(self) -> None:
        """Start the silence clock: the assistant finished speaking and waits for the caller."""
        self._timeout_armed = True
        self._quiet_s = 0.0

    def disarm_silence_timeout(self) -> None:
        """Stop the silence clock (the assistant is about to speak)."""
        self._timeout_armed = False

    def process(self, seconds: float, is_speech: bool) -> TurnEvent | None:
        """Take one frame's voice-activity verdict.

        Args:
            seconds: The frame's length (0.02 for Twilio's frames).
            is_speech: The voice activity detector's verdict on it.

        Returns:
            The decision this frame brings, or None.
        """
        if self._in_speech:
            return self._in_utterance(seconds, is_speech)
        return self._while_quiet(seconds, is_speech)

    def on_partial(self, text: str, *, answered: bool = False) -> TurnEvent | None:
        """The recognizer's partial result: words mean the utterance is not just noise.

        Args:
            text: The words so far.
            answered: They already answer the question asked, and no speech came after the
                audio they were decoded from (the caller decides: `telephony.listening`).

        Returns:
            ``end-of-turn`` when the words answer and the short silence already passed.
        """
        if not self._in_speech or not text.strip():
            return None
        self._words_heard = True
        self._answered = answered
        if answered and self._trailing_silence >= self._answered_window - 1e-9:
            return self._end_turn()
        return None

    def on_final(self, text: str) -> TurnEvent | None:
        """The recognizer's own endpoint; ends the turn once a short silence confirms it.

        Returns:
            ``end-of-turn`` when the silence already suffices, else None.
        """
        if not self._in_speech or not text.strip():
            return None
        self._words_heard = True
        self._final_hint = True
        if self._trailing_silence >= self.params.final_hint_silence_s:
            return self._end_turn()
        return None

    def _while_quiet(self, seconds: float, is_speech: bool) -> TurnEvent | None:
        params = self.params
        self._since_end_s += seconds
        if is_speech:
            self._pending_speech += seconds
            self._pending_gap = 0.0
            if self._pending_speech >= params.min_speech_s - 1e-9:
                return self._start_utterance()
            return None
        self._pending_gap += seconds
        if self._pending_gap >= params.speech_gap_reset_s - 1e-9:
            self._pending_speech = 0.0
        if self._timeout_armed and self._pending_speech == 0.0:
            self._quiet_s += seconds
            if self._quiet_s >= self.silence_timeout_s - 1e-9:
                self._timeout_armed = False
                return TurnEvent.SILENCE_TIMEOUT
        return None

    def _start_utterance(self) -> TurnEvent:
        # A message's utterances are pieces of one answer, not turns: nothing to learn from
        # where they were cut (only the long silence after them ends the message).
        if self._ended_on is not None and not self._leaving_message:
            silence, answered = self._ended_on
            # The frames and the clock both undercount the gap (missing frames; frames faster
            # than real time): the larger is nearer the truth.
            quiet = max(self._since_end_s, self._clock() - self._ended_clock)
            gap = silence + quiet - self._pending_speech
            if gap <= silence + self.params.continued_within_s + 1e-9:
                # Cut off: the caller was only pausing. Their window covers that pause now.
                self._pauses[self._dictating].append(gap)
                if answered:
                    self._answered_window = min(self.end_silence_s, 2 * self._answered_window)
        self._ended_on = None
        self._in_speech = True
        self._utterance_s = self._pending_speech
        self._pending_speech = 0.0
        self._trailing_silence = 0.0
        self._speech_run = self._utterance_s
        self._words_heard = False
        self._final_hint = False
        self._answered = False
        self._new_pauses.clear()
        self._timeout_armed = False
        return TurnEvent.SPEECH_STARTED

    def _in_utterance(self, seconds: float, is_speech: bool) -> TurnEvent | None:
        params = self.params
        self._utterance_s += seconds
        if is_speech:
            self._speech_run += seconds
            if self._speech_run >= params.resume_speech_s - 1e-9:
                if self._trailing_silence > 0:
                    # The speech frames before this one were counted as silence.
                    pause = self._trailing_silence - (self._speech_run - seconds)
                    if pause >= params.pause_min_s - 1e-9:
                        self._new_pauses.append(pause)
                self._trailing_silence = 0.0
                self._final_hint = False
                self._answered = False
            else:
                self._trailing_silence += seconds
        else:
            self._speech_run = 0.0
            self._trailing_silence += seconds
        if self._trailing_silence >= self.end_silence_s - 1e-9:
            return self._end_turn()
        if self._answered and self._trailing_silence >= self._answered_window - 1e-9:
            return self._end_turn()
        if (
            self._final_hint
            and self._words_heard
            and self._trailing_silence >= params.final_hint_silence_s - 1e-9
        ):
            return self._end_turn()
        if self._utterance_s >= params.max_utterance_s - 1e-9:
            return self._end_turn()
        return None

    def answer_started(self) -> None:
        """The answer to the last turn started playing: speech from now on replies to it (or
        barges in), it no longer tells that the caller had not finished."""
        if not self._in_speech:
            self._ended_on = None

    @property
    def ended_after_silence_s(self) -> float:
        """The silence the last turn ended after (0 when it ended on the length cap)."""
        return self._ended_on[0] if self._ended_on is not None else 0.0

    def _end_turn(self) -> TurnEvent:
        silent = self._trailing_silence > 0
        self._ended_on = (self._trailing_silence, self._answered) if silent else None
        self._since_end_s = 0.0
        self._ended_clock = self._clock()
        if not self._leaving_message:
            self._pauses[self._dictating].extend(self._new_pauses)
        self._new_pauses.clear()
        self._answered = False
        self._in_speech = False
        self._pending_speech = 0.0
        self._pending_gap = 0.0
        self._trailing_silence = 0.0
        self._speech_run = 0.0
        self._final_hint = False
        return TurnEvent.END_OF_TURN
