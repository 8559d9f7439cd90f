"""The start of a call: the first words at once, the conversation opened meanwhile.

Opening a conversation reads and writes the database (the call record, the practice's settings,
the greeting's transcript lines), which on a busy or cold gateway takes a quarter of a second
and more. The caller need not wait for it: what every conversation of a mode says first is known
before it is opened (`dialogue.first_words`) and plays from ready audio as soon as ``start``
arrives, while `OpeningConversation` opens the conversation in the background. Its opening's
first reply, already heard, is then not said again (`after_first_words`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace

from dialogue import Conversation, Reply, TurnResult
from telephony.playout import Utterance
from telephony.recording_consent import RecordingConsent
from telephony.speaking import ReplySpeaker
from telephony.turn_timing import AnswerClock

Consent = RecordingConsent | Callable[[], RecordingConsent | None] | None
"""Whether the call asks consent to record: known at once, or once the conversation opened."""


class OpeningConversation:
    """A `dialogue.Conversation` being opened: each call waits until it is open.

    Args:
        conversation_id: The call's SID.
        opening: Opens it; gives the conversation and whether it is the assistant's (which
            may ask for consent to record).
    """

    def __init__(
        self, conversation_id: str, opening: Awaitable[tuple[Conversation, bool]]
    ) -> None:
        self._id = conversation_id
        self._task = asyncio.ensure_future(opening)

    @property
    def conversation_id(self) -> str:
        """The CallSid."""
        return self._id

    @property
    def assistant(self) -> bool:
        """Whether the assistant converses (False until open, and on the fallback)."""
        return self._task.done() and not self._task.cancelled() and self._task.result()[1]

    @property
    def database_down(self) -> bool:
        """Whether the database failed the conversation (False until it is open)."""
        if not self._task.done() or self._task.cancelled() or self._task.exception():
            return False
        return self._task.result()[0].database_down

    async def opened(self) -> Conversation:
        """The conversation, once open."""
        return (await asyncio.shield(self._task))[0]

    async def start(self) -> TurnResult:
        """The conversation's opening."""
        return await (await self.opened()).start()

    async def handle_text(self, text: str) -> TurnResult:
        """One caller turn as recognised text."""
        return await (await self.opened()).handle_text(text)

    async def handle_digits(self, digits: str) -> TurnResult:
        """Keypad digits."""
        return await (await self.opened()).handle_digits(digits)

    async def handle_silence(self) -> TurnResult:
        """The caller said nothing for the silence timeout."""
        return await (await self.opened()).handle_silence()

    async def close(self, reason: str) -> None:
        """The call ended: closed once open (a call ending while it opens waits for it)."""
        await (await self.opened()).close(reason)


def after_first_words(opening: TurnResult, first: Reply | None) -> TurnResult:
    """The opening without its first reply when that is what the caller already heard (the same
    response; its text may differ only if staff changed the settings meanwhile)."""
    if first is None or not opening.replies or opening.replies[0].key != first.key:
        return opening
    return replace(opening, replies=opening.replies[1:])


async def open_saying_first_words(
    conversation: Conversation | OpeningConversation,
    first: Reply | None,
    speaker: ReplySpeaker,
    answers: AnswerClock,
) -> tuple[TurnResult, list[Utterance]]:
    """The conversation's opening, its first words said meanwhile (their utterances: part of
    the opening's answer, heard before listening)."""
    starting = asyncio.ensure_future(conversation.start())
    try:
        early: list[Utterance] = []
        if first is not None:
            answers.replied()
            early = await speaker.say([first], started=answers.opened())
        return after_first_words(await starting, first), early
    finally:
        starting.cancel()  # only when the call ended first: done otherwise
