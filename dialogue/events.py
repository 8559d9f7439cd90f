"""What happens during a conversation, as a closed vocabulary of events.

The session emits them; observers subscribe (the transcript recorder writes turns, metrics
count them) instead of being called inline. Observers are awaited in order, so a turn is in the
database before its replies are handed to the channel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from dialogue.conversation import Reply


class DialogueEventType(StrEnum):
    """The stages of a conversation."""

    CALL_START = "call-start"
    CALLER_TURN = "caller-turn"
    SAFETY_HIT = "safety-hit"
    DIALOGUE_END = "dialogue-end"
    ERROR = "error"
    CALL_END = "call-end"


@dataclass(frozen=True)
class DialogueEvent:
    """One event of one conversation.

    Attributes:
        type: Which stage.
        conversation_id: The call SID or chat session id.
        text: The caller's words (``caller-turn``), empty otherwise.
        key: ``silence``/``digits`` for a caller turn without speech; the error code for ``error``;
            the safety-net category for ``safety-hit``; the reason for ``call-end``.
        replies: The assistant's replies (``call-start``, ``dialogue-end``).
        data: Anything else (``duration_s`` for ``dialogue-end``).
        at: When it happened (UTC).
    """

    type: DialogueEventType
    conversation_id: str
    text: str = ""
    key: str | None = None
    replies: tuple[Reply, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


Observer = Callable[[DialogueEvent], Awaitable[None]]


class EventSink:
    """One conversation's observers: every part of the conversation emits through it."""

    def __init__(self, conversation_id: str, observers: Sequence[Observer]) -> None:
        self._id = conversation_id
        self._observers = list(observers)

    async def emit(
        self,
        kind: DialogueEventType,
        *,
        text: str = "",
        key: str | None = None,
        replies: Sequence[Reply] = (),
        data: dict[str, Any] | None = None,
    ) -> None:
        """Hand an event to each observer, in order (the turn is written before it is said)."""
        event = DialogueEvent(
            type=kind,
            conversation_id=self._id,
            text=text,
            key=key,
            replies=tuple(replies),
            data=data or {},
        )
        for observer in self._observers:
            await observer(event)
