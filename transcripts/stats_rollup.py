"""The statistics' counts of the UTC days that are over, kept per hour and per day (the rollup), so
that a year reads a few thousand counts instead of every call.

A day is counted the first time a reader needs it, once it has been over for `SETTLE` (a call
ending after midnight, Twilio's last status), and its counts are kept. Any later write to a
call or a message of that day — the sweeper closing a call, an outcome reported late, a
callback request left afterwards, the retention purge, an erasure — marks the day stale
through database triggers (migration ``0011_stats_rollup``), whoever the writer, and the next
reader counts it again. What changes without touching the day's rows' keys, whether a message
is handled and when, is not kept here: `stats.message_stats` reads it from the raw rows.

Two readers (two gateways) never count a day twice: a day is claimed by updating its mark row
from stale to valid, in the transaction that replaces its counts; the second claimant waits for
the first, then finds it valid. The triggers update the same row, so a write to a day either
commits before the claim (and is counted) or waits for the claimer's commit and marks the day
stale again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    Boolean,
    Connection,
    DateTime,
    Engine,
    Index,
    Integer,
    String,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from transcripts.models import Call, InboxMessage, MessageKind, TranscriptsBase
from transcripts.outcomes import COMPLETED, Handling, handling_filters
from transcripts.stats_keys import (
    DAY_S,
    day_key,
    day_start,
    epoch_day,
    epoch_hour,
    hour_key,
    utc,
)

SETTLE = dt.timedelta(hours=1)
"""How long after its end a day is counted for good (later writes still mark it stale)."""
NO_CHANNEL = ""
"""The channel of a message no call left (a patient's text); also the outcome not written yet."""
_HANDLING = tuple(who.value for who in Handling)
"""The columns of `StatsCallHour`, in `stats.HANDLING_ORDER`."""
_BATCH = 500

# The message figures that change after the fact are read from the raw rows, by state and
# arrival, from this index alone (declared here: only the statistics read by it).
Index(
    "ix_inbox_messages_status_figures",
    InboxMessage.status, InboxMessage.created_at, InboxMessage.call_id,
    InboxMessage.handled_at, InboxMessage.updated_at,
)


class StatsDay(TranscriptsBase):
    """A UTC day (days since 1970) whose counts are kept; ``valid`` false: count it again."""

    __tablename__ = "stats_days"

    day: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    valid: Mapped[bool] = mapped_column(Boolean)
    counted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class StatsCallHour(TranscriptsBase):
    """Calls of one UTC hour (hours since 1970) and channel, by who handled them."""

    __tablename__ = "stats_call_hours"
    # Read in key order, from the key alone (SQLite: the key is the table).
    __table_args__ = ({"sqlite_with_rowid": False},)

    hour: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    assistant: Mapped[int] = mapped_column(Integer)
    transferred: Mapped[int] = mapped_column(Integer)
    outside_hours: Mapped[int] = mapped_column(Integer)


class StatsCallOutcome(TranscriptsBase):
    """Calls of one UTC day by channel, ``answered_by`` and raw outcome (`NO_CHANNEL`: none)."""

    __tablename__ = "stats_call_outcomes"
    __table_args__ = ({"sqlite_with_rowid": False},)

    day: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    answered_by: Mapped[str] = mapped_column(String(24), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(32), primary_key=True)
    calls: Mapped[int] = mapped_column(Integer)
    still_open: Mapped[int] = mapped_column(Integer)
    callbacks: Mapped[int] = mapped_column(Integer)
    """``completed`` calls that left a callback request."""


class StatsMessageKind(TranscriptsBase):
    """Inbox messages that arrived on one UTC day, by the channel of their call and kind."""

    __tablename__ = "stats_message_kinds"
    __table_args__ = ({"sqlite_with_rowid": False},)

    day: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    messages: Mapped[int] = mapped_column(Integer)


HourRow = tuple[int, str, int, int, int]
"""(hour, channel, assistant, transferred, outside hours)."""
OutcomeRow = tuple[int, str, str, str, int, int, int]
"""(day, channel, answered_by, outcome or `NO_CHANNEL`, calls, still open, callbacks)."""
KindRow = tuple[int, str, str, int]
"""(day, channel or `NO_CHANNEL`, kind, messages)."""


@dataclass(frozen=True)
class Split:
    """A period as the days read from the rollup and the instants read from the raw rows."""

    days: range
    raw: tuple[tuple[dt.datetime, dt.datetime], ...]


def split(start: dt.datetime, end: dt.datetime, now: dt.datetime) -> Split:
    """The whole UTC days of ``[start, end)`` that have been over for `SETTLE`, and the rest."""
    start, end = utc(start), utc(end)
    first = int(-(-start.timestamp() // DAY_S))
    stop = int(min(end, utc(now) - SETTLE).timestamp() // DAY_S)
    if stop <= first:
        return Split(range(0), ((start, end),) if start < end else ())
    raw = []
    if start < day_start(first):
        raw.append((start, day_start(first)))
    if day_start(stop) < end:
        raw.append((day_start(stop), end))
    return Split(range(first, stop), tuple(raw))


def prepare(session: Session, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> Split:
    """`split`, with every rolled-up day of it counted (those missing or stale, now)."""
    parts = split(start, end, now)
    if parts.days:
        days = parts.days
        valid = set(session.connection().scalars(
            select(StatsDay.day).where(StatsDay.day >= days.start, StatsDay.day < days.stop,
                                       StatsDay.valid)
        ))
        missing = [day for day in days if day not in valid]
        if missing:
            bind = session.get_bind()
            count_days(bind if isinstance(bind, Engine) else bind.engine, missing, now=now)
    return parts


def count_days(engine: Engine, days: Sequence[int], *, now: dt.datetime) -> list[int]:
    """Count these days from the raw rows and keep the counts (idempotent); returns those this
    call counted (another reader may have just done the others)."""
    values = [{"day": day, "valid": False} for day in days]
    with engine.begin() as conn:
        # Committed first: the claim below must lock a row the triggers can see.
        upsert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        for at in range(0, len(values), _BATCH):
            conn.execute(upsert(StatsDay).values(values[at:at + _BATCH]).on_conflict_do_nothing())
    with engine.begin() as conn:
        claimed: list[int] = []
        for at in range(0, len(days), _BATCH):
            claimed += conn.scalars(
                update(StatsDay)
                .where(StatsDay.day.in_(days[at:at + _BATCH]), ~StatsDay.valid)
                .values(valid=True, counted_at=now)
                .returning(StatsDay.day)
            ).all()
        for first, stop in _runs(sorted(claimed)):
            _replace(conn, first, stop)
    return sorted(claimed)


def _runs(days: Sequence[int]) -> Iterable[tuple[int, int]]:
    """Consecutive days as ``[first, stop)`` ranges."""
    if not days:
        return
    first = previous = days[0]
    for day in days[1:]:
        if day != previous + 1:
            yield first, previous + 1
            first = day
        previous = day
    yield first, previous + 1


def _replace(conn: Connection, first: int, stop: int) -> None:
    conn.execute(delete(StatsCallHour).where(
        StatsCallHour.hour >= first * 24, StatsCallHour.hour < stop * 24
    ))
    conn.execute(delete(StatsCallOutcome).where(
        StatsCallOutcome.day >= first, StatsCallOutcome.day < stop
    ))
    conn.execute(delete(StatsMessageKind).where(
        StatsMessageKind.day >= first, StatsMessageKind.day < stop
    ))
    start, end = day_start(first), day_start(stop)
    hours, outcomes = count_calls(conn, start, end, None)
    kinds = count_kinds(conn, start, end, None)
    for table, columns, rows in (
        (StatsCallHour, ("hour", "channel", *_HANDLING), hours),
        (StatsCallOutcome, ("day", "channel", "answered_by", "outcome", "calls", "still_open",
                            "callbacks"), outcomes),
        (StatsMessageKind, ("day", "channel", "kind", "messages"), kinds),
    ):
        if rows:
            conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


def count_calls(
    conn: Connection, start: dt.datetime, end: dt.datetime, channel: str | None
) -> tuple[list[HourRow], list[OutcomeRow]]:
    """The calls that started in ``[start, end)``, from the raw rows: by hour and who handled
    them, and by day and outcome (each answered from one of the calls' covering indexes)."""
    # Every channel, sorted out below: filtering on the channel in SQL would lead SQLite to
    # read all of that channel's calls by the outcome index instead of the period's by time.
    where = [Call.started_at >= utc(start), Call.started_at < utc(end)]
    hours = select(
        hour_key(conn, Call.started_at).label("hour"), Call.channel, Call.answered_by,
        Call.outcome,
    ).where(*where).subquery()
    handled = handling_filters(hours.c.answered_by, hours.c.outcome)
    by_hour: list[HourRow] = [
        (epoch_hour(hour), str(ch), int(a), int(t), int(o))
        for hour, ch, a, t, o in conn.execute(
            select(hours.c.hour, hours.c.channel,
                   *[func.count().filter(handled[who]) for who in Handling])
            .group_by(hours.c.hour, hours.c.channel)
        )
        if channel is None or ch == channel
    ]
    # Correlated only for ``completed`` calls: the others' group does not depend on it.
    callback = case((and_(Call.outcome == COMPLETED, exists().where(
        InboxMessage.call_id == Call.id, InboxMessage.kind == MessageKind.CALLBACK.value
    )), 1), else_=0)
    day = day_key(conn, Call.started_at)
    outcomes: list[OutcomeRow] = [
        (epoch_day(d), str(ch), str(by), outcome or NO_CHANNEL, int(n), int(still), int(cb))
        for d, ch, by, outcome, n, still, cb in conn.execute(
            select(day, Call.channel, Call.answered_by, Call.outcome, func.count(),
                   func.sum(case((Call.ended_at.is_(None), 1), else_=0)), func.sum(callback))
            .where(*where).group_by(day, Call.channel, Call.answered_by, Call.outcome)
        )
        if channel is None or ch == channel
    ]
    return by_hour, outcomes


def count_kinds(
    conn: Connection, start: dt.datetime, end: dt.datetime, channel: str | None
) -> list[KindRow]:
    """The messages that arrived in ``[start, end)`` (left by calls of ``channel``), from the
    raw rows, by day and kind."""
    day = day_key(conn, InboxMessage.created_at)
    of_channel = func.coalesce(Call.channel, NO_CHANNEL)
    statement = (
        select(day, of_channel, InboxMessage.kind, func.count())
        .select_from(InboxMessage).outerjoin(Call, Call.id == InboxMessage.call_id)
        .where(InboxMessage.created_at >= utc(start), InboxMessage.created_at < utc(end))
        .group_by(day, of_channel, InboxMessage.kind)
    )
    return [
        (epoch_day(d), str(ch), str(kind), int(n)) for d, ch, kind, n in conn.execute(statement)
        if channel is None or ch == channel  # not in SQL: see `count_calls`
    ]


def rolled_calls(
    conn: Connection, days: range, channel: str | None
) -> tuple[list[tuple[int, int, int, int]], list[tuple[str, str, int, int, int]]]:
    """The kept counts of ``days``: calls by hour (hour, assistant, transferred, outside hours),
    and by answered_by and outcome (calls, still open, callbacks)."""
    hours = [StatsCallHour.hour >= days.start * 24, StatsCallHour.hour < days.stop * 24]
    outcomes = [StatsCallOutcome.day >= days.start, StatsCallOutcome.day < days.stop]
    if channel is not None:
        hours.append(StatsCallHour.channel == channel)
        outcomes.append(StatsCallOutcome.channel == channel)
    t = StatsCallHour
    by_hour = [
        (int(h), int(a), int(tr), int(o)) for h, a, tr, o in conn.execute(
            select(t.hour, func.sum(t.assistant), func.sum(t.transferred),
                   func.sum(t.outside_hours)).where(*hours).group_by(t.hour)
        )
    ]
    o = StatsCallOutcome
    by_outcome = [
        (str(by), str(outcome), int(n), int(still), int(cb)) for by, outcome, n, still, cb in
        conn.execute(
            select(o.answered_by, o.outcome, func.sum(o.calls), func.sum(o.still_open),
                   func.sum(o.callbacks)).where(*outcomes).group_by(o.answered_by, o.outcome)
        )
    ]
    return by_hour, by_outcome


def rolled_kinds(conn: Connection, days: range, channel: str | None) -> list[tuple[str, int]]:
    """The kept counts of ``days``' messages by kind (left by calls of ``channel``)."""
    k = StatsMessageKind
    where = [k.day >= days.start, k.day < days.stop]
    if channel is not None:
        where.append(k.channel == channel)
    return [(str(kind), int(n)) for kind, n in conn.execute(
        select(k.kind, func.sum(k.messages)).where(*where).group_by(k.kind)
    )]
