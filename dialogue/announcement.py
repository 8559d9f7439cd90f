"""The outside-hours announcement: the practice's words (or the catalogue's), then the call ends.

A caller may speak over it: what they say still goes through the emergency check, so an
emergency said during the announcement is answered (or asked about, "Est-ce une urgence, en ce
moment ?", and answered unless the caller says no).
"""

from __future__ import annotations

from collections.abc import Sequence

from core import AppContext, PracticeConfig
from dialogue import catalogue, keypad_silence
from dialogue.call_log import CallLog
from dialogue.conversation import CallEnd, Expecting, Reply, TurnResult
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

    async def _said(self, replies: list[Reply], practice: PracticeConfig) -> TurnResult:
        """The gate's answer (the emergency answer, or its question); none: the end."""
        if not replies:
            return _OVER
        await self._events.emit(DialogueEventType.DIALOGUE_END, replies=replies)
        return result_of(replies, practice)

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
        """Only an emergency is answered (or asked about): the call is ending."""
        normalized = normalize_transcript(text)
        if not normalized:
            return await self.handle_silence()
        await self._events.emit(DialogueEventType.CALLER_TURN, text=text.strip())
        practice = await self._log.practice()
        return await self._said((await self._safety.screen(text, practice)).replies, practice)

    async def handle_digits(self, digits: str) -> TurnResult:
        """Keys answer only the emergency question (1 yes, 2 no): the call is ending."""
        if await self._safety.pending() is None:
            return _OVER
        digits = keypad_silence.clean_digits(digits)
        await self._events.emit(
            DialogueEventType.CALLER_TURN, text=digits, key=keypad_silence.DIGITS_KEY
        )
        practice = await self._log.practice()
        words = keypad_silence.digits_as_words(digits, Expecting.CONFIRMATION) or ""
        return await self._said((await self._safety.screen(words, practice)).replies, practice)

    async def handle_silence(self) -> TurnResult:
        """Silence after the emergency question is no answer: the emergency answer. Otherwise
        nothing to answer: the call is ending."""
        if await self._safety.pending() is None:
            return _OVER
        await self._events.emit(
            DialogueEventType.CALLER_TURN, text="", key=keypad_silence.SILENCE_KEY
        )
        practice = await self._log.practice()
        return await self._said(await self._safety.silence(practice) or [], practice)

    async def close(self, reason: str) -> None:
        """Close the call record (gone with the emergency question unanswered: the urgent
        note)."""
        await self._safety.hung_up()
        await self._log.end(ANNOUNCEMENT_OUTCOME)
        await self._events.emit(DialogueEventType.CALL_END, key=reason)
