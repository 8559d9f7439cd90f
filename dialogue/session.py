"""`DialogueSession`: the conversation core that every channel (voice, chat, terminal) drives.

A turn runs in stages: normalise the recognised text → emergency safety net (before, and
without, the NLU) → Rasa over HTTP → replies with their response keys. Events go to observers
(the transcript recorder, metrics). Nothing about the conversation lives only in this object:
Rasa's tracker store holds the dialogue, the database holds the call, its turns and messages,
so a session can be rebuilt from its id by any process (`DialogueSession.resume`).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from typing import Any

from starlette.concurrency import run_in_threadpool

import agenda
import transcripts
from core import AppContext, PracticeConfig
from dialogue import replies as catalogue
from dialogue import understood
from dialogue.conversation import CallEnd, Expecting, Reply, TurnResult
from dialogue.errors import DatabaseUnavailableError, DialogueError, EmptyReplyError
from dialogue.events import DialogueEvent, DialogueEventType, Observer
from dialogue.normalize import normalize_transcript
from dialogue.rasa_client import DialogueState, RasaClient
from dialogue.recording import MetricsObserver, TranscriptRecorder
from dialogue.safety import EmergencyHit, EmergencyKind, check_emergency

_LOGGER = logging.getLogger(__name__)
SILENCE_KEY = "silence"
DIGITS_KEY = "digits"
_SILENCES_BEFORE_GOODBYE = 2
_CONFIRM_DIGITS = {"1": "oui", "2": "non"}


class DialogueSession:
    """One conversation; implements `dialogue.conversation.Conversation`."""

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
        self._context = context
        self._id = conversation_id
        self._caller = caller
        self._channel = channel
        self._started_at = _aware(started_at)
        self._simulated_start = _aware(simulated_start) if simulated_start else None
        self._rasa = RasaClient(
            context.http, context.settings.rasa_base, context.settings.rasa_timeout_s
        )
        self._spool = _spool(context)
        self._db_failed = False
        self._observers: list[Observer] = list(
            observers if observers is not None else self.default_observers(context, channel)
        )

    @staticmethod
    def default_observers(context: AppContext, channel: str) -> list[Observer]:
        """The transcript recorder and the metrics; a channel adding its own keeps these."""
        return [TranscriptRecorder(context.db, _spool(context)), MetricsObserver(channel)]

    # --- life cycle -------------------------------------------------------------------

    @classmethod
    async def open(
        cls,
        context: AppContext,
        *,
        conversation_id: str,
        caller: str | None = None,
        channel: str = "voice",
        simulated_start: dt.datetime | None = None,
        observers: Sequence[Observer] | None = None,
    ) -> DialogueSession:
        """Open (or find: the voice webhook opened it already) the call record; a new session."""

        def _open() -> transcripts.Call:
            with context.db.session() as session:
                return transcripts.open_call(
                    session,
                    call_sid=conversation_id,
                    caller=caller,
                    called=None,
                    answered_by="assistant",
                    channel=channel,
                    simulated_start=simulated_start,
                )

        call = await run_in_threadpool(_open)
        return cls._from_call(context, call, observers)

    @classmethod
    async def resume(
        cls,
        context: AppContext,
        conversation_id: str,
        observers: Sequence[Observer] | None = None,
    ) -> DialogueSession | None:
        """The session of an existing conversation, rebuilt from the database; None if unknown."""

        def _load() -> transcripts.Call | None:
            with context.db.session() as session:
                return transcripts.get_call(session, conversation_id)

        call = await run_in_threadpool(_load)
        return None if call is None else cls._from_call(context, call, observers)

    @classmethod
    def _from_call(
        cls, context: AppContext, call: transcripts.Call, observers: Sequence[Observer] | None
    ) -> DialogueSession:
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
        reply = catalogue.response("utter_technical_problem")
        now = dt.datetime.now(dt.UTC)
        writes = [
            transcripts.turn_write(conversation_id, transcripts.Speaker.CALLER, said, None, now),
            transcripts.message_write(
                conversation_id, transcripts.MessageKind.CALLBACK, transcripts.CallerIdentity(),
                {"reason": "technical"}, with_said=True,
            ),
            transcripts.turn_write(
                conversation_id, transcripts.Speaker.ASSISTANT, reply.text, reply.key, now
            ),
            transcripts.end_write(conversation_id, "error"),
        ]
        await run_in_threadpool(transcripts.write_durably, context.db, _spool(context), *writes)
        return cls._result([reply], context.practice_store.cached)

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
        return self._db_failed or time.monotonic() < self._spool.down_until

    async def _practice(self) -> PracticeConfig:
        # The settings live in the database (staff may change them between two calls).
        context = self._context
        try:
            return await run_in_threadpool(lambda: context.practice)
        except transcripts.DATABASE_UNREACHABLE:
            self._db_failed = True
            return context.practice_store.cached

    async def _write(self, *writes: transcripts.PendingWrite) -> None:
        """Write to the call's record, or to the spool when the database does not answer."""
        if not await run_in_threadpool(
            transcripts.write_durably, self._context.db, self._spool, *writes
        ):
            self._db_failed = True

    # --- turns --------------------------------------------------------------------------

    async def start(self) -> TurnResult:
        """The greeting: the practice's name, the automated-assistant disclosure, the question."""
        practice = await self._practice()
        custom = practice.answering.greeting
        greeting = (
            Reply(text=custom.strip(), key="utter_greet")
            if custom
            else catalogue.response("utter_greet", practice_name=practice.practice.name)
        )
        replies = [
            greeting,
            catalogue.response("utter_disclosure"),
            catalogue.response("utter_how_can_i_help"),
        ]
        await self._emit(DialogueEventType.CALL_START, replies=tuple(replies))
        return self._result(replies, practice)

    async def handle_text(self, text: str) -> TurnResult:
        """One caller turn: the safety net first, then the dialogue."""
        normalized = normalize_transcript(text)
        if not normalized:
            return await self.handle_silence()
        await self._emit(DialogueEventType.CALLER_TURN, text=text.strip())
        hit = check_emergency(normalized)
        practice = await self._practice()
        if hit is not None and not hit.negated:
            return await self._emergency(hit, practice)
        if self.database_down:
            return await self._technical_problem(_DATABASE_DOWN, practice)
        prefix: list[Reply] = []
        if hit is not None:
            # A negated phrase ("il n'a pas de douleur à la poitrine"): the caller hears the
            # numbers anyway, the dialogue goes on, and the practice is told.
            prefix = [_emergency_reply(hit, practice)]
            await self._note_emergency(hit, urgent=False)
        return await self._dialogue_turn(normalized, practice, prefix=prefix)

    async def handle_digits(self, digits: str) -> TurnResult:
        """Keypad digits, a fallback: 1/2 for yes/no, a date of birth or a phone number."""
        digits = "".join(c for c in digits if c.isdigit() or c in "*#")
        await self._emit(DialogueEventType.CALLER_TURN, text=digits, key=DIGITS_KEY)
        expecting = (await self._last_question_expecting()) or Expecting.ANYTHING
        practice = await self._practice()
        if self.database_down:
            return await self._technical_problem(_DATABASE_DOWN, practice)
        plain = digits.strip("*#")
        if expecting is Expecting.CONFIRMATION and plain in _CONFIRM_DIGITS:
            return await self._dialogue_turn(_CONFIRM_DIGITS[plain], practice)
        if expecting is Expecting.DATE_OF_BIRTH and len(plain) in (6, 8) and plain.isdigit():
            return await self._dialogue_turn(plain, practice)
        if expecting is Expecting.PHONE_NUMBER and len(plain) >= 9 and plain.isdigit():
            return await self._dialogue_turn(plain, practice)
        replies = [catalogue.response("utter_keypad_not_understood")]
        await self._emit(DialogueEventType.DIALOGUE_END, replies=tuple(replies))
        return self._result(replies, practice)

    async def handle_silence(self) -> TurnResult:
        """Reprompt (with the last question again); the second time, take a message and end."""
        await self._emit(DialogueEventType.CALLER_TURN, text="", key=SILENCE_KEY)
        practice = await self._practice()
        turns = await self._turns()
        if self.database_down:
            return await self._technical_problem(_DATABASE_DOWN, practice)
        silences = _trailing_silences(turns)
        if silences >= _SILENCES_BEFORE_GOODBYE:
            await self._leave_unfinished("silence")
            replies = [catalogue.response("utter_silence_goodbye")]
        else:
            replies = [catalogue.response("utter_silence_reprompt")]
            question = _last_question(turns)
            if question is not None:
                replies.append(question)
        await self._emit(DialogueEventType.DIALOGUE_END, replies=tuple(replies))
        return self._result(replies, practice)

    async def close(self, reason: str) -> None:
        """End of the call: leave what was understood when a request was left unfinished,
        release held slots, and close the call record."""
        turns = await self._turns()
        ending = _ending(turns)
        ended_by_dialogue = ending is not None
        spoke = any(t.speaker == transcripts.Speaker.CALLER for t in turns)
        # A request left half-way (the caller hung up, or said goodbye mid-form) goes to the
        # inbox; not after a transfer (someone is on the line) or an emergency (already noted).
        if spoke and ending not in (CallEnd.TRANSFER, _EMERGENCY_END):
            await self._leave_unfinished("dropped", requests_only=True)
        await self._release_holds()
        outcome = "completed" if ended_by_dialogue else reason

        await self._write(transcripts.end_write(self._id, outcome))
        await self._emit(DialogueEventType.CALL_END, key=reason)

    # --- stages -------------------------------------------------------------------------

    async def _dialogue_turn(
        self, text: str, practice: PracticeConfig, prefix: Sequence[Reply] = ()
    ) -> TurnResult:
        began = time.perf_counter()
        try:
            messages = await self._rasa.send(
                self._id,
                text,
                caller=self._caller,
                local_time=self.local_now(practice),
                channel=self._channel,
            )
            replies = catalogue.replies_from_rasa(messages)
            if not replies:
                raise EmptyReplyError("the dialogue returned no reply")
        except DialogueError as exc:
            return await self._technical_problem(exc, practice, prefix)
        replies = [*prefix, *_until_the_end(replies)]
        await self._emit(
            DialogueEventType.DIALOGUE_END,
            replies=tuple(replies),
            data={"duration_s": time.perf_counter() - began},
        )
        result = self._result(replies, practice)
        if result.end is CallEnd.TRANSFER:
            await self._set_outcome("transferred")
        return result

    async def _emergency(self, hit: EmergencyHit, practice: PracticeConfig) -> TurnResult:
        """Answer at once with the emergency numbers, book nothing, and tell the practice."""
        replies = [
            _emergency_reply(hit, practice),
            catalogue.response("utter_emergency_deaf", **_emergency_numbers(practice)),
            catalogue.response("utter_emergency_noted"),
        ]
        await self._note_emergency(hit, urgent=True)
        await self._release_holds()
        await self._set_outcome("emergency")
        await self._emit(DialogueEventType.DIALOGUE_END, replies=tuple(replies))
        return self._result(replies, practice)

    async def _note_emergency(self, hit: EmergencyHit, *, urgent: bool) -> None:
        await self._emit(DialogueEventType.SAFETY_HIT, key=hit.category.value)
        _LOGGER.warning(
            "emergency phrase",
            extra={"conversation": self._id, "category": hit.category.value, "phrase": hit.phrase},
        )
        identity = transcripts.CallerIdentity(callback_number=self._caller)
        details = {"category": hit.category.value, "phrase": hit.phrase, "negated": hit.negated}
        urgency = transcripts.Urgency.URGENT if urgent else transcripts.Urgency.HIGH
        await self._write(transcripts.message_write(
            self._id, transcripts.MessageKind.EMERGENCY, identity, details, urgency=urgency
        ))

    async def _technical_problem(
        self, error: DialogueError, practice: PracticeConfig, prefix: Sequence[Reply] = ()
    ) -> TurnResult:
        _LOGGER.error(
            "dialogue failed", extra={"conversation": self._id, "code": error.code}
        )
        await self._emit(DialogueEventType.ERROR, key=error.code)
        await self._leave_unfinished("technical")
        replies = [*prefix, catalogue.response("utter_technical_problem")]
        await self._emit(DialogueEventType.DIALOGUE_END, replies=tuple(replies))
        return self._result(replies, practice)

    async def _leave_unfinished(self, reason: str, *, requests_only: bool = False) -> None:
        """Leave in the inbox what was understood: the request in progress, else a callback
        with the caller's words (unless ``requests_only`` and Rasa said no request was in
        progress: with Rasa down, nobody knows, so the words are left)."""
        state: DialogueState | None
        try:
            state = await self._rasa.state(self._id)
        except DialogueError:
            state = None
        slots: dict[str, Any] = dict(state.slots) if state else {}
        slots.setdefault("caller_number", self._caller)
        if not slots.get("caller_number"):
            slots["caller_number"] = self._caller
        form = state.active_form if state else None
        kind = understood.FORM_KINDS.get(form or "")
        if kind is not None:
            details = {**understood.details(kind, slots), "interrupted": True}
        elif requests_only and state is not None:
            return
        else:
            kind = transcripts.MessageKind.CALLBACK
            details = {"reason": reason}
        identity = understood.identity(slots)
        await self._write(transcripts.message_write(
            self._id, kind, identity, details,
            with_said=kind is transcripts.MessageKind.CALLBACK,
        ))

    # --- helpers ------------------------------------------------------------------------

    @staticmethod
    def _result(replies: list[Reply], practice: PracticeConfig) -> TurnResult:
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

    async def _emit(
        self,
        kind: DialogueEventType,
        *,
        text: str = "",
        key: str | None = None,
        replies: tuple[Reply, ...] = (),
        data: dict[str, Any] | None = None,
    ) -> None:
        event = DialogueEvent(
            type=kind,
            conversation_id=self._id,
            text=text,
            key=key,
            replies=replies,
            data=data or {},
        )
        for observer in self._observers:
            await observer(event)

    async def _turns(self) -> list[transcripts.Turn]:
        """The call's turns so far; none when the database does not answer."""

        def _load() -> list[transcripts.Turn]:
            with self._context.db.session() as session:
                return transcripts.list_turns(session, self._id)

        try:
            return await run_in_threadpool(_load)
        except transcripts.DATABASE_UNREACHABLE:
            self._db_failed = True
            return []

    async def _last_question_expecting(self) -> Expecting | None:
        question = _last_question(await self._turns())
        spec = catalogue.spec_of(question) if question else None
        return spec.expecting if spec else None

    async def _release_holds(self) -> None:
        def _release() -> None:
            with self._context.db.session() as session:
                agenda.release_holds(session, self._id)

        try:
            await run_in_threadpool(_release)
        except transcripts.DATABASE_UNREACHABLE:  # holds expire by themselves
            self._db_failed = True
            _LOGGER.warning("holds not released", extra={"conversation": self._id})

    async def _set_outcome(self, outcome: str) -> None:
        await self._write(transcripts.outcome_write(self._id, outcome))


