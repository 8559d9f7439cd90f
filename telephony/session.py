"""`CallSession`: one phone call, wired from the media stream to the dialogue and back.

Data goes one way: inbound frames → `Listener` (codec, voice activity, pre-roll, recognizer in
worker threads, end of turn) → the conversation (`dialogue.Conversation`: text, digits or
silence in, a `dialogue.TurnResult` out) → `ReplySpeaker` (ready audio or Piper, sentence by
sentence) → `Playout` (pacing, marks) → outbound frames. Control goes the other way as single
events: a barge-in (the caller speaks over interruptible audio) flags the speaker, flushes the
playout and sends one ``clear``.

The session holds nothing that must outlive the socket: the dialogue lives in Rasa's tracker and
the database. Any stage failing becomes an ``error`` event and the caller hears the French
technical-problem prompt before the call ends; the call is never just dropped. At the end
(the goodbye heard, the caller's ``stop`` or a dropped socket: then their last words first, see
`telephony.last_words`) the conversation is closed with the reason, which releases holds and
leaves unfinished requests in the inbox.

When the practice records calls, the session asks for consent after the disclosure, before the
dialogue's first question (`telephony.recording_consent`); the dialogue never sees that
exchange. After a clear yes, a `CallRecorder` taps the inbound frames and the playout's outbound
ones until the call ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from dataclasses import replace
from typing import Any

from dialogue import CallEnd, Conversation, Expecting, Pace, Reply, TurnResult
from telephony import last_words
from telephony.call_events import CallEventType, CallObserver, EventPump
from telephony.call_inputs import (
    DICTATION,
    KEYED_IN,
    CallInput,
    CallPhrases,
    after_disclosure,
)
from telephony.emergency_words import PartialWatch, words_over_last
from telephony.heard import arm_when_heard, until_heard
from telephony.keypad import Keypad
from telephony.listening import Listener
from telephony.opening import Consent, open_saying_first_words
from telephony.playout import Playout, Send, Utterance
from telephony.recorder import CallRecorder
from telephony.recording_consent import RecordingConsent, interpret
from telephony.speaking import ReplySpeaker
from telephony.stt import Recognizer
from telephony.tts_piper import PromptAudio
from telephony.turn_timing import AnswerClock, TurnStamps
from telephony.twilio_stream import Dtmf, Mark, Media, ProtocolError, Stop, parse_message
from telephony.voice_service import VoiceService

_LOGGER = logging.getLogger(__name__)


class CallSession:
    """One call (see the module docstring); `run` returns the reason it ended."""

    def __init__(
        self,
        *,
        call_sid: str,
        stream_sid: str,
        conversation: Conversation,
        recognizer: Recognizer,
        voice: VoiceService,
        prompt_audio: PromptAudio,
        send: Send,
        hang_up: Callable[[], Awaitable[None]],
        mode: str = "assistant",
        observers: Sequence[CallObserver] = (),
        recording: Consent = None,
        phrases: CallPhrases | None = None,
        first_words: Reply | None = None,
    ) -> None:
        params = self._params = voice.params
        self._phrases = phrases or CallPhrases()
        self.call_sid = call_sid
        self._conversation = conversation
        self._send_raw = send
        self._hang_up = hang_up
        self._mode = mode
        self.events = EventPump(call_sid, [*voice.observers, *observers])
        self._publish = self.events.publish
        self._grace_s = params.mark_grace_s
        self.playout = Playout(self._send, stream_sid, lead_s=params.lead_s)
        self.listener = Listener(
            recognizer, self, turns=params.turns, vad=params.vad, preroll_s=params.preroll_s
        )
        self.speaker = ReplySpeaker(self.playout, voice.synthesis, prompt_audio, voice.replies)
        self.keypad = Keypad(self._keyed)
        self._inputs: asyncio.Queue[CallInput] = asyncio.Queue()
        self._tasks: set[asyncio.Task[None]] = set()
        self._arming: asyncio.Task[None] | None = None
        self._expecting = Expecting.ANYTHING
        self.answers = AnswerClock(self.events, self.listener.turns.answer_started)
        self._first_words = first_words
        """Said as the call starts, while the conversation opens (`telephony.opening`)."""
        self._early: list[Utterance] = []
        """The first words' audio: part of the opening's answer (heard before listening)."""
        self._ended = asyncio.Event()
        self._failing = False
        self._hang_up_needed = False
        self._recording = recording
        self.recorder: CallRecorder | None = None
        """The recording, once the caller consented."""
        self._said: list[Utterance] = []
        """The utterances of the last answer."""
        self._partials = PartialWatch()
        self.end_reason: str | None = None

    # --- life cycle -------------------------------------------------------------------

    async def run(self, frames: AsyncIterator[str | bytes]) -> str:
        """Drive the call from the stream's frames (after ``start``) until it ends."""
        self.answers.start(TurnStamps("greeting-first-audio", decided=time.monotonic()))
        self._spawn(self.events.run(), "events")
        self._publish(CallEventType.CALL_START, data={"mode": self._mode})
        self.playout.start()
        self._spawn(self.listener.run(), "recognition")
        self._spawn(self._converse(), "dialogue")
        self._spawn(self._read(frames), "stream")
        try:
            await self._ended.wait()
        finally:
            await self._shutdown()
        return self.end_reason or "dropped"

    def _end(self, reason: str, *, hang_up: bool = False) -> None:
        if self.end_reason is None:
            self.end_reason = reason
            self._hang_up_needed = hang_up
            self._ended.set()

    async def _shutdown(self) -> None:
        reason = self.end_reason or "dropped"
        self.keypad.cancel_timer()
        workers = [
            t for t in (*self._tasks, self._arming) if t is not None and t.get_name() != "events"
        ]
        # Recognition goes on until the caller's last words are handed over (last_words).
        for task in (others := [t for t in workers if t.get_name() != "recognition"]):
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        if reason in last_words.CALLER_ENDED:
            await last_words.hand_over(self.listener, self.keypad, self._inputs,
                                       self._conversation, self.events, self._params)
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        await self.playout.close()
        for step, closing in (
            ("recording-close", self._close_recording),
            ("recognizer-close", self.listener.close),
            ("dialogue-close", lambda: self._conversation.close(reason)),
        ):
            try:
                await closing()
            except Exception:  # the call is over either way; the record says what was missed
                _LOGGER.exception("call close step failed", extra={"call_sid": self.call_sid})
                self._publish(CallEventType.ERROR, key=f"{step}-failed")
        if self._hang_up_needed:
            # After the record is closed: Twilio then asks /twilio/connect-action what next.
            with contextlib.suppress(Exception):
                await self._hang_up()
        self._publish(CallEventType.CALL_END, key=reason)
        await self.events.drain()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, work: Coroutine[Any, Any, None], stage: str) -> None:
        task = asyncio.create_task(self._guard(work, stage), name=stage)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guard(self, work: Coroutine[Any, Any, None], stage: str) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception:
            _LOGGER.exception("call stage failed", extra={"call_sid": self.call_sid, "at": stage})
            await self._fail(stage)

    async def _fail(self, stage: str) -> None:
        """An error event, the technical-problem prompt heard, then the end of the call."""
        self._publish(CallEventType.ERROR, key=f"{stage}-failed")
        if self._failing or self.end_reason is not None:
            return
        self._failing = True
        self.speaker.interrupt()
        await self.playout.interrupt()
        fallback = replace(self._phrases.technical_problem, interruptible=False)
        try:
            await until_heard(await self.speaker.say([fallback]), self._grace_s, self.call_sid)
        finally:
            self._end("error", hang_up=True)

    # --- inbound ------------------------------------------------------------------------

    async def _read(self, frames: AsyncIterator[str | bytes]) -> None:
        async for frame in frames:
            event = parse_message(frame)
            if isinstance(event, Media):
                self.listener.push(event.payload)
                if self.recorder is not None:
                    self.recorder.inbound(event.payload)
            elif isinstance(event, Mark):
                self.playout.on_mark(event.name)
            elif isinstance(event, Dtmf):
                self._on_digit(event.digit)
            elif isinstance(event, Stop):
                self._end("hangup")
                return
            elif isinstance(event, ProtocolError):
                extra = {"call_sid": self.call_sid, "code": event.code.value, "event": event.event}
                _LOGGER.warning("malformed media stream frame; ignored", extra=extra)
        self._end("dropped")

    def speech_started(self) -> None:
        """Listener: the caller speaks; over interruptible audio, that is a barge-in."""
        if self.playout.busy or self.speaker.speaking:
            self._spawn(self._barge_in(), "barge-in")

    def partial(self, text: str) -> None:
        """Listener: partial words; a long utterance's certain emergency ends the turn now."""
        self._publish(CallEventType.STT_PARTIAL, text=text)
        if self._partials.alarming(text, self.listener.turns.utterance_s):
            self._take(text, time.monotonic())

    def utterance(self, text: str, turn_ended_at: float) -> None:
        """Listener: an utterance's text; the dialogue takes it next (unless its partial words
        were answered already)."""
        now = time.monotonic()
        self._publish(CallEventType.STT_END, text=text, data={"speech_end_s": now - turn_ended_at})
        if not self._partials.utterance_ended():
            end = self.listener.handing_over
            self._take(text, turn_ended_at, end.speech_end if end else None)

    def _take(self, text: str, turn_ended_at: float, speech_end: float | None = None) -> None:
        self.answers.start(
            TurnStamps("first-audio", turn_ended_at, speech_end, recognized=time.monotonic())
        )
        self._inputs.put_nowait(CallInput("text", text, turn_ended_at))

    def recognition_lost(self, turn_ended_at: float) -> None:
        """Listener: the utterance died with its recognition worker; the caller is asked again."""
        self._publish(CallEventType.ERROR, key="recognition-lost")
        self.utterance("", turn_ended_at)

    def silence_timeout(self) -> None:
        """Listener: the caller has said nothing for a while."""
        self._inputs.put_nowait(CallInput("silence"))

    def _on_digit(self, digit: str) -> None:
        if not self.keypad.pending and (self.playout.busy or self.speaker.speaking):
            self._spawn(self._barge_in(), "barge-in")
        self.listener.disarm_silence_timeout()
        self.keypad.press(
            digit,
            number=self._expecting in KEYED_IN,
            end_key=self._expecting is Expecting.MESSAGE,
        )

    def _keyed(self, digits: str) -> None:
        now = time.monotonic()
        self.answers.start(TurnStamps("dtmf-first-audio", now, recognized=now))
        self._inputs.put_nowait(CallInput("digits", digits, now))

    async def _barge_in(self) -> None:
        self.speaker.interrupt()
        interruption = await self.playout.interrupt()
        if interruption.stopped:
            self._publish(
                CallEventType.BARGE_IN,
                data={
                    "cleared": interruption.cleared,
                    "stopped": [u.key for u in interruption.stopped],
                },
            )

    # --- the conversation and the answers -------------------------------------------

    async def _converse(self) -> None:
        began = time.monotonic()
        opening, self._early = await open_saying_first_words(
            self._conversation, self._first_words, self.speaker, self.answers
        )
        recording = self._recording() if callable(self._recording) else self._recording
        if recording is not None and not opening.ended:
            opening = await self._ask_consent(recording, opening, began)
            began = time.monotonic()
        if await self._respond(opening, began):
            return
        while True:
            item = await self._inputs.get()
            began = time.monotonic()
            if item.kind == "text" and not item.value.strip():
                # Speech nobody understood (a cough, noise): ask again, the dialogue unchanged.
                result = TurnResult(replies=[self._phrases.say_again], expecting=self._expecting)
            elif item.kind == "text":
                result = await self._conversation.handle_text(item.value)
            elif item.kind == "digits":
                result = await self._conversation.handle_digits(item.value)
            else:
                result = await self._conversation.handle_silence()
            if await self._respond(result, began):
                return

    async def _ask_consent(
        self, recording: RecordingConsent, opening: TurnResult, began: float
    ) -> TurnResult:
        """Ask after the disclosure; returns what to say next (the rest of the opening, or
        the dialogue's answer when the caller's words were not a yes or a no)."""
        split = after_disclosure(opening.replies)
        replies = [*opening.replies[:split], recording.question]
        await self._respond(TurnResult(replies, expecting=Expecting.CONFIRMATION), began)
        question = self._said[-1]
        try:
            await recording.asked()
        except Exception:  # a transcript line lost; the call goes on
            _LOGGER.exception("recording question not stored", extra={"call_sid": self.call_sid})
        while True:
            item = await self._inputs.get()
            consent = interpret(item.kind, item.value)
            # A yes or a key from before the question began is no answer to it (an "allô, oui"
            # over the greeting): wait for one. Other words go to the dialogue, as they would.
            start = question.started_at
            early = item.kind != "silence" and (start is None or item.at < start)
            if not early or consent.forward is not None:
                break
        self._publish(CallEventType.RECORDING_CONSENT, key=consent.answer.value)
        try:
            recorded = await recording.answered(consent) and consent.given
        except Exception:  # no record of the consent, so no recording
            _LOGGER.exception("recording consent not stored", extra={"call_sid": self.call_sid})
            self._publish(CallEventType.ERROR, key="recording-consent-failed")
            recorded = False
        if recorded:
            self.recorder = recording.recorder()
            self.recorder.start()
            self.playout.monitor = self.recorder
        if consent.forward is not None:
            return await self._conversation.handle_text(consent.forward)
        rest = [recording.acknowledgement(recorded=recorded), *opening.replies[split:]]
        return TurnResult(replies=rest, expecting=opening.expecting)

    async def _close_recording(self) -> None:
        recorder, self.recorder = self.recorder, None
        self.playout.monitor = None
        if recorder is not None and await recorder.close() is None:
            self._publish(CallEventType.ERROR, key="recording-failed")

    async def _respond(self, result: TurnResult, began: float) -> bool:
        """Say a turn's answer; True when the call ends with it (after it was heard)."""
        self.answers.replied()
        keys = [reply.key for reply in result.replies]
        self._publish(
            CallEventType.DIALOGUE_END,
            data={"keys": keys, "duration_s": time.monotonic() - began, "ended": result.ended},
        )
        emergency = next((reply.key for reply in result.replies if reply.emergency), None)
        if emergency:
            self._publish(CallEventType.SAFETY_HIT, key=emergency)
        self._expecting = result.expecting
        if result.pace is Pace.SLOWER:
            self.speaker.slow_down()
            self.listener.turns.slow_down()
        self.listener.set_dictating(result.expecting in DICTATION)
        self.listener.expect(result.expecting)
        self.listener.turns.set_leaving_message(result.expecting is Expecting.MESSAGE)
        self.listener.disarm_silence_timeout()
        if self._arming is not None:
            self._arming.cancel()
        said = await self.speaker.say(result.replies, started=self.answers.opened())
        utterances, self._early = [*self._early, *said], []
        self._said = utterances
        if result.ended:
            late = await words_over_last(utterances, self._inputs, self._grace_s, self.call_sid,
                                         answered=emergency is not None)
            if late is not None:
                return await self._respond(await self._conversation.handle_text(late), began)
            transfer = result.end is CallEnd.TRANSFER
            self._end("transferred" if transfer else "completed", hang_up=True)
            return True
        self._arming = asyncio.create_task(arm_when_heard(utterances, self.listener))
        return False

    async def _send(self, message: str) -> None:
        await self._send_raw(message)
        # The answer's first frame: what the caller waited for since their turn ended.
        self.answers.frame_sent()
