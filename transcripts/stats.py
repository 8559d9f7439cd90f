"""Counts over the call records and the inbox for a period, computed by the database.

Each figure is one GROUP BY query, so a year of a busy practice (50,000 calls) comes back as a
few thousand rows at most. Instants are bucketed by UTC hour (hours since 1970, the same on
SQLite and PostgreSQL); the staff page turns each bucket into the practice's local day and hour,
which is exact for zones whose offset is a whole number of hours (all of France but the
Marquesas). Periods are half-open: ``start <= started_at < end``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Integer, SQLColumnExpression, cast, func, select
from sqlalchemy.orm import Session

from transcripts.models import Call, InboxMessage, MessageKind, MessageStatus
from transcripts.outcomes import COMPLETED, Handling, OutcomeGroup, handling_sql, outcome_group

HOUR_S = 3600
OPEN_TOO_LONG = dt.timedelta(hours=24)
"""A message still open this long after it arrived is counted as waiting too long."""


@dataclass(frozen=True)
class CallStats:
    """The calls of a period, by hour and by outcome."""

    by_hour: dict[tuple[int, Handling], int] = field(default_factory=dict)
    """Calls by (UTC hour since 1970, who handled them)."""
    by_group: dict[OutcomeGroup, int] = field(default_factory=dict)
    """Calls by outcome group."""
    by_outcome: dict[str, int] = field(default_factory=dict)
    """Calls by raw outcome (``none`` when none was written), for the curious and the JSON."""

    @property
    def total(self) -> int:
        """Every call of the period."""
        return sum(self.by_group.values())

    def handled_by(self, who: Handling) -> int:
        """Calls handled by ``who``."""
        return sum(n for (_, by), n in self.by_hour.items() if by is who)


@dataclass(frozen=True)
class MessageStats:
    """The inbox messages that arrived in a period."""

    by_kind: dict[str, int]
    open_too_long: int
    """Still not handled `OPEN_TOO_LONG` after they arrived."""
    handled: int
    median_handling_s: float | None
    """From arrival to « traité », over the handled ones (None when none was)."""

    @property
    def total(self) -> int:
        """Every message of the period."""
        return sum(self.by_kind.values())


def utc(moment: dt.datetime) -> dt.datetime:
    """An aware instant in UTC (SQLite stores the wall clock it is given)."""
    if moment.tzinfo is None:
        raise ValueError("period bounds must be timezone-aware")
    return moment.astimezone(dt.UTC)


def epoch_hour(session: Session, column: SQLColumnExpression[dt.datetime]) -> ColumnElement[Any]:
    """Whole hours since 1970-01-01 UTC of a timestamp column, on SQLite or PostgreSQL."""
    if session.get_bind().dialect.name == "sqlite":
        # SQLite keeps UTC wall-clock text ('2027-01-04 09:30:00.000000'); %s reads it as UTC.
        return cast(func.strftime("%s", column), Integer) / HOUR_S
    return cast(func.floor(func.extract("epoch", column) / HOUR_S), Integer)


def seconds_between(
    session: Session,
    start: SQLColumnExpression[dt.datetime],
    end: SQLColumnExpression[dt.datetime],
) -> ColumnElement[Any]:
    """``end - start`` in seconds, as an SQL expression."""
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return func.extract("epoch", end - start)


def _period(start: dt.datetime, end: dt.datetime, channel: str | None) -> list[
    ColumnElement[bool]
]:
    where = [Call.started_at >= utc(start), Call.started_at < utc(end)]
    if channel is not None:
        where.append(Call.channel == channel)
    return where


def call_stats(
    session: Session, start: dt.datetime, end: dt.datetime, *, channel: str | None = None
) -> CallStats:
    """The calls that started in ``[start, end)`` (of one channel, ``voice`` or ``chat``)."""
    where = _period(start, end, channel)
    hours = select(
        epoch_hour(session, Call.started_at).label("hour"), handling_sql().label("handling")
    ).where(*where).subquery()
    by_hour = {
        (int(hour), Handling(who)): int(n)
        for hour, who, n in session.execute(
            select(hours.c.hour, hours.c.handling, func.count())
            .group_by(hours.c.hour, hours.c.handling)
        )
    }
    # Only a ``completed`` call needs to know whether it left a callback request.
    callback = (
        select(InboxMessage.call_id)
        .where(InboxMessage.kind == MessageKind.CALLBACK.value)
        .distinct()
        .subquery()
    )
    rows = (
        select(
            Call.outcome.label("outcome"),
            Call.answered_by.label("answered_by"),
            Call.ended_at.is_not(None).label("ended"),
            callback.c.call_id.is_not(None).label("callback"),
        )
        .outerjoin(
            callback, (callback.c.call_id == Call.id) & (Call.outcome == COMPLETED)
        )
        .where(*where)
        .subquery()
    )
    by_group: Counter[OutcomeGroup] = Counter()
    by_outcome: Counter[str] = Counter()
    for outcome, answered_by, ended, left, n in session.execute(
        select(rows.c.outcome, rows.c.answered_by, rows.c.ended, rows.c.callback, func.count())
        .group_by(rows.c.outcome, rows.c.answered_by, rows.c.ended, rows.c.callback)
    ):
        group = outcome_group(outcome, answered_by, ended=bool(ended), callback=bool(left))
        by_group[group] += int(n)
        by_outcome[outcome or "none"] += int(n)
    return CallStats(by_hour=by_hour, by_group=dict(by_group), by_outcome=dict(by_outcome))


def message_stats(
    session: Session,
    start: dt.datetime,
    end: dt.datetime,
    *,
    now: dt.datetime,
    channel: str | None = None,
) -> MessageStats:
    """The inbox messages that arrived in ``[start, end)`` (left by calls of one channel)."""
    where: list[ColumnElement[bool]] = [
        InboxMessage.created_at >= utc(start), InboxMessage.created_at < utc(end)
    ]
    if channel is not None:
        where.append(InboxMessage.call.has(Call.channel == channel))
    by_kind = {
        str(kind): int(n)
        for kind, n in session.execute(
            select(InboxMessage.kind, func.count()).where(*where).group_by(InboxMessage.kind)
        )
    }
    open_too_long = session.scalar(
        select(func.count()).where(
            *where,
            InboxMessage.status != MessageStatus.DONE.value,
            InboxMessage.created_at < utc(now) - OPEN_TOO_LONG,
        )
    )
    handled_where = [*where, InboxMessage.status == MessageStatus.DONE.value]
    handled = int(session.scalar(select(func.count()).where(*handled_where)) or 0)
    return MessageStats(
        by_kind=by_kind,
        open_too_long=int(open_too_long or 0),
        handled=handled,
        median_handling_s=_median_handling(session, handled_where, handled),
    )


def _median_handling(session: Session, where: list[ColumnElement[bool]], count: int) -> (
    float | None
):
    """The median of (handled − arrived), read as the one or two middle rows in SQL order."""
    if count == 0:
        return None
    handled_at = func.coalesce(InboxMessage.handled_at, InboxMessage.updated_at)
    took = seconds_between(session, InboxMessage.created_at, handled_at)
    middle = [
        float(value)
        for value in session.scalars(
            select(took).where(*where).order_by(took)
            .offset((count - 1) // 2).limit(1 if count % 2 else 2)
        )
    ]
    return sum(middle) / len(middle) if middle else None
