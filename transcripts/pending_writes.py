"""The writes a conversation makes about its call, as records that can wait: each one can be
applied now or kept in the spool (`transcripts.spool`) and applied later, in order, idempotently.
A patient's text received while the database was away waits the same way (`text_write`).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from transcripts.calls import end_call, get_call, open_call_once, set_outcome
from transcripts.inbox import leave_message
from transcripts.models import InboxMessage, MessageKind, Speaker, Urgency
from transcripts.summaries import CallerIdentity
from transcripts.turns import add_turn, caller_words, list_turns

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class PendingWrite:
    """One write for a call: ``call`` (open it), ``turn``, ``message``, ``outcome`` or ``end``,
    with its fields."""

    op: str
    call_sid: str
    fields: dict[str, Any]
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


def call_write(
    call_sid: str, *, caller: str | None, called: str | None, answered_by: str,
    started_at: dt.datetime,
) -> PendingWrite:
    """Open a voice call's record (once: an existing record is kept as it is)."""
    return PendingWrite("call", call_sid, {
        "caller": caller, "called": called, "answered_by": answered_by,
        "started_at": started_at.isoformat(),
    })


def turn_write(
    call_sid: str, speaker: Speaker, text: str, key: str | None, at: dt.datetime
) -> PendingWrite:
    """A turn of the call's transcript."""
    return PendingWrite("turn", call_sid, {
        "speaker": speaker.value, "text": text, "key": key, "at": at.isoformat(),
    })


def message_write(
    call_sid: str,
    kind: MessageKind,
    identity: CallerIdentity,
    details: Mapping[str, Any],
    *,
    urgency: Urgency | None = None,
    with_said: bool = False,
    same_request: bool = False,
) -> PendingWrite:
    """An inbox message, once per call, kind and request; ``with_said`` adds the caller's words
    as the transcript holds them when it is written (`caller_words`), ``said`` in its details;
    ``same_request`` updates the request's set-aside message (`leave_message`)."""
    return PendingWrite("message", call_sid, {
        "kind": kind.value,
        "last_name": identity.last_name,
        "first_name": identity.first_name,
        "birth_date": identity.birth_date.isoformat() if identity.birth_date else None,
        "callback_number": identity.callback_number,
        "details": dict(details),
        "urgency": urgency.value if urgency else None,
        "with_said": with_said,
        "same_request": same_request,
    })


def text_write(
    message_sid: str, *, from_number: str, body: str, urgency: Urgency | None,
    at: dt.datetime,
) -> PendingWrite:
    """A patient's text for the inbox (kind SMS), when the database could not take it at once;
    keyed by Twilio's message SID instead of a call."""
    return PendingWrite("text", message_sid, {
        "from": from_number, "text": body, "urgency": urgency.value if urgency else None,
        "at": at.isoformat(),
    })


def outcome_write(call_sid: str, outcome: str) -> PendingWrite:
    """How the call went."""
    return PendingWrite("outcome", call_sid, {"outcome": outcome})


def end_write(call_sid: str, outcome: str) -> PendingWrite:
    """The call's end, from our side."""
    return PendingWrite("end", call_sid, {"outcome": outcome})


def apply_write(session: Session, write: PendingWrite, *, replay: bool = False) -> None:
    """Apply one write; a write for an unknown call is dropped.

    Args:
        session: The database session (the caller commits).
        write: What to write.
        replay: From the spool: a turn already there (its first try committed after all) is
            not added twice. Messages and ends are idempotent anyway.
    """
    values = write.fields
    if write.op == "text":
        _leave_text(session, values)
    elif write.op == "call":
        call, created = open_call_once(
            session, call_sid=write.call_sid, caller=values["caller"], called=values["called"],
            answered_by=values["answered_by"],
        )
        if created:  # when the caller rang, not when the database came back
            call.started_at = aware(dt.datetime.fromisoformat(values["started_at"]))
    elif get_call(session, write.call_sid) is None:
        _LOGGER.warning("write for an unknown call dropped", extra={"write_id": write.id})
    elif write.op == "turn":
        at = aware(dt.datetime.fromisoformat(values["at"]))
        speaker, text, key = Speaker(values["speaker"]), values["text"], values["key"]
        if not replay or not any(
            (t.speaker, t.text, t.key) == (speaker.value, text, key) and aware(t.started_at) == at
            for t in list_turns(session, write.call_sid)
        ):
            add_turn(session, call_sid=write.call_sid, speaker=speaker, text=text, key=key,
                     started_at=at)
    elif write.op == "message":
        details = dict(values["details"])
        if values["with_said"]:
            details["said"] = caller_words(session, write.call_sid)
        born = values["birth_date"]
        identity = CallerIdentity(
            last_name=values["last_name"],
            first_name=values["first_name"],
            birth_date=dt.date.fromisoformat(born) if born else None,
            callback_number=values["callback_number"] or get_call(session, write.call_sid)
            .caller,  # type: ignore[union-attr]  # checked above
        )
        urgency = values["urgency"]
        leave_message(session, call_sid=write.call_sid, kind=MessageKind(values["kind"]),
                      identity=identity, details=details,
                      urgency=Urgency(urgency) if urgency else None, once_per_call=True,
                      # absent from lines spooled before it existed
                      same_request=bool(values.get("same_request")))
    elif write.op == "outcome":
        set_outcome(session, call_sid=write.call_sid, outcome=values["outcome"])
    elif write.op == "end":
        end_call(session, call_sid=write.call_sid, outcome=values["outcome"])
    else:
        raise ValueError(f"unknown spooled write {write.op!r}")


def _leave_text(session: Session, values: Mapping[str, Any]) -> None:
    at = aware(dt.datetime.fromisoformat(values["at"]))
    # Idempotent on replay: the same number's text received at the same moment is there already.
    for existing in session.scalars(select(InboxMessage).where(
        InboxMessage.kind == MessageKind.SMS.value, InboxMessage.created_at == at,
    )):
        if existing.callback_number == values["from"]:
            return
    urgency = values["urgency"]
    message = leave_message(
        session, call_sid=None, kind=MessageKind.SMS,
        identity=CallerIdentity(callback_number=values["from"]),
        details={"text": values["text"]}, urgency=Urgency(urgency) if urgency else None,
    )
    message.created_at = at  # when the patient wrote, not when the database came back


def aware(value: dt.datetime) -> dt.datetime:
    """A datetime from the database or a spool line, as UTC-aware (SQLite gives naive ones)."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
