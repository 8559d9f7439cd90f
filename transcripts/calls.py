"""Call records: opened by the incoming-call webhook, closed by the status callback."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from transcripts.models import Call, CallStatus

_TERMINAL = {"completed", "busy", "failed", "no-answer", "canceled"}


def open_call(
    session: Session,
    *,
    call_sid: str,
    caller: str | None,
    called: str | None,
    answered_by: str,
    channel: str = "voice",
) -> Call:
    """Create the call record, or return the existing one: Twilio retries are idempotent."""
    existing = session.scalar(select(Call).where(Call.call_sid == call_sid))
    if existing is not None:
        return existing
    call = Call(
        call_sid=call_sid,
        caller=caller,
        called=called,
        answered_by=answered_by,
        channel=channel,
        status=CallStatus.RINGING.value,
    )
    session.add(call)
    session.flush()
    return call


def record_status(
    session: Session, *, call_sid: str, status: str, duration_s: int | None = None
) -> Call | None:
    """Apply a Twilio call-status callback; a terminal status closes the record."""
    call = session.scalar(select(Call).where(Call.call_sid == call_sid))
    if call is None:
        return None
    if status in _TERMINAL:
        call.status = (
            CallStatus.COMPLETED.value if status == "completed" else CallStatus.FAILED.value
        )
        call.ended_at = call.ended_at or dt.datetime.now(dt.UTC)
        if duration_s is not None:
            call.duration_s = duration_s
        if call.outcome is None and status != "completed":
            call.outcome = status
    elif status == "in-progress" and call.status == CallStatus.RINGING.value:
        call.status = CallStatus.IN_PROGRESS.value
    return call


def get_call(session: Session, call_sid: str) -> Call | None:
    """The call record with this CallSid, if any."""
    return session.scalar(select(Call).where(Call.call_sid == call_sid))
