"""A caller's rights over the transcripts: what is held (export) and its erasure, in every store.

A caller is found by their number (the calls it made, the messages asking to be called back on
it) and, for messages, their birth date when one was noted; calls named by the agenda (those that
booked the patient's appointments) are added by the caller of these functions. Every store is
covered: calls and turns, inbox messages, recordings, the spool (pending and rejected records)
and Rasa's tracker events of those conversations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from core import Settings
from transcripts.models import Call, InboxMessage, Turn
from transcripts.recordings import existing_recording, partial_path
from transcripts.spool_retention import erase_spooled_calls, spooled_records
from transcripts.tracker_store import conversation_events, erase_conversations


@dataclass(frozen=True)
class CallerRows:
    """The ids of a caller's calls and messages."""

    call_ids: list[int]
    call_sids: set[str]
    message_ids: list[int]


def _iso(moment: dt.datetime | dt.date | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def caller_rows(
    session: Session, phone: str, birth_date: dt.date, call_sids: Collection[str] = ()
) -> CallerRows:
    """The calls from ``phone`` (plus ``call_sids``) and the messages that are the caller's."""
    calls = session.execute(
        select(Call.id, Call.call_sid).where(
            or_(Call.caller == phone, Call.call_sid.in_(sorted(call_sids)))
        )
    ).all()
    call_ids = [row[0] for row in calls]
    messages = list(
        session.scalars(
            select(InboxMessage.id).where(
                or_(
                    InboxMessage.call_id.in_(call_ids),
                    # A message keeps its own copy of who called: the same number, and no other
                    # birth date (someone else calling from the same phone keeps theirs).
                    (InboxMessage.callback_number == phone)
                    & or_(
                        InboxMessage.birth_date.is_(None), InboxMessage.birth_date == birth_date
                    ),
                )
            )
        )
    )
    return CallerRows(call_ids, {row[1] for row in calls}, messages)


def export_caller(
    session: Session, settings: Settings, rows: CallerRows
) -> dict[str, Any]:
    """Everything held about these calls and messages, as plain JSON-ready data."""
    var_dir = settings.standardiste_var_dir
    calls: list[dict[str, Any]] = []
    recordings: list[dict[str, Any]] = []
    for call in session.scalars(select(Call).where(Call.id.in_(rows.call_ids)).order_by(Call.id)):
        turns = session.scalars(select(Turn).where(Turn.call_id == call.id).order_by(Turn.seq))
        calls.append({
            "call_sid": call.call_sid,
            "channel": call.channel,
            "caller": call.caller,
            "started_at": _iso(call.started_at),
            "ended_at": _iso(call.ended_at),
            "outcome": call.outcome,
            "summary": call.summary,
            "recording_consent": call.recording_consent,
            "turns": [
                {"speaker": t.speaker, "text": t.text, "at": _iso(t.started_at)} for t in turns
            ],
        })
        path = existing_recording(var_dir, call.call_sid)
        if path is not None:
            recordings.append({"call_sid": call.call_sid, "file": path.name,
                               "bytes": path.stat().st_size})
    messages = [
        {
            "id": m.id,
            "kind": m.kind,
            "status": m.status,
            "created_at": _iso(m.created_at),
            "last_name": m.last_name,
            "first_name": m.first_name,
            "birth_date": _iso(m.birth_date),
            "callback_number": m.callback_number,
            "summary": m.summary,
            "details": m.details,
            "note": m.note,
        }
        for m in session.scalars(
            select(InboxMessage).where(InboxMessage.id.in_(rows.message_ids))
            .order_by(InboxMessage.id)
        )
    ]
    return {
        "calls": calls,
        "messages": messages,
        "recordings": recordings,
        "dialogue_events": conversation_events(settings, rows.call_sids),
        "pending_writes": spooled_records(var_dir, rows.call_sids),
    }


def erase_spooled(settings: Settings, rows: CallerRows) -> int:
    """First step of an erasure: the spooled records, which a replay would otherwise write
    back into the tables just emptied."""
    return erase_spooled_calls(settings.standardiste_var_dir, rows.call_sids).records


def erase_caller(session: Session, rows: CallerRows) -> dict[str, int]:
    """Delete the caller's calls, turns and messages (in ``session``, committed by the caller)."""
    counts = {
        "messages": _rowcount(session.execute(
            delete(InboxMessage).where(InboxMessage.id.in_(rows.message_ids))
        )),
        "turns": _rowcount(session.execute(delete(Turn).where(Turn.call_id.in_(rows.call_ids)))),
    }
    # Messages of the practice's other callers may still point at a shared call: keep them.
    session.execute(
        update(InboxMessage)
        .where(InboxMessage.call_id.in_(rows.call_ids))
        .values(call_id=None)
    )
    counts["calls"] = _rowcount(session.execute(delete(Call).where(Call.id.in_(rows.call_ids))))
    return counts


def erase_outside(settings: Settings, rows: CallerRows) -> dict[str, int]:
    """Last step, once the rows are gone for good: recordings and Rasa's tracker events."""
    return {
        "recordings": _erase_recordings(settings, rows.call_sids),
        "dialogue_events": erase_conversations(settings, rows.call_sids),
    }


def _erase_recordings(settings: Settings, call_sids: Collection[str]) -> int:
    erased = 0
    for sid in call_sids:
        final = existing_recording(settings.standardiste_var_dir, sid)
        try:
            partial = partial_path(settings.standardiste_var_dir, sid)
        except ValueError:
            continue
        for path in (final, partial):
            if path is not None and path.exists():
                path.unlink()
                erased += 1
    return erased


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
