"""Call records: opened by the incoming-call webhook, closed by the status callback."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
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
    simulated_start: dt.datetime | None = None,
) -> Call:
    """Create the call record, or return the existing one: Twilio retries are idempotent.

    ``simulated_start`` lets a chat try-out pretend to happen at another moment.
    """
    call, _created = open_call_once(
        session,
        call_sid=call_sid,
        caller=caller,
        called=called,
        answered_by=answered_by,
        channel=channel,
        simulated_start=simulated_start,
    )
    return call


def open_call_once(
    session: Session,
    *,
    call_sid: str,
    caller: str | None,
    called: str | None,
    answered_by: str,
    channel: str = "voice",
    simulated_start: dt.datetime | None = None,
) -> tuple[Call, bool]:
    """Like `open_call`, and whether this call created the record.

    Two requests with one CallSid may race (Twilio retrying a webhook that was slow, two
    instances behind a load balancer): the insert is ``ON CONFLICT DO NOTHING`` on the unique
    CallSid, so exactly one creates the record and the other reads it, on SQLite as on
    PostgreSQL, with no integrity error to catch.

    Returns:
        The record and True when it was created here.
    """
    existing = session.scalar(select(Call).where(Call.call_sid == call_sid))
    if existing is not None:
        return existing, False
    values = {
        "call_sid": call_sid,
        "caller": caller,
        "called": called,
        "answered_by": answered_by,
        "channel": channel,
        "status": CallStatus.RINGING.value,
        "simulated_start": simulated_start,
    }
    statement = (
        _insert(session).values(values)
        .on_conflict_do_nothing(index_elements=[Call.call_sid])
        .returning(Call.id)
    )
    # No row back when another request's insert won (rowcount is not reliable here).
    created = session.execute(statement).first() is not None
    call = session.scalars(
        select(Call).where(Call.call_sid == call_sid).execution_options(populate_existing=True)
    ).one()
    return call, created


def _insert(session: Session) -> sqlite.Insert | postgresql.Insert:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(Call)
    if dialect == "sqlite":
        return sqlite.insert(Call)
    raise NotImplementedError(f"calls on {dialect}: SQLite and PostgreSQL only")


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


def set_outcome(session: Session, *, call_sid: str, outcome: str, overwrite: bool = True) -> None:
    """Record how the call went (``renewal``, ``booked``, ``transferred``, ``emergency``…)."""
    call = get_call(session, call_sid)
    if call is not None and (overwrite or call.outcome is None):
        call.outcome = outcome


def end_call(session: Session, *, call_sid: str, outcome: str | None = None) -> Call | None:
    """Close a call record from our side (the chat ended, the media stream closed).

    Twilio's status callback may close it again later; the first end time is kept.
    """
    call = get_call(session, call_sid)
    if call is None:
        return None
    now = dt.datetime.now(dt.UTC)
    if call.ended_at is None:
        call.ended_at = now
        started = call.started_at if call.started_at.tzinfo else call.started_at.replace(
            tzinfo=dt.UTC
        )
        call.duration_s = call.duration_s or int((now - started).total_seconds())
    if call.status in (CallStatus.RINGING.value, CallStatus.IN_PROGRESS.value):
        call.status = CallStatus.COMPLETED.value
    if outcome and call.outcome is None:
        call.outcome = outcome
    return call


def conversation_clock(call: Call, now: dt.datetime | None = None) -> dt.datetime:
    """The conversation's "now" (UTC): real time, or the simulated start plus time elapsed."""
    now = now or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:  # SQLite gives back naive UTC datetimes
        now = now.replace(tzinfo=dt.UTC)
    if call.simulated_start is None:
        return now
    started = call.started_at if call.started_at.tzinfo else call.started_at.replace(tzinfo=dt.UTC)
    simulated = call.simulated_start
    if simulated.tzinfo is None:
        simulated = simulated.replace(tzinfo=dt.UTC)
    return simulated + (now - started)
