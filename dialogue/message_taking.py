"""Taking a message: the outside-hours ``message`` mode, a call resumed after its server died,
and a transfer nobody picked up.

The opening says why a message is taken (the practice is closed, the line was cut, the
secretariat did not answer), who answers, what to do in an emergency, and what to leave. The
caller then speaks in as many utterances as they need: each is kept, and a long silence (3 s,
the voice channel's end-of-message window) or ``#`` ends the message, which becomes one inbox
message; the caller hears that it was recorded, then goodbye. A hang-up mid-message leaves what
was said. The emergency check runs on every word first (`SafetyGate`: the emergency answer, or
its question; after a "no" the message goes on, the words that raised the doubt in it). Two
silences in a row before any message leave a callback request. A resumed call lets go of the
slots its first stream held and, if the caller leaves nothing this time, what they said before
the drop still reaches the inbox.

Nothing is kept in this object: the message so far, whether it was left and how many silences
came are read from the call's turns, so the text channel can rebuild it at each turn.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import transcripts
from core import AppContext, PracticeConfig
from dialogue import catalogue, keypad_silence
from dialogue.call_log import CallLog
from dialogue.conversation import Expecting, Reply, TurnResult
from dialogue.events import DialogueEventType, EventSink, Observer
from dialogue.french.names import names_said, split_full_name
from dialogue.french.normalize import normalize_transcript
from dialogue.french.phone_numbers import parse_french_phone
from dialogue.safety_gate import AGAIN_KEY, QUESTION_KEY, SafetyGate, Screened
from dialogue.session import result_of

OPENING_KEYS = frozenset(
    {"utter_outside_hours_message", "utter_dropped_message", "utter_transfer_failed_message"}
)
RECORDED_KEY = "utter_message_recorded"
MESSAGE_OUTCOME = "message"
TRANSFER_FAILED = "transfer_failed"
END_KEY = "#"
_MAX_UTTERANCES = 20
"""A message this long ends by itself (a line that keeps feeding noise as speech)."""
_NAME_WORDS = 4
"""A turn this short that is a first and a last name is the caller's name."""
_CALLBACK_CUE = re.compile(
    r"(?:\brappel\S*|\bjoindre|\bjoignable|\bcontacter"
    r"|\bmon (?:numéro|portable|fixe|téléphone|tel)\b(?! de (?:sécu|sécurité|dossier|carte))"
    r")(?P<after>(?: \S+){1,16})"
)
"""Words that make the number after them the caller's own; the number is read in what follows."""
GO_ON_KEY = "utter_message_go_on"


