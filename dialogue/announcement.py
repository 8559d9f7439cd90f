"""The outside-hours announcement: the practice's words (or the catalogue's), then the call ends.

A caller may speak over it: what they say still goes through the emergency check, so an
emergency said during the announcement is answered.
"""

from __future__ import annotations

from collections.abc import Sequence

from core import AppContext
from dialogue import catalogue
from dialogue.call_log import CallLog
from dialogue.conversation import CallEnd, TurnResult
from dialogue.events import DialogueEventType, EventSink, Observer
from dialogue.french.normalize import normalize_transcript
from dialogue.safety_gate import SafetyGate
from dialogue.session import result_of

ANNOUNCEMENT_OUTCOME = "announcement"
_OVER = TurnResult(ended=True, end=CallEnd.HANGUP)


class Announcement:
    """Implements `dialogue.Conversation` for the announcement mode."""

    def __init__(
        self,
        context: AppContext,
        *,
        conversation_id: str,
        caller: str | None,
        observers: Sequence[Observer],
    ) -> None:
        self._id = conversation_id
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
        """The announcement (synthesised: staff may change it at any time), then the end."""
        practice = await self._log.practice()
        replies = [catalogue.announcement(practice)]
        await self._events.emit(DialogueEventType.CALL_START, replies=replies)
        return TurnResult(replies=replies, ended=True, end=CallEnd.HANGUP)

    async def handle_text(self, text: str) -> TurnResult:
        """Only an emergency is answered: the call is ending."""
        normalized = normalize_transcript(text)
        if not normalized:
            return _OVER
        await self._events.emit(DialogueEventType.CALLER_TURN, text=text.strip())
        hit = self._safety.check(normalized)
        if hit is None or hit.negated:
            return _OVER
        practice = await self._log.practice()
        replies = await self._safety.answer(hit, practice)
        await self._events.emit(DialogueEventType.DIALOGUE_END, replies=replies)
        return result_of(replies, practice)

    async def handle_digits(self, digits: str) -> TurnResult:
        """Nothing to answer: the call is ending."""
        return _OVER

    async def handle_silence(self) -> TurnResult:
        """Nothing to answer: the call is ending."""
        return _OVER

    async def close(self, reason: str) -> None:
        """Close the call record."""
        await self._log.end(ANNOUNCEMENT_OUTCOME)
        await self._events.emit(DialogueEventType.CALL_END, key=reason)
