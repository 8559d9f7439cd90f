"""When a conversation last moved: its latest turn (or its start), and the open ones gone quiet.

A typed conversation has no line that drops: the channel decides it is over when nobody wrote
for a while (the website's chat expires its conversations this way).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from transcripts.models import Call, Turn


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; every instant here was written in UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def last_activity(session: Session, call: Call) -> dt.datetime:
    """The moment of the call's latest turn, or its start when it has none (aware, UTC)."""
    latest = session.scalar(select(func.max(Turn.started_at)).where(Turn.call_id == call.id))
    return _utc(latest if latest is not None else call.started_at)


def idle_conversations(
    session: Session, *, channel: str, before: dt.datetime, limit: int = 100
) -> list[str]:
    """The ids of the channel's open conversations with nothing said since ``before``."""
    latest = (
        select(Turn.call_id, func.max(Turn.started_at).label("at"))
        .group_by(Turn.call_id)
        .subquery()
    )
    moved = func.coalesce(latest.c.at, Call.started_at)
    statement = (
        select(Call.call_sid)
        .outerjoin(latest, latest.c.call_id == Call.id)
        .where(Call.channel == channel, Call.ended_at.is_(None), moved < before)
        .order_by(moved)
        .limit(limit)
    )
    return list(session.scalars(statement))
