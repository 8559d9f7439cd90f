"""The one entry to a conversation, whatever answers the call: `open_conversation(mode, …)`.

- ``assistant``: the assistant converses (`DialogueSession`, Rasa behind it);
- ``message``: outside hours, a message is taken (`MessageTaker`);
- ``resumed``: the call's first stream dropped (its server died): a message is taken;
- ``transfer_failed``: the secretariat did not pick up a transfer: a message is taken;
- ``announcement``: outside hours, the practice's announcement, then the end.

Every mode runs the same emergency check on what the caller says, records its turns and closes
the call record the same way, by voice as by text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum

from starlette.concurrency import run_in_threadpool

import transcripts
from core import AppContext, PracticeConfig
from dialogue import catalogue
from dialogue.announcement import Announcement
from dialogue.call_log import open_call
from dialogue.conversation import Conversation, Reply
from dialogue.events import Observer
from dialogue.message_taking import MessageTaker
from dialogue.session import DialogueSession, default_observers


class ConversationMode(StrEnum):
    """Who answers the caller."""

    ASSISTANT = "assistant"
    MESSAGE = "message"
    RESUMED = "resumed"
    TRANSFER_FAILED = "transfer_failed"
    ANNOUNCEMENT = "announcement"


async def open_conversation(
    context: AppContext,
    mode: ConversationMode,
    *,
    conversation_id: str,
    caller: str | None = None,
    channel: str = "voice",
    simulated_start: dt.datetime | None = None,
    observers: Sequence[Observer] | None = None,
) -> Conversation:
    """A new conversation (its call record opened, or found when the webhook opened it)."""
    answered_by = ConversationMode.ASSISTANT if mode is ConversationMode.RESUMED else mode
    call = await open_call(
        context, conversation_id, caller=caller, channel=channel,
        answered_by=answered_by.value, simulated_start=simulated_start,
    )
    return _conversation(context, mode, call, observers)


_FIRST_KEYS = {
    ConversationMode.MESSAGE: "utter_outside_hours_message",
    ConversationMode.RESUMED: "utter_dropped_message",
    ConversationMode.TRANSFER_FAILED: "utter_transfer_failed_message",
}


def first_words(mode: ConversationMode, practice: PracticeConfig) -> Reply:
    """What a conversation of this mode says first (its opening's first reply), known before
    it is opened: the voice channel plays it from ready audio as the call starts, while the
    conversation opens (its call record, the practice's settings)."""
    if mode is ConversationMode.ASSISTANT:
        return catalogue.greeting(practice)
    if mode is ConversationMode.ANNOUNCEMENT:
        return catalogue.announcement(practice)
    return catalogue.say(_FIRST_KEYS[mode], practice)


async def resume_conversation(
    context: AppContext, conversation_id: str, observers: Sequence[Observer] | None = None
) -> Conversation | None:
    """The conversation of an existing call record, rebuilt from the database; None if unknown.

    Raises:
        transcripts.DATABASE_UNREACHABLE: The database did not answer.
    """

    def _load() -> transcripts.Call | None:
        with context.db.session() as session:
            return transcripts.get_call(session, conversation_id)

    call = await run_in_threadpool(_load)
    if call is None:
        return None
    try:
        mode = ConversationMode(call.answered_by)
    except ValueError:
        mode = ConversationMode.ASSISTANT
    return _conversation(context, mode, call, observers)


def _conversation(
    context: AppContext,
    mode: ConversationMode,
    call: transcripts.Call,
    observers: Sequence[Observer] | None,
) -> Conversation:
    watchers = observers if observers is not None else default_observers(context, call.channel)
    if mode is ConversationMode.ASSISTANT:
        return DialogueSession.from_call(context, call, watchers)
    if mode is ConversationMode.ANNOUNCEMENT:
        return Announcement(
            context, conversation_id=call.call_sid, caller=call.caller, observers=watchers
        )
    return MessageTaker(
        context,
        conversation_id=call.call_sid,
        caller=call.caller,
        observers=watchers,
        resumed=mode is ConversationMode.RESUMED,
        transfer_failed=mode is ConversationMode.TRANSFER_FAILED,
    )


def fallback_conversation(
    context: AppContext, *, conversation_id: str, caller: str | None
) -> Conversation:
    """A message taker for a call whose conversation could not be opened (the database or the
    dialogue failing): the caller can still leave a message rather than hear nothing. Opens
    nothing; its writes go to the spool when the database does not answer."""
    return MessageTaker(
        context,
        conversation_id=conversation_id,
        caller=caller,
        observers=default_observers(context, "voice"),
    )
