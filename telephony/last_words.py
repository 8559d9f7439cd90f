"""The caller's last words, when the call ends on their side (a hang-up, a dropped line).

People hang up mid-sentence ("Rappelez-moi au 06…") or the line drops while they speak; keys
may be held waiting for ``#``; an utterance may be queued behind a dialogue turn in progress.
None of it may be lost: before the conversation is closed, the utterance in progress is
finalised by the recognizer, and what the conversation had not taken yet is handed to it as
one last turn (whose answer nobody hears). The words then stand in the call's transcript, and
the conversation's close leaves the request in the inbox.

Both steps are bounded (`telephony.voice_service.VoiceParams`): a recognizer or a dialogue
that does not answer must not keep a finished call open.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from dialogue import Conversation
from telephony.call_events import CallEventType, EventPump
from telephony.call_inputs import CallInput
from telephony.keypad import Keypad
from telephony.listening import Listener
from telephony.voice_service import VoiceParams

_LOGGER = logging.getLogger(__name__)
CALLER_ENDED = frozenset({"hangup", "dropped"})
"""End reasons where the caller may have been cut off mid-sentence."""


async def hand_over(
    listener: Listener,
    keypad: Keypad,
    inputs: asyncio.Queue[CallInput],
    conversation: Conversation,
    events: EventPump,
    params: VoiceParams,
) -> None:
    """Finalise the utterance in progress (at most ``params.last_words_s``), then hand what
    was not taken yet to the conversation (at most ``params.last_turn_s``)."""
    keypad.flush()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(params.last_words_s):
            await listener.conclude()
    left = [inputs.get_nowait() for _ in range(inputs.qsize())]
    words = " ".join(i.value.strip() for i in left if i.kind == "text" and i.value.strip())
    digits = "".join(i.value for i in left if i.kind == "digits")
    if not words and not digits:
        return
    try:
        async with asyncio.timeout(params.last_turn_s):
            if words:
                await conversation.handle_text(words)
            if digits:
                await conversation.handle_digits(digits)
    except Exception:  # the transcript may have them already; the close says what it can
        _LOGGER.exception(
            "last words not handed over", extra={"call_sid": conversation.conversation_id}
        )
        events.publish(CallEventType.ERROR, key="last-words-failed")
