"""Taking a message: the outside-hours ``message`` mode, and a call resumed after its server died.

The opening says the practice is closed (or that the line was cut), who answers, what to do in an
emergency, and what to leave; what the caller then says becomes an inbox message for the
secretariat, and the call ends. The emergency check runs on every word first. Two silences in a
row leave a callback request. A resumed call lets go of the slots its first stream held and, if
the caller leaves nothing this time, what they said before the drop still reaches the inbox.

Nothing is kept in this object: whether a message was left and how many silences came are read
from the call's turns, so the text channel can rebuild it at each turn.
"""

from __future__ import annotations

from collections.abc import Sequence

import transcripts
from core import AppContext, PracticeConfig
from dialogue import catalogue, keypad_silence
from dialogue.call_log import CallLog
from dialogue.conversation import Expecting, Reply, TurnResult
from dialogue.events import DialogueEventType, EventSink, Observer
from dialogue.french.normalize import normalize_transcript
from dialogue.safety_gate import SafetyGate
from dialogue.session import result_of

OPENING_KEYS = frozenset({"utter_outside_hours_message", "utter_dropped_message"})
MESSAGE_OUTCOME = "message"


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
    ) -> None:
        self._id = conversation_id
        self._caller = caller
        self._resumed = resumed
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
        key = "utter_dropped_message" if self._resumed else "utter_outside_hours_message"
        replies = [catalogue.say(key, practice)]
        await self._events.emit(DialogueEventType.CALL_START, replies=replies)
        return result_of(replies, practice)

    async def handle_text(self, text: str) -> TurnResult:
        """The emergency check, then what the caller said becomes the message; goodbye."""
        said = " ".join(text.split())
        normalized = normalize_transcript(said)
        if not normalized:
            return await self.handle_silence()
        await self._events.emit(DialogueEventType.CALLER_TURN, text=said)
        practice = await self._log.practice()
        hit = self._safety.check(normalized)
        if hit is not None and not hit.negated:
            return await self._said(await self._safety.answer(hit, practice), practice)
        prefix = await self._safety.warn(hit, practice) if hit is not None else []
        await self._log.leave(
            transcripts.MessageKind.MESSAGE,
            transcripts.CallerIdentity(callback_number=self._caller),
            {"text": said},
        )
        return await self._said([*prefix, catalogue.say("utter_message_taken", practice)], practice)

    async def handle_digits(self, digits: str) -> TurnResult:
        """Keys mean nothing here; keep listening."""
        return TurnResult(expecting=Expecting.NAME)

    async def handle_silence(self) -> TurnResult:
        """Reprompt once; the second time, leave a callback request and say goodbye."""
        await self._events.emit(
            DialogueEventType.CALLER_TURN, text="", key=keypad_silence.SILENCE_KEY
        )
        practice = await self._log.practice()
        turns = _since_opening(await self._log.turns())
        if keypad_silence.trailing_silences(turns) < keypad_silence.SILENCES_BEFORE_GOODBYE:
            reply = catalogue.say("utter_silence_reprompt", practice)
            await self._events.emit(DialogueEventType.DIALOGUE_END, replies=[reply])
            return TurnResult(replies=[reply], expecting=Expecting.NAME)
        await self._log.leave(
            transcripts.MessageKind.CALLBACK,
            transcripts.CallerIdentity(callback_number=self._caller),
            {"reason": "silence"},
            with_said=True,
        )
        return await self._said([catalogue.say("utter_silence_goodbye", practice)], practice)

    async def close(self, reason: str) -> None:
        """Close the call record (outcome ``message`` when one was left)."""
        turns = _since_opening(await self._log.turns())
        left = any(
            t.speaker == transcripts.Speaker.CALLER and t.text.strip() for t in turns
        )
        if self._resumed:
            # The first stream's holds (its instance died before releasing them); and the
            # outcome the connect action noted ("dropped") gives way to what happened after.
            await self._log.release_holds()
            if left:
                await self._log.set_outcome(MESSAGE_OUTCOME)
            else:
                # Gone without a message: what was said before the drop still reaches the inbox.
                await self._log.leave(
                    transcripts.MessageKind.CALLBACK,
                    transcripts.CallerIdentity(callback_number=self._caller),
                    {"reason": "dropped"},
                    with_said=True,
                )
        await self._log.end(MESSAGE_OUTCOME if left else reason)
        await self._events.emit(DialogueEventType.CALL_END, key=reason)

    async def _said(self, replies: list[Reply], practice: PracticeConfig) -> TurnResult:
        await self._events.emit(DialogueEventType.DIALOGUE_END, replies=replies)
        return result_of(replies, practice)


def _since_opening(turns: list[transcripts.Turn]) -> list[transcripts.Turn]:
    """This conversation's turns: a resumed call's record also holds the first stream's."""
    for index in range(len(turns) - 1, -1, -1):
        if turns[index].key in OPENING_KEYS:
            return turns[index + 1 :]
    return turns
