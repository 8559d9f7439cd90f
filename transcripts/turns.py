"""The turns of a call: who said what, and when."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from transcripts.models import Call, Speaker, Turn


def add_turn(
    session: Session,
    *,
    call_sid: str,
    speaker: Speaker,
    text: str,
    key: str | None = None,
    started_at: dt.datetime | None = None,
    ended_at: dt.datetime | None = None,
) -> Turn | None:
    """Append a turn to a call's record; None when the call is unknown.

    Args:
        session: The database session.
        call_sid: The call (or chat session) id.
        speaker: Who spoke.
        text: The recognised text or the reply said.
        key: The reply's response key, or ``silence``/``digits`` for non-speech caller turns.
        started_at: When the turn began (now when not given).
        ended_at: When it ended (``started_at`` when not given).

    Returns:
        The new turn.
    """
    call_id = session.scalar(select(Call.id).where(Call.call_sid == call_sid))
    if call_id is None:
        return None
    last = select(func.coalesce(func.max(Turn.seq), 0)).where(Turn.call_id == call_id)
    seq = session.scalar(last)
    start = started_at or dt.datetime.now(dt.UTC)
    turn = Turn(
        call_id=call_id,
        seq=int(seq or 0) + 1,
        speaker=speaker.value,
        text=text,
        key=key,
        started_at=start,
        ended_at=ended_at or start,
    )
    session.add(turn)
    session.flush()
    return turn


def list_turns(session: Session, call_sid: str) -> list[Turn]:
    """Every turn of a call, in order."""
    statement = (
        select(Turn).join(Call, Turn.call_id == Call.id).where(Call.call_sid == call_sid)
    ).order_by(Turn.seq)
    return list(session.scalars(statement))


def caller_words(session: Session, call_sid: str) -> list[str]:
    """What the caller said in a call, in order (silences left out): the request as heard,
    for a message left when nothing better was understood."""
    return [
        turn.text
        for turn in list_turns(session, call_sid)
        if turn.speaker == Speaker.CALLER.value and turn.text.strip()
    ]


def transcript_lines(turns: list[Turn]) -> list[dict[str, str | None]]:
    """Turns as plain data for the API and the inbox."""
    return [
        {
            "speaker": t.speaker,
            "text": t.text,
            "key": t.key,
            "at": t.started_at.isoformat() if t.started_at else None,
        }
        for t in turns
    ]