class MessageTaker:
    """Implements `dialogue.Conversation` for message taking (see the module docstring)."""

    def __init__(
        self,
        context: AppContext,
        *,
        conversation_id: str,
        caller: str | None,
        observers: Sequence[Observer],
        resumed: bool = False,
        transfer_failed: bool = False,
    ) -> None:
        self._id = conversation_id
        self._caller = caller
        self._resumed = resumed
        self._transfer_failed = transfer_failed
        self._log = CallLog(context, conversation_id)
        self._events = EventSink(conversation_id, observers)
        self._safety = SafetyGate(self._log, self._events, caller)

    @property
    def conversation_id(self) -> str:
        """The CallSid or chat session id."""
        return self._id

    @property
    def database_down(self) -> bool:
        """Whether the database failed this conversation (its writes went to the spool)."""
        return self._log.database_down

    async def start(self) -> TurnResult:
        """The opening; the caller's answer may take pauses (the dictation window)."""
        practice = await self._log.practice()
        if self._transfer_failed:
            key = "utter_transfer_failed_message"
        elif self._resumed:
            key = "utter_dropped_message"
        else:
            key = "utter_outside_hours_message"
        replies = [catalogue.say(key, practice)]
        await self._events.emit(DialogueEventType.CALL_START, replies=replies)
        return result_of(replies, practice)

    async def handle_text(self, text: str) -> TurnResult:
        """The emergency check, then the words join the message; keep listening."""
        said = " ".join(text.split())
        normalized = normalize_transcript(said)
        if not normalized:
            return await self.handle_silence()
        await self._events.emit(DialogueEventType.CALLER_TURN, text=said)
        practice = await self._log.practice()
        return await self._screened(await self._safety.screen(said, practice), practice)

    async def handle_digits(self, digits: str) -> TurnResult:
        """Keys 1 and 2 answer the emergency question (yes, no); otherwise ``#`` ends a message
        begun and other keys mean nothing here: keep listening."""
        await self._events.emit(
            DialogueEventType.CALLER_TURN, text=digits, key=keypad_silence.DIGITS_KEY
        )
        # Read once the keys are stored: a turn after the one answering the question (no
        # reply came between them: the message went on) answers nothing.
        if await self._safety.pending() is not None:
            practice = await self._log.practice()
            keys = keypad_silence.clean_digits(digits)
            words = keypad_silence.digits_as_words(keys, Expecting.CONFIRMATION) or ""
            return await self._screened(await self._safety.screen(words, practice), practice)
        if END_KEY in digits and _message(await self._log.turns()):
            return await self._finish(await self._log.practice())
        return TurnResult(expecting=await self._expecting())

    async def handle_silence(self) -> TurnResult:
        """A message begun is over; before one, reprompt once, then the second time leave a
        callback request and say goodbye. After the emergency question, silence is no answer:
        the emergency answer."""
        await self._events.emit(
            DialogueEventType.CALLER_TURN, text="", key=keypad_silence.SILENCE_KEY
        )
        practice = await self._log.practice()
        emergency = await self._safety.silence(practice)
        if emergency is not None:
            return await self._said(emergency, practice)
        turns = _since_opening(await self._log.turns())
        if _message(turns):
            return await self._finish(practice)
        if keypad_silence.trailing_silences(turns) < keypad_silence.SILENCES_BEFORE_GOODBYE:
            reply = catalogue.say("utter_silence_reprompt", practice)
            await self._events.emit(DialogueEventType.DIALOGUE_END, replies=[reply])
            return TurnResult(replies=[reply], expecting=Expecting.NAME)
        await self._log.leave(
            transcripts.MessageKind.CALLBACK,
            transcripts.CallerIdentity(callback_number=self._caller),
            {"reason": TRANSFER_FAILED if self._transfer_failed else "silence"},
            with_said=True,
        )
        return await self._said([catalogue.say("utter_silence_goodbye", practice)], practice)

    async def _finish(self, practice: PracticeConfig, prefix: Sequence[Reply] = ()) -> TurnResult:
        """The message is complete: into the inbox, then the confirmation and goodbye."""
        await self._leave_message(_message(await self._log.turns()))
        replies = [
            *prefix,
            catalogue.say(RECORDED_KEY, practice),
            catalogue.say("utter_message_taken", practice),
        ]
        return await self._said(replies, practice)

    async def _leave_message(self, words: list[str]) -> None:
        details: dict[str, object] = {"text": " ".join(words)}
        if self._transfer_failed:
            details["transfer_failed"] = True
        await self._log.leave(transcripts.MessageKind.MESSAGE, caller_in(words, self._caller),
                              details)

    async def _expecting(self) -> Expecting:
        """A message begun waits for more of it; before, the opening's dictation window."""
        return Expecting.MESSAGE if _message(await self._log.turns()) else Expecting.NAME

    async def close(self, reason: str) -> None:
        """Close the call record (outcome ``message`` when one was left, ``emergency`` after
        the emergency answer or the emergency question left unanswered); the words of a
        message the caller did not finish (a hang-up) are left as it stands."""
        await self._safety.hung_up()
        turns = _since_opening(await self._log.turns())
        pending = _message(turns)
        if pending:
            await self._leave_message(pending)
        left = any(
            t.speaker == transcripts.Speaker.CALLER and t.text.strip() for t in turns
        )
        emergency = _emergency_said(turns)
        if self._transfer_failed and not left:
            # Gone without a message: the request made before the transfer reaches the inbox.
            await leave_callback(self._log, self._caller, dial_status=None)
        elif self._transfer_failed:
            await self._log.set_outcome(MESSAGE_OUTCOME)
        if self._resumed:
            # The first stream's holds (its instance died before releasing them); and the
            # outcome the connect action noted ("dropped") gives way to what happened after.
            await self._log.release_holds()
            if left and not emergency:
                await self._log.set_outcome(MESSAGE_OUTCOME)
            elif not left:
                # Gone without a message: what was said before the drop still reaches the inbox.
                await self._log.leave(
                    transcripts.MessageKind.CALLBACK,
                    transcripts.CallerIdentity(callback_number=self._caller),
                    {"reason": "dropped"},
                    with_said=True,
                )
        await self._log.end(MESSAGE_OUTCOME if left else reason)
        await self._events.emit(DialogueEventType.CALL_END, key=reason)

    async def _screened(self, screened: Screened, practice: PracticeConfig) -> TurnResult:
        """The gate's own answer; otherwise the words joined the message: keep listening
        (after a "no" to the emergency question, saying so: the caller waits for an answer)."""
        if screened.replies:
            return await self._said(screened.replies, practice)
        if screened.denied:
            return await self._said([catalogue.say(GO_ON_KEY, practice)], practice)
        if len(_message(await self._log.turns())) >= _MAX_UTTERANCES:
            return await self._finish(practice)
        await self._events.emit(DialogueEventType.DIALOGUE_END, replies=[])
        return TurnResult(expecting=Expecting.MESSAGE)

    async def _said(self, replies: list[Reply], practice: PracticeConfig) -> TurnResult:
        await self._events.emit(DialogueEventType.DIALOGUE_END, replies=replies)
        return result_of(replies, practice)


