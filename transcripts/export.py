"""The calls of a period one by one, with their outcome group, for an export.

Streamed in batches (`BATCH` calls, a few queries each), so a year of calls never sits in
memory; the transcript's text comes only when asked for.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from transcripts.models import Call, CallReview, InboxMessage, MessageKind, Turn
from transcripts.outcomes import COMPLETED, Handling, OutcomeGroup, handling, outcome_group
from transcripts.reviews import ReviewReason, TroubleKeys, review_reasons, said_keys
from transcripts.stats import utc

BATCH = 500


@dataclass(frozen=True)
class SaidLine:
    """One turn of a transcript."""

    speaker: str
    text: str
    key: str | None


@dataclass(frozen=True)
class CallRecord:
    """One call as an export shows it: no caller number, no name."""

    call_id: int
    started_at: dt.datetime
    ended_at: dt.datetime | None
    duration_s: int | None
    channel: str
    answered_by: str
    handling: Handling
    outcome: str | None
    group: OutcomeGroup
    messages: int
    reasons: tuple[ReviewReason, ...]
    reviewed: bool
    transcript: tuple[SaidLine, ...] | None
    """None unless asked for."""


class _Row(NamedTuple):
    id: int
    started_at: dt.datetime
    ended_at: dt.datetime | None
    duration_s: int | None
    channel: str
    answered_by: str
    outcome: str | None


def call_records(
    session: Session,
    start: dt.datetime,
    end: dt.datetime,
    *,
    trouble_keys: TroubleKeys,
    channel: str | None = None,
    with_transcripts: bool = False,
) -> Iterator[CallRecord]:
    """The calls that started in ``[start, end)``, in order of start."""
    where = [Call.started_at >= utc(start), Call.started_at < utc(end)]
    if channel is not None:
        where.append(Call.channel == channel)
    columns = (
        Call.id, Call.started_at, Call.ended_at, Call.duration_s, Call.channel, Call.answered_by,
        Call.outcome,
    )
    last: tuple[dt.datetime, int] | None = None
    while True:
        statement = select(*columns).where(*where).order_by(Call.started_at, Call.id).limit(BATCH)
        if last is not None:
            # Keyset paging: each batch is one indexed range read, however far into the year.
            statement = statement.where(
                (Call.started_at > last[0]) | ((Call.started_at == last[0]) & (Call.id > last[1]))
            )
        rows = [_Row(*row) for row in session.execute(statement)]
        if not rows:
            return
        yield from _records(session, rows, trouble_keys, with_transcripts)
        last = (rows[-1].started_at, rows[-1].id)


def _records(
    session: Session, rows: list[_Row], trouble_keys: TroubleKeys, with_transcripts: bool
) -> Iterator[CallRecord]:
    ids = [row.id for row in rows]
    messages: dict[int, int] = defaultdict(int)
    callbacks: set[int] = set()
    for call_id, kind, n in session.execute(
        select(InboxMessage.call_id, InboxMessage.kind, func.count())
        .where(InboxMessage.call_id.in_(ids))
        .group_by(InboxMessage.call_id, InboxMessage.kind)
    ):
        if call_id is None:
            continue
        messages[call_id] += int(n)
        if kind == MessageKind.CALLBACK.value:
            callbacks.add(call_id)
    reviewed = set(session.scalars(select(CallReview.call_id).where(CallReview.call_id.in_(ids))))
    keys = said_keys(session, ids, trouble_keys)
    transcripts = _transcripts(session, ids) if with_transcripts else {}
    for row in rows:
        call_id, started, ended, duration, channel, answered_by, outcome = row
        callback = outcome == COMPLETED and call_id in callbacks
        yield CallRecord(
            call_id=call_id,
            started_at=_aware(started),
            ended_at=_aware(ended) if ended else None,
            duration_s=duration,
            channel=channel,
            answered_by=answered_by,
            handling=handling(answered_by, outcome),
            outcome=outcome,
            group=outcome_group(outcome, answered_by, ended=ended is not None, callback=callback),
            messages=messages.get(call_id, 0),
            reasons=review_reasons(outcome, answered_by, keys.get(call_id, ()), trouble_keys),
            reviewed=call_id in reviewed,
            transcript=tuple(transcripts.get(call_id, ())) if with_transcripts else None,
        )


def _transcripts(session: Session, ids: list[int]) -> dict[int, list[SaidLine]]:
    found: dict[int, list[SaidLine]] = defaultdict(list)
    for call_id, speaker, text, key in session.execute(
        select(Turn.call_id, Turn.speaker, Turn.text, Turn.key)
        .where(Turn.call_id.in_(ids))
        .order_by(Turn.call_id, Turn.seq)
    ):
        found[int(call_id)].append(SaidLine(speaker, text, key))
    return found


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
