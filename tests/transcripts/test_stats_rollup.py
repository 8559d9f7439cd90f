"""The statistics' rollup (real SQLite): the days kept as counts give the figures the raw rows
give, before and after late changes to a day already counted, and two readers count a day once.

"Raw" is the same period asked with ``now`` at its start: no day of it is over yet, so every
figure comes from the calls and messages themselves.
"""

from __future__ import annotations

import datetime as dt
import statistics
import threading
from collections import Counter

import pytest
from sqlalchemy import select, update

import transcripts
from core import AppContext
from tests.transcripts.stats_month import PARIS, Seeded, seed_month
from transcripts import OutcomeGroup
from transcripts.models import Call, InboxMessage
from transcripts.stats_rollup import StatsDay, count_days, split

CHANNELS = ("voice", "chat", None)


def _bounds(month: Seeded) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(month.first_day, dt.time(0), PARIS)
    return start, dt.datetime.combine(month.last_day + dt.timedelta(days=1), dt.time(0), PARIS)


def _same_as_raw(context: AppContext, month: Seeded) -> transcripts.CallStats:
    """Every channel's call figures, and the voice messages', rolled up and raw; returns the
    rolled-up voice calls."""
    start, end = _bounds(month)
    with context.db.session() as session:
        for channel in CHANNELS:
            rolled = transcripts.call_stats(session, start, end, channel=channel, now=month.now)
            raw = transcripts.call_stats(session, start, end, channel=channel, now=start)
            assert rolled == raw
            assert rolled.total == len(month.of(channel))
        rolled_messages = transcripts.message_stats(session, start, end, now=month.now)
        kinds = Counter(session.scalars(select(InboxMessage.kind).where(
            InboxMessage.created_at >= start, InboxMessage.created_at < end)))
        assert rolled_messages.by_kind == dict(kinds)
        return transcripts.call_stats(session, start, end, channel="voice", now=month.now)


def _valid_days(context: AppContext) -> set[int]:
    with context.db.session() as session:
        return set(session.scalars(select(StatsDay.day).where(StatsDay.valid)))


def test_a_month_from_the_rollup_counts_as_the_raw_rows(context: AppContext) -> None:
    with context.db.session() as session:
        month = seed_month(session, dt.datetime.now(dt.UTC))
    calls = _same_as_raw(context, month)
    assert {g.value: n for g, n in calls.by_group.items()} == month.groups("voice")
    days = split(*_bounds(month), month.now).days
    assert len(days) >= 28
    assert _valid_days(context) == set(days)


def test_late_changes_to_a_counted_day_are_counted(context: AppContext) -> None:
    now = dt.datetime.now(dt.UTC)
    with context.db.session() as session:
        month = seed_month(session, now)
        # The calls still open and a completed call nobody asked a callback for, three days
        # back: their day is counted before they change.
        answered = next(c for c, spec, _ in month.of() if spec.group == "answered")
        still_open = [c for c, spec, _ in month.of() if spec.group == "in_progress"]
        session.execute(update(Call).where(Call.id.in_([answered, *still_open])).values(
            started_at=now - dt.timedelta(days=3)))
        waiting = session.scalars(select(InboxMessage.id).where(
            InboxMessage.status == "new", InboxMessage.created_at < now - dt.timedelta(days=2)
        )).first()
    assert waiting is not None
    before = _same_as_raw(context, month)
    assert before.by_group[OutcomeGroup.IN_PROGRESS] == len(still_open) == 2

    with context.db.session() as session:
        # The sweeper closes the calls whose stream never came (a callback request each)...
        swept = transcripts.close_stale_calls(
            session, now=now, stale_after=dt.timedelta(minutes=1),
            ringing_timeout=dt.timedelta(minutes=1),
        )
        assert {c.reason for c in swept} == {"no_stream"}
        # ...a callback request is left afterwards for a completed call...
        sid = session.get_one(Call, answered).call_sid
        transcripts.leave_message(session, call_sid=sid, kind=transcripts.MessageKind.CALLBACK,
                                  identity=transcripts.CallerIdentity())
        # ...and a message of a counted day is handled.
        transcripts.set_message_status(session, waiting, transcripts.MessageStatus.DONE)
    after = _same_as_raw(context, month)
    assert OutcomeGroup.IN_PROGRESS not in after.by_group
    assert after.by_group[OutcomeGroup.TECHNICAL] == before.by_group[OutcomeGroup.TECHNICAL] + 2
    assert after.by_group[OutcomeGroup.CALLBACK] == before.by_group[OutcomeGroup.CALLBACK] + 1
    assert after.by_group[OutcomeGroup.ANSWERED] == before.by_group[OutcomeGroup.ANSWERED] - 1

    start, end = _bounds(month)
    with context.db.session() as session:
        messages = transcripts.message_stats(session, start, end, now=month.now, channel=None)
        done = session.execute(select(InboxMessage.created_at, InboxMessage.handled_at).where(
            InboxMessage.status == "done", InboxMessage.created_at >= start)).all()
    assert messages.handled == len(month.handled_s) + 1 == len(done)
    assert messages.open_too_long == month.open_too_long - 1
    assert messages.median_handling_s == pytest.approx(
        statistics.median((h - c).total_seconds() for c, h in done), abs=1
    )
    assert messages.by_kind["callback"] == month.messages_by_kind["callback"] + 3


def test_two_readers_count_each_day_once(context: AppContext) -> None:
    with context.db.session() as session:
        month = seed_month(session, dt.datetime.now(dt.UTC))
    days = list(split(*_bounds(month), month.now).days)
    claimed: list[list[int]] = []
    engine = context.db.engine
    readers = [
        threading.Thread(target=lambda: claimed.append(count_days(engine, days, now=month.now)))
        for _ in range(2)
    ]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    assert sorted(claimed[0] + claimed[1]) == days  # each day by one reader, none twice
    assert count_days(engine, days, now=month.now) == []  # nothing stale left
    _same_as_raw(context, month)


def test_the_sweeper_counts_the_days_over_before_anyone_reads_them(context: AppContext) -> None:
    with context.db.session() as session:
        month = seed_month(session, dt.datetime.now(dt.UTC))
    days = split(*_bounds(month), month.now).days
    assert days and not _valid_days(context) & set(days)
    with context.db.session() as session:
        transcripts.count_finished_days(session, month.now)
    assert set(days) <= _valid_days(context)
    # The page's reader then finds them counted, and gets the raw rows' figures.
    assert count_days(context.db.engine, list(days), now=month.now) == []
    _same_as_raw(context, month)
