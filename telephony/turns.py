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
  turn earlier once some silence confirms it.
- ``silence-timeout``: the caller said nothing for a long while after the assistant finished;
  while the caller leaves a message, a shorter one ends the message.
"""

from __future__ import annotations

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

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if value <= 0:
                raise ValueError(f"{name} must be positive")
        if self.dictation_end_silence_s < self.end_silence_s:
            raise ValueError("dictation_end_silence_s must not be shorter than end_silence_s")


class TurnDetector:
    """Turn-taking for one call: feed `process` every frame, hints as the recognizer gives them."""

    def __init__(self, params: TurnParams | None = None) -> None:
        self.params = params or TurnParams()
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

    @property
    def in_speech(self) -> bool:
        """True between ``speech-started`` and ``end-of-turn``."""
        return self._in_speech

    @property
    def end_silence_s(self) -> float:
        """The silence window in force."""
        window = (
            self.params.dictation_end_silence_s if self._dictating else self.params.end_silence_s
        )
        return window * self.params.slow_caller_factor if self._slow else window

    def slow_down(self) -> None:
        """The caller asked for slower speech: longer silence windows for the rest of the call."""
        self._slow = True

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

    def on_partial(self, text: str) -> None:
        """The recognizer's partial result: words mean the utterance is not just noise."""
        if self._in_speech and text.strip():
            self._words_heard = True

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
        self._in_speech = True
        self._utterance_s = self._pending_speech
        self._pending_speech = 0.0
        self._trailing_silence = 0.0
        self._speech_run = self._utterance_s
        self._words_heard = False
        self._final_hint = False
        self._timeout_armed = False
        return TurnEvent.SPEECH_STARTED

    def _in_utterance(self, seconds: float, is_speech: bool) -> TurnEvent | None:
        params = self.params
        self._utterance_s += seconds
        if is_speech:
            self._speech_run += seconds
            if self._speech_run >= params.resume_speech_s - 1e-9:
                self._trailing_silence = 0.0
                self._final_hint = False
            else:
                self._trailing_silence += seconds
        else:
            self._speech_run = 0.0
            self._trailing_silence += seconds
        if self._trailing_silence >= self.end_silence_s - 1e-9:
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

    def _end_turn(self) -> TurnEvent:
        self._in_speech = False
        self._pending_speech = 0.0
        self._pending_gap = 0.0
        self._trailing_silence = 0.0
        self._speech_run = 0.0
        self._final_hint = False
        return TurnEvent.END_OF_TURN
