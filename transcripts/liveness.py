"""Which gateway instance holds a call's media stream, and its heartbeat.

A call's WebSocket lives in one gateway process. That process claims the call when the stream
starts and refreshes ``heartbeat_at`` while it lasts; if the process dies, the heartbeat goes
stale and any instance's sweeper (`transcripts.sweeper`) closes the call.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.orm import Session

from transcripts.models import Call, CallStatus


def claim_call(session: Session, *, call_sid: str, instance: str, now: dt.datetime) -> bool:
    """Mark an open call as streaming on ``instance``; False when it is unknown or closed.

    Args:
        session: The database session (the caller commits).
        call_sid: The call's CallSid.
        instance: This gateway instance's name (``STANDARDISTE_INSTANCE``).
        now: The heartbeat time (UTC).

    Returns:
        Whether an open call record took the claim.
    """
    result = session.execute(
        update(Call)
        .where(Call.call_sid == call_sid, Call.ended_at.is_(None))
        .values(
            instance=instance,
            heartbeat_at=now,
            status=CallStatus.IN_PROGRESS.value,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def beat(session: Session, *, call_sid: str, instance: str, now: dt.datetime) -> bool:
    """Refresh the heartbeat of a call this instance holds; False once the call is closed.

    A False answer while the socket is still open means a sweeper judged this instance dead
    (it stalled longer than the stale delay): the call record is closed already.
    """
    result = session.execute(
        update(Call)
        .where(Call.call_sid == call_sid, Call.ended_at.is_(None), Call.instance == instance)
        .values(heartbeat_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
