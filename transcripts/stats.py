"""Counts over the call records and the inbox for a period, computed by the database.

Each figure is one GROUP BY query, so a year of a busy practice (50,000 calls) comes back as a
few thousand rows at most. Instants are bucketed by UTC hour (hours since 1970, whichever the
database); the staff page turns each bucket into the practice's local day and hour,
which is exact for zones whose offset is a whole number of hours (all of France but the
Marquesas). Periods are half-open: ``start <= started_at < end``.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, case, func, select
from sqlalchemy.orm import Session

from transcripts.models import Call, InboxMessage, MessageKind, MessageStatus
from transcripts.outcomes import (
    COMPLETED,
    Handling,
    OutcomeGroup,
    handling_filters,
    outcome_group,
)

HOUR_S = 3600
OPEN_TOO_LONG = dt.timedelta(hours=24)
"""A message still open this long after it arrived is counted as waiting too long."""


HANDLING_ORDER = (Handling.ASSISTANT, Handling.TRANSFERRED, Handling.OUTSIDE_HOURS)
"""The order of the counts in `CallStats.by_hour`."""


@dataclass(frozen=True)
class CallStats:
    """The calls of a period, by hour and by outcome."""

    by_hour: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    """Calls by UTC hour since 1970: how many each of `HANDLING_ORDER` handled."""
    by_group: dict[OutcomeGroup, int] = field(default_factory=dict)
    """Calls by outcome group."""
    by_outcome: dict[str, int] = field(default_factory=dict)
    """Calls by raw outcome (``none`` when none was written), for the curious and the JSON."""

    @property
    def total(self) -> int:
        """Every call of the period."""
        return sum(self.by_group.values())

    @cached_property
    def _handled(self) -> dict[Handling, int]:
        return {
            who: sum(counts[index] for counts in self.by_hour.values())
            for index, who in enumerate(HANDLING_ORDER)
        }

    def handled_by(self, who: Handling) -> int:
        """Calls handled by ``who``."""
        return self._handled[who]


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


def hour_key(session: Session, column: SQLColumnExpression[dt.datetime]) -> ColumnElement[Any]:
    """An SQL expression naming the UTC hour of a timestamp; `epoch_hour` reads it back."""
    if session.get_bind().dialect.name == "sqlite":
        # SQLite keeps UTC wall-clock text ('2027-01-04 09:30:00.000000'): its first 13
        # characters are the hour, cheaper to cut than any date function is to parse.
        return func.substr(column, 1, 13)
    # PostgreSQL: a timestamp, not the epoch (EXTRACT's numeric is slow to group on).
    return func.date_trunc("hour", func.timezone("UTC", column))


@lru_cache(maxsize=65536)
def epoch_hour(key: str | dt.datetime) -> int:
    """Whole hours since 1970-01-01 UTC, from a `hour_key` value."""
    if isinstance(key, dt.datetime):
        moment = key.timetuple()[:6]
    else:
        moment = (int(key[0:4]), int(key[5:7]), int(key[8:10]), int(key[11:13]), 0, 0)
    return calendar.timegm(moment) // HOUR_S


def elapsed(
    session: Session,
    start: SQLColumnExpression[dt.datetime],
    end: SQLColumnExpression[dt.datetime],
) -> ColumnElement[Any]:
    """``end - start`` as an SQL expression that sorts by length; `seconds` reads it back."""
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return end - start  # an interval: compared as it is, unlike EXTRACT's numeric


def seconds(value: float | dt.timedelta) -> float:
    """An `elapsed` value in seconds."""
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


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
    """The calls that started in ``[start, end)`` (of one channel, ``voice`` or ``chat``).

    Three queries, each answered from one of the calls' covering indexes: calls by hour and
    handling, by outcome, and how many ``completed`` calls left a callback request.
    """
    where = _period(start, end, channel)
    hours = select(
        hour_key(session, Call.started_at).label("hour"), Call.answered_by, Call.outcome
    ).where(*where).subquery()
    handled = handling_filters(hours.c.answered_by, hours.c.outcome)
    counts = [func.count().filter(handled[who]) for who in HANDLING_ORDER]
    # Thousands of rows: read on the Core connection, without the ORM's row processing.
    by_hour: dict[int, tuple[int, int, int]] = {
        epoch_hour(hour): (int(a), int(t), int(o))
        for hour, a, t, o in session.connection().execute(
            select(hours.c.hour, *counts).group_by(hours.c.hour)
        ).all()
    }
    by_group: Counter[OutcomeGroup] = Counter()
    by_outcome: Counter[str] = Counter()
    # Grouped in the order of the calls' outcome index (channel, answered_by, outcome): read
    # from the index without sorting; whether each call ended is counted alongside.
    for answered_by, outcome, n, still_open in session.execute(
        select(
            Call.answered_by, Call.outcome, func.count(),
            func.sum(case((Call.ended_at.is_(None), 1), else_=0)),
        ).where(*where).group_by(Call.answered_by, Call.outcome)
    ):
        by_outcome[outcome or "none"] += int(n)
        for ended, count in ((True, int(n) - int(still_open)), (False, int(still_open))):
            if count:
                by_group[outcome_group(outcome, answered_by, ended=ended)] += count
    # A ``completed`` call counted as answered above asked for a callback if it left one.
    callbacks = int(session.scalar(
        select(func.count(func.distinct(Call.id)))
        .join(InboxMessage, InboxMessage.call_id == Call.id)
        .where(
            *where, Call.outcome == COMPLETED, InboxMessage.kind == MessageKind.CALLBACK.value
        )
    ) or 0)
    if callbacks:
        by_group[OutcomeGroup.ANSWERED] -= callbacks
        by_group[OutcomeGroup.CALLBACK] += callbacks
    return CallStats(by_hour=by_hour, by_group=dict(+by_group), by_outcome=dict(by_outcome))


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
        # Left by a call of this channel, said as "by no call of another channel": the few
        # calls of the other channel are read once, instead of looking up every message's call.
        others = select(Call.id).where(Call.channel != channel)
        where += [InboxMessage.call_id.is_not(None), InboxMessage.call_id.not_in(others)]
    rows = select(
        InboxMessage.kind.label("kind"),
        (InboxMessage.status == MessageStatus.DONE.value).label("done"),
        (InboxMessage.created_at < utc(now) - OPEN_TOO_LONG).label("old"),
    ).where(*where).subquery()
    by_kind: Counter[str] = Counter()
    handled = open_too_long = 0
    for kind, done, old, n in session.execute(
        select(rows.c.kind, rows.c.done, rows.c.old, func.count())
        .group_by(rows.c.kind, rows.c.done, rows.c.old)
    ):
        by_kind[str(kind)] += int(n)
        if done:
            handled += int(n)
        elif old:
            open_too_long += int(n)
    handled_where = [*where, InboxMessage.status == MessageStatus.DONE.value]
    return MessageStats(
        by_kind=dict(by_kind),
        open_too_long=open_too_long,
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
    took = elapsed(session, InboxMessage.created_at, handled_at)
    middle = [
        seconds(value)
        for value in session.scalars(
            select(took).where(*where).order_by(took)
            .offset((count - 1) // 2).limit(1 if count % 2 else 2)
        )
    ]
    return sum(middle) / len(middle) if middle else None
