"""Counts over the call records and the inbox for a period.

A year of a busy practice is 50,000 calls: the days that are over are read from their kept
counts (`stats_rollup`: a few thousand rows a year), only the period's edges and the current
day from the calls and messages themselves. Calls are bucketed by UTC hour (hours since 1970,
whichever the database); the staff page turns each bucket into the practice's local day and
hour, which is exact for zones whose offset is a whole number of hours (all of France but the
Marquesas). Periods are half-open: ``start <= started_at < end``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from transcripts import stats_rollup
from transcripts.models import Call, InboxMessage, MessageStatus
from transcripts.outcomes import Handling, OutcomeGroup, outcome_group
from transcripts.stats_keys import elapsed, seconds
from transcripts.stats_keys import utc as utc

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


def _tally(
    by_hour: dict[int, tuple[int, int, int]],
    by_group: Counter[OutcomeGroup],
    by_outcome: Counter[str],
    hours: Iterable[tuple[int, int, int, int]],
    outcomes: Iterable[tuple[str, str, int, int, int]],
) -> None:
    for hour, a, t, o in hours:
        was = by_hour.get(hour, (0, 0, 0))
        by_hour[hour] = (was[0] + a, was[1] + t, was[2] + o)
    for answered_by, raw, n, still_open, callbacks in outcomes:
        outcome = raw or None
        by_outcome[outcome or "none"] += n
        for ended, count in ((True, n - still_open), (False, still_open)):
            if count:
                by_group[outcome_group(outcome, answered_by, ended=ended)] += count
        # A ``completed`` call counted as answered above asked for a callback if it left one.
        if callbacks:
            by_group[OutcomeGroup.ANSWERED] -= callbacks
            by_group[OutcomeGroup.CALLBACK] += callbacks


def call_stats(
    session: Session,
    start: dt.datetime,
    end: dt.datetime,
    *,
    channel: str | None = None,
    now: dt.datetime | None = None,
) -> CallStats:
    """The calls that started in ``[start, end)`` (of one channel, ``voice`` or ``chat``).

    The UTC days over by ``now`` (now by default) are read from the rollup
    (`stats_rollup`), counted there first if need be; the edges of the period and the
    current day from the calls themselves.
    """
    parts = stats_rollup.prepare(session, start, end, now or dt.datetime.now(dt.UTC))
    conn = session.connection()
    by_hour: dict[int, tuple[int, int, int]] = {}
    by_group: Counter[OutcomeGroup] = Counter()
    by_outcome: Counter[str] = Counter()
    for low, high in parts.raw:
        hours, outcomes = stats_rollup.count_calls(conn, low, high, channel)
        _tally(
            by_hour, by_group, by_outcome,
            ((hour, a, t, o) for hour, _, a, t, o in hours),
            ((by, outcome, n, still, cb) for _, _, by, outcome, n, still, cb in outcomes),
        )
    if parts.days:
        _tally(by_hour, by_group, by_outcome,
               *stats_rollup.rolled_calls(conn, parts.days, channel))
    return CallStats(by_hour=by_hour, by_group=dict(+by_group), by_outcome=dict(by_outcome))


WARM_DAYS = 400
"""How far back the sweeper keeps the days counted: the statistics page's longest period."""


def count_finished_days(session: Session, now: dt.datetime, days: int = WARM_DAYS) -> None:
    """Count the days over (missing or made stale since) ahead of the statistics' readers, so
    that no staff member waits for a year to be counted: the sweeper calls it at each pass,
    where it costs one small query once the days are counted."""
    stats_rollup.prepare(session, now - dt.timedelta(days=days), now, now)


def message_stats(
    session: Session,
    start: dt.datetime,
    end: dt.datetime,
    *,
    now: dt.datetime,
    channel: str | None = None,
) -> MessageStats:
    """The inbox messages that arrived in ``[start, end)`` (left by calls of one channel).

    How many of each kind: from the rollup for the days over, like the calls. Whether they
    are handled, and how fast, changes after the fact: counted from the messages themselves,
    read by state from one covering index.
    """
    parts = stats_rollup.prepare(session, start, end, now)
    conn = session.connection()
    by_kind: Counter[str] = Counter()
    for low, high in parts.raw:
        for _, _, kind, n in stats_rollup.count_kinds(conn, low, high, channel):
            by_kind[kind] += n
    if parts.days:
        for kind, n in stats_rollup.rolled_kinds(conn, parts.days, channel):
            by_kind[kind] += n
    where: list[ColumnElement[bool]] = [
        InboxMessage.created_at >= utc(start), InboxMessage.created_at < utc(end)
    ]
    if channel is not None:
        # Left by a call of this channel, said as "by no call of another channel": the few
        # calls of the other channel are read once, instead of looking up every message's call
        # (as two ranges of the channel index: SQLite would read all of it for a "!=").
        others = select(Call.id).where(or_(Call.channel < channel, Call.channel > channel))
        where += [InboxMessage.call_id.is_not(None), InboxMessage.call_id.not_in(others)]
    handled_where = [*where, InboxMessage.status == MessageStatus.DONE.value]
    handled = int(conn.scalar(select(func.count()).where(*handled_where)) or 0)
    still_open = [s.value for s in MessageStatus if s is not MessageStatus.DONE]
    open_too_long = int(conn.scalar(select(func.count()).where(
        *where, InboxMessage.status.in_(still_open),
        InboxMessage.created_at < utc(now) - OPEN_TOO_LONG,
    )) or 0)
    return MessageStats(
        by_kind=dict(+by_kind),
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
