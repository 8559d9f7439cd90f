"""`DialogueSession`: the assistant's conversation, which every channel (voice, chat, terminal)
drives.

A turn runs in stages: normalise the recognised text → the emergency check (`SafetyGate`,
before, and without, the NLU) → Rasa (`RasaTurn`) → replies with their response keys. Keypad
digits and silences are read against the last question (`keypad_silence`); what the
conversation cannot finish is handed over to the inbox (`handover`). Events go to observers (the
transcript recorder, metrics). Nothing about the conversation lives only in this object: Rasa's
tracker store holds the dialogue, the database holds the call, its turns and messages, so a
session can be rebuilt from its id by any process (`DialogueSession.resume`).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from dataclasses import replace

from starlette.concurrency import run_in_threadpool

import agenda
import transcripts
from core import AppContext, PracticeConfig
from dialogue import catalogue, handover, keypad_silence, understood
from dialogue.call_log import CallLog, open_call, spool_of
from dialogue.conversation import CallEnd, Expecting, Pace, Reply, TurnResult
from dialogue.errors import DatabaseUnavailableError, DialogueError
from dialogue.events import DialogueEventType, EventSink, Observer
from dialogue.french.asking_again import AskedAgain, asked_again
from dialogue.french.giving_up import gives_up
from dialogue.french.normalize import normalize_transcript
from dialogue.rasa_turn import RasaTurn
from dialogue.recording import MetricsObserver, TranscriptRecorder
from dialogue.safety_gate import (
    EMERGENCY_OUTCOME,
    SafetyGate,
    Screened,
    check_emergency,
    emergency_details,
    emergency_replies,
)

_LOGGER = logging.getLogger(__name__)


class DialogueSession:
    """One conversation with the assistant; implements `dialogue.Conversation`."""

    def __init__(
        self,
        context: AppContext,
        *,
        conversation_id: str,
        caller: str | None,
        channel: str,
        started_at: dt.datetime,
        simulated_start: dt.datetime | None = None,
        observers: Sequence[Observer] | None = None,
    ) -> None:
        self._id = conversation_id
        self._caller = caller
        self._started_at = _aware(started_at)
        self._simulated_start = _aware(simulated_start) if simulated_start else None
        self._log = CallLog(context, conversation_id)
        self._events = EventSink(
            conversation_id,
            observers if observers is not None else default_observers(context, channel),
        )
        self._rasa = RasaTurn(context, conversation_id, channel)
        self._safety = SafetyGate(self._log, self._events, caller)

    # --- life cycle -------------------------------------------------------------------

    @classmethod
    async def open(
        cls,
        context: AppContext,
        *,
        conversation_id: str,
        caller: str | None = None,
        channel: str = "voice",
        answered_by: str = "assistant",
        simulated_start: dt.datetime | None = None,
        observers: Sequence[Observer] | None = None,
    ) -> DialogueSession:
        """Open (or find: the voice webhook opened it already) the call record; a new session."""
        call = await open_call(
            context, conversation_id, caller=caller, channel=channel, answered_by=answered_by,
            simulated_start=simulated_start,
        )
        return cls.from_call(context, call, observers)

    @classmethod
    def from_call(
        cls, context: AppContext, call: transcripts.Call, observers: Sequence[Observer] | None
    ) -> DialogueSession:
        """The session of an existing call record."""
        return cls(
            context,
            conversation_id=call.call_sid,
            caller=call.caller,
            channel=call.channel,
            started_at=call.started_at,
            simulated_start=call.simulated_start,
            observers=observers,
        )

    @classmethod
    async def unreachable_turn(
        cls, context: AppContext, conversation_id: str, said: str
    ) -> TurnResult:
        """A turn whose conversation cannot even be read (the database does not answer).

        The caller's words, a callback request and the technical-problem reply go to the
        spool, to be written when the database is back; the caller hears that the practice
        will call back (the number is the call record's, found at replay).
        """
        practice = context.practice_store.cached
        now = dt.datetime.now(dt.UTC)
        hit = check_emergency(said)
        if hit is not None:
            # No question can wait for its answer here: any sign gets the emergency answer.
            replies = emergency_replies(hit, practice)
            kind, details = transcripts.MessageKind.EMERGENCY, emergency_details(hit)
            outcome: tuple[transcripts.PendingWrite, ...] = (
                transcripts.outcome_write(conversation_id, EMERGENCY_OUTCOME),
            )
        else:
            replies = [catalogue.say("utter_technical_problem", practice)]
            kind, details, outcome = transcripts.MessageKind.CALLBACK, {"reason": "technical"}, ()
        writes = [
            transcripts.turn_write(conversation_id, transcripts.Speaker.CALLER, said, None, now),
            transcripts.message_write(conversation_id, kind, transcripts.CallerIdentity(),
                                      details, with_said=hit is None),
            *(
                transcripts.turn_write(
                    conversation_id, transcripts.Speaker.ASSISTANT, r.text, r.key, now
                )
                for r in replies
            ),
            *outcome,
            transcripts.end_write(conversation_id, "error"),
        ]
        await run_in_threadpool(transcripts.write_durably, context.db, spool_of(context), *writes)
        return result_of(replies, practice)

    @property
    def conversation_id(self) -> str:
        """The CallSid (voice) or chat session id; Rasa's sender id."""
        return self._id

    def local_now(self, practice: PracticeConfig) -> dt.datetime:
        """The conversation's practice-local time (simulated for chat try-outs that ask it)."""
        now = dt.datetime.now(dt.UTC)
        if self._simulated_start is not None:
            now = self._simulated_start + (now - self._started_at)
        return now.astimezone(practice.tz)

    @property
    def database_down(self) -> bool:
        """Whether the database failed this session (its writes went to the spool)."""
        return self._log.database_down

    # --- turns --------------------------------------------------------------------------

    async def start(self) -> TurnResult:
        """The greeting: the practice's name, the automated-assistant disclosure, the question."""
        practice = await self._log.practice()
        replies = [
            catalogue.greeting(practice),
            catalogue.say("utter_disclosure", practice),
            catalogue.say("utter_how_can_i_help", practice),
        ]
        await self._events.emit(DialogueEventType.CALL_START, replies=replies)
        return result_of(replies, practice)

    async def handle_text(self, text: str) -> TurnResult:
        """One caller turn: the emergency check first, then the dialogue."""
        normalized = normalize_transcript(text)
        if not normalized:
            return await self.handle_silence()
        await self._events.emit(DialogueEventType.CALLER_TURN, text=text.strip())
        practice = await self._log.practice()
        screened = await self._safety.screen(normalized, practice)
        if not screened.replies and not self.database_down:
            again = asked_again(screened.said)
            repeated = await self._again(again, practice) if again is not None else None
            if repeated is not None:
                return repeated
            if gives_up(screened.said) and await self._request_in_progress():
                # Not a name nor an answer: the call ends, and `close` leaves the request as
                # it stands in the inbox.
                return await self._said([catalogue.say(GIVEN_UP, practice)], practice)
        return await self._screened(screened, practice)

    async def _request_in_progress(self) -> bool:
        """Whether a request's form is asking its questions, other than the message's own words
        (where "je rappellerai demain" is the message)."""
        question = keypad_silence.last_question(await self._log.turns())
        if question is None or question.key in _FREE_TEXT_QUESTIONS:
            return False
        try:
            state = await self._rasa.state()
        except DialogueError:
            return False
        return (state.active_form or "") in understood.FORM_KINDS

    async def _again(self, again: AskedAgain, practice: PracticeConfig) -> TurnResult | None:
        """"Pardon ?", "plus lentement": the last question again, "attendez": we wait; the
        dialogue untouched (no answer, no miss); None when nothing was asked yet."""
        question = keypad_silence.last_question(await self._log.turns())
        if question is None:
            return None
        held = again is AskedAgain.HOLD
        said = catalogue.say(keypad_silence.HOLD_KEY, practice) if held else question
        result = await self._said([said], practice)
        pace = Pace.SLOWER if again is AskedAgain.SLOWER else None
        return replace(result, pace=pace)

    async def handle_digits(self, digits: str) -> TurnResult:
        """Keypad digits, a fallback: 1/2 for yes/no, a date of birth, a phone number, or the
        position of a slot read out."""
        digits = keypad_silence.clean_digits(digits)
        await self._events.emit(
            DialogueEventType.CALLER_TURN, text=digits, key=keypad_silence.DIGITS_KEY
        )
        expecting = keypad_silence.last_expecting(await self._log.turns())
        practice = await self._log.practice()
        words = keypad_silence.digits_as_words(digits, expecting)
        if await self._safety.pending() is not None:
            # The emergency question: 1 is yes, 2 is no, any other key no answer.
            return await self._screened(await self._safety.screen(words or "", practice), practice)
        if self.database_down:
            return await self._technical_problem(_DATABASE_DOWN, practice)
        if words is not None:
            return await self._dialogue_turn(words, practice)
        return await self._said([catalogue.say("utter_keypad_not_understood", practice)], practice)

    async def handle_silence(self) -> TurnResult:
        """Reprompt (with the last question again); the second time, take a message and end.
        After the emergency question, silence is no answer: the emergency answer."""
        await self._events.emit(
            DialogueEventType.CALLER_TURN, text="", key=keypad_silence.SILENCE_KEY
        )
        practice = await self._log.practice()
        emergency = await self._safety.silence(practice)
        if emergency is not None:
            return await self._said(emergency, practice)
        turns = await self._log.turns()
        if self.database_down:
            return await self._technical_problem(_DATABASE_DOWN, practice)
        if keypad_silence.trailing_silences(turns) >= keypad_silence.silences_before(turns):
            await handover.leave_unfinished(self._log, self._rasa, self._caller, "silence")
            return await self._said([catalogue.say("utter_silence_goodbye", practice)], practice)
        replies = [catalogue.say("utter_silence_reprompt", practice)]
        question = keypad_silence.last_question(turns)
        if question is not None:
            replies.append(question)
        return await self._said(replies, practice)

    async def close(self, reason: str) -> None:
        """End of the call: leave what was understood when a request was left unfinished,
        release held slots, and close the call record. Gone with the emergency question
        unanswered: the urgent note."""
        await self._safety.hung_up()
        turns = await self._log.turns()
        ending = handover.ending(turns)
        spoke = any(t.speaker == transcripts.Speaker.CALLER for t in turns)
        # A request left half-way (the caller hung up, or said goodbye mid-form) goes to the
        # inbox; not after a transfer (someone is on the line), an emergency (noted), a failure
        # (handed over, or booked after all), nor an answer whose offer was declined.
        if (
            spoke
            and ending not in (CallEnd.TRANSFER, handover.EMERGENCY_END)
            and _last_key(turns) not in _FAILURE_KEYS
            and not handover.answered_then_declined(turns)
        ):
            await handover.leave_unfinished(self._log, self._rasa, self._caller, "dropped",
                                            requests_only=True)
        await self._log.release_holds()
        await self._log.end("completed" if ending is not None else reason)
        await self._events.emit(DialogueEventType.CALL_END, key=reason)

    # --- stages -------------------------------------------------------------------------

    async def _screened(self, screened: Screened, practice: PracticeConfig) -> TurnResult:
        """The gate's own answer, or the dialogue's on the words it let through."""
        if screened.replies:
            return await self._said(screened.replies, practice)
        if self.database_down:
            return await self._technical_problem(_DATABASE_DOWN, practice)
        return await self._dialogue_turn(normalize_transcript(screened.said), practice)

    async def _dialogue_turn(
        self, text: str, practice: PracticeConfig, prefix: Sequence[Reply] = ()
    ) -> TurnResult:
        began = time.perf_counter()
        since = dt.datetime.now(dt.UTC)
        try:
            replies = await self._rasa.send(
                text, caller=self._caller, local_time=self.local_now(practice)
            )
        except DialogueError as exc:
            return await self._technical_problem(exc, practice, prefix, since=since)
        result = await self._said(
            [*prefix, *replies], practice, data={"duration_s": time.perf_counter() - began}
        )
        if result.end is CallEnd.TRANSFER:
            await self._log.set_outcome("transferred")
        return result

    async def _technical_problem(
        self,
        error: DialogueError,
        practice: PracticeConfig,
        prefix: Sequence[Reply] = (),
        *,
        since: dt.datetime | None = None,
    ) -> TurnResult:
        """The dialogue failed: the caller hears so and the request goes to the inbox; unless
        the failed turn booked after all (Rasa timed out while its action committed), which the
        caller then hears instead, with nothing left to call back about."""
        _LOGGER.error("dialogue failed", extra={"conversation": self._id, "code": error.code})
        await self._events.emit(DialogueEventType.ERROR, key=error.code)
        if since is not None and await self._booked_since(since, practice):
            _LOGGER.warning("booking made despite the failure", extra={"conversation": self._id})
            return await self._said(
                [*prefix, catalogue.say(BOOKED_DESPITE_PROBLEM, practice)], practice
            )
        await handover.leave_unfinished(self._log, self._rasa, self._caller, "technical")
        return await self._said(
            [*prefix, catalogue.say(TECHNICAL_PROBLEM, practice)], practice
        )

    async def _booked_since(self, since: dt.datetime, practice: PracticeConfig) -> bool:
        """Whether this conversation booked (or moved) an appointment since ``since``: the
        agenda is the truth, whatever Rasa managed to answer."""
        horizon = dt.timedelta(days=practice.booking.horizon_days + 1)
        now = self.local_now(practice)

        def _read() -> bool:
            with self._log.context.db.session() as session:
                found = agenda.appointments_between(session, practice, now - horizon, now + horizon)
            return any(
                a.call_sid == self._id and a.status == "booked" and _aware(a.created_at) >= since
                for a in found
            )

        try:
            return await run_in_threadpool(_read)
        except transcripts.DATABASE_UNREACHABLE:
            return False

    async def _said(
        self, replies: list[Reply], practice: PracticeConfig, data: dict[str, float] | None = None
    ) -> TurnResult:
        await self._events.emit(DialogueEventType.DIALOGUE_END, replies=replies, data=data)
        return result_of(replies, practice)


_DATABASE_DOWN = DatabaseUnavailableError("the database did not answer")
TECHNICAL_PROBLEM = "utter_technical_problem"
BOOKED_DESPITE_PROBLEM = "utter_booked_despite_problem"
_FAILURE_KEYS = frozenset({TECHNICAL_PROBLEM, BOOKED_DESPITE_PROBLEM})
GIVEN_UP = "utter_given_up_goodbye"
_FREE_TEXT_QUESTIONS = frozenset({"utter_ask_message_text"})


def _last_key(turns: list[transcripts.Turn]) -> str | None:
    """The key of the assistant's last reply."""
    for turn in reversed(turns):
        if turn.speaker == transcripts.Speaker.ASSISTANT:
            return turn.key
    return None


def default_observers(context: AppContext, channel: str) -> list[Observer]:
    """The transcript recorder and the metrics; a channel adding its own keeps these."""
    return [TranscriptRecorder(context.db, spool_of(context)), MetricsObserver(channel)]


def result_of(replies: list[Reply], practice: PracticeConfig) -> TurnResult:
    """A turn's result from its replies: whether and how the call ends, what is expected."""
    specs = [catalogue.spec_of(r) for r in replies]
    end = next((s.end for s in specs if s is not None and s.end is not None), None)
    last = specs[-1] if specs else None
    transfer_to = practice.answering.transfer_number if end is CallEnd.TRANSFER else None
    return TurnResult(
        replies=replies,
        ended=end is not None,
        end=end,
        transfer_to=transfer_to,
        expecting=last.expecting if last is not None else Expecting.ANYTHING,
    )


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
