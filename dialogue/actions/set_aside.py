"""A request the caller left for another ("en fait je voudrais plutôt un rendez-vous"): what they
had said for it goes to the inbox as an unfinished request, so the secretary still sees it.

The new request's form starts with the words that left the old one (`common.switching`); the old
form's slots are kept, so a caller who comes back to it is not asked again. Its completion
replaces the set-aside message (`transcripts.leave_message(same_request=True)`): one message per
request; a request never taken up again, or a call that ends first, keeps the set-aside one.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

import agenda
import transcripts
from dialogue import understood
from dialogue.actions.common import conversation_id, identity_from_slots
from dialogue.actions.runtime import in_db


def left_form(tracker: Tracker, starting: str) -> str | None:
    """The form that was active when the caller's latest words were said, if ``starting``
    replaces it this turn (it did not end first: no other mark since those words)."""
    seen_user = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            seen_user = True
        elif kind == "active_loop":
            name = event.get("name")
            if not seen_user:
                if name != starting:
                    return None  # the old form ended (or another started) this turn
                continue
            return str(name) if name and name != starting else None
    return None


async def leave_set_aside(tracker: Tracker, form: str) -> None:
    """Write the request ``form`` was taking as an unfinished one; a booking's holds go."""
    kind = understood.FORM_KINDS.get(form)
    if kind is None:
        return
    details: dict[str, Any] = {**understood.details(kind, tracker.slots), "set_aside": True}
    request = understood.request(form, tracker.slots)
    if request is not None:
        details["request"] = request
    identity = identity_from_slots(tracker)
    sender = conversation_id(tracker)

    def work(session: Session) -> None:
        if kind is transcripts.MessageKind.FAILED_BOOKING:
            agenda.release_holds(session, sender)
        transcripts.leave_message(
            session, call_sid=sender, kind=kind, identity=identity, details=details,
            same_request=True,  # set aside a second time: still one message
        )

    await in_db(work)
