"""Closing the calls nobody holds any more: their instance died, or their stream never came.

Every gateway instance runs the sweep (`standardiste.sweeping`); several may run it at once.
Each stale call is claimed by one conditional UPDATE (its WHERE re-checks that the call is still
open and stale), so exactly one sweeper closes it and leaves its inbox message, in the same
transaction. On PostgreSQL the candidates are picked with ``FOR UPDATE SKIP LOCKED``, so a
second sweeper skips the rows a first one is closing instead of waiting for them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from transcripts.inbox import leave_message
from transcripts.models import Call, CallStatus, MessageKind
from transcripts.summaries import CallerIdentity
from transcripts.turns import caller_words

DROPPED = "dropped"
"""Outcome and message reason of a call whose instance stopped beating."""
NO_STREAM = "no_stream"
"""Outcome and message reason of a call that rang but whose media stream never came."""
_STREAMED_MODES = ("assistant", "message", "announcement")
"""Decisions answered by our media stream (a transfer never streams: Twilio closes it)."""
_BATCH = 100


@dataclass(frozen=True)
class SweptCall:
    """A call a sweep closed."""

    call_sid: str
    reason: str
    """`DROPPED` or `NO_STREAM`."""
    instance: str | None
    """The instance that held it (None when no stream ever came)."""
    message_id: int


def _stale(now: dt.datetime, stale_after: dt.timedelta, ringing_timeout: dt.timedelta) -> (
    ColumnElement[bool]
):
    lost = and_(Call.heartbeat_at.is_not(None), Call.heartbeat_at < now - stale_after)
    never_streamed = and_(
        Call.heartbeat_at.is_(None),
        Call.started_at < now - ringing_timeout,
        Call.answered_by.in_(_STREAMED_MODES),
    )
    return and_(
        Call.ended_at.is_(None),
        Call.channel == "voice",
        Call.status.in_((CallStatus.RINGING.value, CallStatus.IN_PROGRESS.value)),
        or_(lost, never_streamed),
    )


def close_stale_calls(
    session: Session,
    *,
    now: dt.datetime,
    stale_after: dt.timedelta,
    ringing_timeout: dt.timedelta,
) -> list[SweptCall]:
    """Close the open voice calls nobody holds, each with an inbox message of what was said.

    Args:
        session: The database session; the caller commits (claims and messages together).
        now: The current time (UTC).
        stale_after: A heartbeat older than this means the holding instance is gone.
        ringing_timeout: A call ringing this long with no media stream will never get one.

    Returns:
        The calls this sweep closed (another sweeper's are not among them).
    """
    stale = _stale(now, stale_after, ringing_timeout)
    candidates = (
        select(Call.id).where(stale).order_by(Call.id).limit(_BATCH)
        .with_for_update(skip_locked=True)
    )
    claimed = session.execute(
        update(Call)
        .where(Call.id.in_(candidates.scalar_subquery()), stale)
        .values(status=CallStatus.FAILED.value, ended_at=now)
        .returning(Call.call_sid, Call.heartbeat_at, Call.instance)
        .execution_options(synchronize_session=False)
    ).all()
    swept = []
    for call_sid, heartbeat_at, instance in claimed:
        reason = NO_STREAM if heartbeat_at is None else DROPPED
        call = session.scalars(select(Call).where(Call.call_sid == call_sid)).one()
        call.outcome = call.outcome or reason
        started = call.started_at if call.started_at.tzinfo else call.started_at.replace(
            tzinfo=dt.UTC
        )
        call.duration_s = call.duration_s or max(0, int((now - started).total_seconds()))
        said = caller_words(session, call_sid)
        message = leave_message(
            session,
            call_sid=call_sid,
            kind=MessageKind.CALLBACK,
            identity=CallerIdentity(callback_number=call.caller),
            details={"reason": reason, "said": said},
            once_per_call=True,
        )
        swept.append(SweptCall(call_sid, reason, instance, message.id))
    return swept