_DATABASE_DOWN = DatabaseUnavailableError("the database did not answer")


def _spool(context: AppContext) -> transcripts.Spool:
    settings = context.settings
    return transcripts.spool_for(settings.standardiste_var_dir, settings.standardiste_instance)


def _emergency_reply(hit: EmergencyHit, practice: PracticeConfig) -> Reply:
    key = "utter_emergency_suicide" if hit.kind is EmergencyKind.SUICIDAL else "utter_emergency"
    return catalogue.response(key, **_emergency_numbers(practice))


def _emergency_numbers(practice: PracticeConfig) -> dict[str, str]:
    numbers = practice.emergency
    return {
        "samu": numbers.samu,
        "european": numbers.european,
        "suicide_prevention": numbers.suicide_prevention,
        "deaf_sms": numbers.deaf_sms,
    }


def _until_the_end(replies: list[Reply]) -> list[Reply]:
    """Nothing is said after a reply that ends the call (a form would ask on after "au revoir";
    Rasa keeps it active, so `close` still finds the unfinished request)."""
    for index, reply in enumerate(replies):
        spec = catalogue.spec_of(reply)
        if spec is not None and spec.end is not None:
            return replies[: index + 1]
    return replies


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _trailing_silences(turns: list[transcripts.Turn]) -> int:
    count = 0
    for turn in reversed(turns):
        if turn.speaker != transcripts.Speaker.CALLER:
            continue
        if turn.key != SILENCE_KEY:
            break
        count += 1
    return count


_NOT_QUESTIONS = frozenset({"utter_silence_reprompt", "utter_keypad_not_understood"})


def _last_question(turns: list[transcripts.Turn]) -> Reply | None:
    """The assistant's latest reply, other than a reprompt, as it was said."""
    for turn in reversed(turns):
        if turn.speaker == transcripts.Speaker.ASSISTANT and turn.key not in _NOT_QUESTIONS:
            spec = catalogue.catalogue().get(turn.key or "")
            interruptible = spec.interruptible if spec else True
            return Reply(text=turn.text, key=turn.key, interruptible=interruptible)
    return None


_EMERGENCY_END = "emergency"


def _ending(turns: list[transcripts.Turn]) -> CallEnd | str | None:
    """How the dialogue ended the call (its last reply's end), or None if it did not."""
    for turn in reversed(turns):
        if turn.speaker == transcripts.Speaker.ASSISTANT:
            if turn.key == "utter_emergency_noted":
                return _EMERGENCY_END
            spec = catalogue.catalogue().get(turn.key or "")
            return spec.end if spec is not None else None
    return None
