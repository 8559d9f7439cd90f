"""Handing over what a conversation could not finish: the request in progress reaches the inbox
with everything understood, else a callback request with the caller's words.

Used when the caller hangs up mid-request, stays silent, or the dialogue fails. Rasa's tracker
says which form was active and what its slots hold; with Rasa down nobody knows, so the caller's
words are left as they are.
"""

from __future__ import annotations

from typing import Any

import transcripts
from dialogue import catalogue, understood
from dialogue.call_log import CallLog
from dialogue.conversation import CallEnd
from dialogue.errors import DialogueError
from dialogue.rasa.client import DialogueState
from dialogue.rasa_turn import RasaTurn

EMERGENCY_END = "emergency"
ANSWERED_OPENERS = frozenset({"utter_walk_in_none", "utter_walk_in_hours"})
"""Replies that answer the caller's question (may I come without an appointment?) and offer a
booking, which the caller may simply decline."""


async def leave_unfinished(
    log: CallLog, rasa: RasaTurn, caller: str | None, reason: str, *, requests_only: bool = False
) -> None:
    """Leave in the inbox what was understood: the request in progress, else a callback with
    the caller's words (unless ``requests_only`` and Rasa said no request was in progress)."""
    state: DialogueState | None
    try:
        state = await rasa.state()
    except DialogueError:
        state = None
    slots: dict[str, Any] = dict(state.slots) if state else {}
    if not slots.get("caller_number"):
        slots["caller_number"] = caller
    form = state.active_form if state else None
    kind = understood.FORM_KINDS.get(form or "")
    if kind is not None:
        details = {**understood.details(kind, slots), "interrupted": True}
        request = understood.request(form or "", slots)
        if request is not None:
            details["request"] = request
    elif requests_only and state is not None:
        return
    else:
        kind = transcripts.MessageKind.CALLBACK
        details = {"reason": reason}
    # The request in progress may be one set aside and taken up again: its message then says
    # what was understood last.
    await log.leave(
        kind, understood.identity(slots), details,
        with_said=kind is transcripts.MessageKind.CALLBACK, same_request=True,
    )


def ending(turns: list[transcripts.Turn]) -> CallEnd | str | None:
    """How the dialogue ended the call (its last reply's end), or None if it did not."""
    for turn in reversed(turns):
        if turn.speaker == transcripts.Speaker.ASSISTANT:
            spec = catalogue.catalogue().get(turn.key or "")
            if spec is not None and spec.emergency and spec.end is not None:
                return EMERGENCY_END
            return spec.end if spec is not None else None
    return None


def answered_then_declined(turns: list[transcripts.Turn]) -> bool:
    """Whether the caller's question was answered with a booking offered, and their only words
    after it ended the call (« non merci, au revoir »): nothing was left unfinished."""
    answered = [i for i, t in enumerate(turns) if t.key in ANSWERED_OPENERS]
    if not answered or ending(turns) != CallEnd.HANGUP:
        return False
    after = turns[answered[-1] + 1 :]
    return sum(t.speaker == transcripts.Speaker.CALLER for t in after) == 1
