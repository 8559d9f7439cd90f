"""The end of a website conversation: closed once, whoever notices first.

A typed conversation has no line to hang up. It ends when the dialogue says goodbye, when the
patient presses "Terminer", or when nobody wrote for ``WEBSITE_CHAT_IDLE_MINUTES``: then the next
message is answered 410, and every instance's sweeper closes such conversations anyway, so that a
request left half-way reaches the inbox even when the patient simply closed the page. Whoever
closes it first (a claim in the database) leaves the unfinished request and releases the held
slots; the others do nothing.
"""

from __future__ import annotations

import datetime as dt
import logging

from starlette.concurrency import run_in_threadpool

import transcripts
from core import AppContext
from dialogue.conversation import WEBSITE_CHANNEL, Conversation
from dialogue.modes import resume_conversation
from dialogue.website.limits import claim, purge

_LOGGER = logging.getLogger(__name__)
_CLOSING = "closing"


def idle_for(context: AppContext) -> dt.timedelta:
    """How long a website conversation may stay without a message."""
    return dt.timedelta(minutes=context.settings.website_chat_idle_minutes)


async def close_once(
    context: AppContext,
    conversation_id: str,
    reason: str,
    conversation: Conversation | None = None,
) -> bool:
    """Close the conversation unless another request or instance did; True when this one did."""

    def _claim() -> bool:
        with context.db.session() as session:
            return claim(session, _CLOSING, conversation_id, dt.datetime.now(dt.UTC))

    if not await run_in_threadpool(_claim):
        return False
    if conversation is None:
        conversation = await resume_conversation(context, conversation_id)
    if conversation is None:
        return False
    await conversation.close(reason)
    return True


async def expire_idle_conversations(
    context: AppContext, now: dt.datetime | None = None
) -> int:
    """Close the website conversations idle for too long, and forget spent counters.

    Returns:
        How many conversations this call closed.
    """
    now = now or dt.datetime.now(dt.UTC)
    cutoff = now - idle_for(context)

    def _idle() -> list[str]:
        with context.db.session() as session:
            purge(session, now)
            return transcripts.idle_conversations(
                session, channel=WEBSITE_CHANNEL, before=cutoff
            )

    closed = 0
    for conversation_id in await run_in_threadpool(_idle):
        if await close_once(context, conversation_id, "expired"):
            closed += 1
    if closed:
        _LOGGER.info("website conversations expired", extra={"count": closed})
    return closed