def _emergency_said(turns: list[transcripts.Turn]) -> bool:
    """Whether the emergency answer, or the emergency question, was said."""
    return any(
        turn.key in (QUESTION_KEY, AGAIN_KEY) or (spec is not None and spec.emergency)
        for turn in turns
        if turn.speaker == transcripts.Speaker.ASSISTANT
        for spec in [catalogue.catalogue().get(turn.key or "")]
    )


def _message(turns: list[transcripts.Turn]) -> list[str]:
    """The words of the message being left: the caller's utterances since the opening; none
    once the conversation said its last word (the message recorded, an emergency answered)."""
    words: list[str] = []
    for turn in _since_opening(turns):
        if turn.speaker == transcripts.Speaker.ASSISTANT:
            spec = catalogue.catalogue().get(turn.key or "")
            if turn.key == RECORDED_KEY or (spec is not None and spec.end is not None):
                return []
        elif turn.key is None and turn.text.strip():
            words.append(turn.text.strip())
    return words


def caller_in(words: list[str], caller: str | None) -> transcripts.CallerIdentity:
    """Who left the message, from their words: the prompt asks for a name and a number
    (« je suis Nicole Leroy », or « Nicole Leroy » said alone; « rappelez-moi au 06… »)."""
    said = " ".join(words)
    name = names_said(said) or next(
        (n for w in words if len(w.split()) <= _NAME_WORDS and (n := split_full_name(w))
         and n.complete and not n.unsure),
        None,
    )
    return transcripts.CallerIdentity(
        last_name=name.last if name else None,
        first_name=name.first if name else None,
        callback_number=_callback_said(said) or caller,
    )


def _callback_said(said: str) -> str | None:
    """The number the caller asks to be called back on, said after words that make it theirs
    (« rappelez-moi au… », « mon portable c'est… »): another number in a message (a pharmacy's, a
    social security number read out) must not replace the calling number."""
    for cue in _CALLBACK_CUE.finditer(normalize_transcript(said)):
        number = parse_french_phone(cue.group("after"))
        if number is not None:
            return number
    return None


async def leave_callback(log: CallLog, caller: str | None, *, dial_status: str | None) -> None:
    """A callback request for a call whose transfer nobody answered, with what was said."""
    details: dict[str, object] = {"reason": TRANSFER_FAILED, "transfer_failed": True}
    if dial_status:
        details["dial_status"] = dial_status
    await log.leave(
        transcripts.MessageKind.CALLBACK,
        transcripts.CallerIdentity(callback_number=caller),
        details,
        with_said=True,
    )


async def leave_transfer_failed(
    context: AppContext, call_sid: str, *, caller: str | None, dial_status: str
) -> None:
    """The caller hung up while the secretariat's phone rang: their request reaches the inbox
    (the hand-over skipped it, the transfer was to take it)."""
    await leave_callback(CallLog(context, call_sid), caller, dial_status=dial_status)


def _since_opening(turns: list[transcripts.Turn]) -> list[transcripts.Turn]:
    """This conversation's turns: a resumed call's record also holds the first stream's."""
    for index in range(len(turns) - 1, -1, -1):
        if turns[index].key in OPENING_KEYS:
            return turns[index + 1 :]
    return turns
