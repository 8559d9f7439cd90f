"""The statistics' SQL on PostgreSQL: the same seeded month gives the same figures.

The database is shared by the session's PostgreSQL tests, so this month lives in 2001, where no
other test writes, and its practitioner and appointment type are its own.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from sqlalchemy import select, update

import transcripts
from agenda.models import AppointmentType, Practitioner
from core import PROJECT_ROOT, Database, load_practice
from staff.stats_figures import TROUBLE_KEYS, Channel, Period, Preset, gather
from tests.transcripts.stats_month import Seeded, seed_bookings, seed_month
from transcripts import Handling, OutcomeGroup
from transcripts.stats_rollup import StatsDay, count_days, split

pytestmark = pytest.mark.postgres
NOW = dt.datetime(2001, 6, 15, 16, 30, tzinfo=dt.UTC)


def test_a_month_counts_the_same_on_postgresql(postgres_url: str) -> None:
    db = Database(postgres_url)
    config = load_practice(PROJECT_ROOT / "config" / "practice.yaml")
    try:
        with db.session() as session:
            seeded = seed_month(session, NOW, prefix="PG")
            if session.get(Practitioner, "stats-pg") is None:
                session.add(Practitioner(id="stats-pg", name="Docteur Stat", feed_token="x"))
                session.add(AppointmentType(id="stats-pg", label="stat", duration_minutes=20))
        with db.session() as session:
            bookings = seed_bookings(session, NOW, "stats-pg", "stats-pg")
        period = Period(seeded.first_day, seeded.last_day, Preset.CUSTOM)
        figures = gather(db, config, period, Channel.VOICE, now=NOW)
        assert {g.value: n for g, n in figures.calls.by_group.items()} == seeded.groups()
        assert {h.value: figures.handled(h) for h in Handling if figures.handled(h)} == dict(
            seeded.handlings()
        )
        days = Counter(b.first for b in figures.buckets for _ in range(b.total))
        assert days == Counter(s.astimezone(config.tz).date() for _, _, s in seeded.of("voice"))
        assert sum(map(sum, figures.heat)) == len(seeded.of("voice"))
        assert figures.messages.by_kind == dict(seeded.messages_by_kind)
        assert figures.messages.open_too_long == seeded.open_too_long
        assert figures.messages.median_handling_s == pytest.approx(
            seeded.median_handling_s, abs=1
        )
        assert (figures.to_review, figures.reviewed) == (len(seeded.troubled()), 0)
        assert {k.value: v for k, v in figures.bookings.booked.items()} == bookings.booked
        assert {k.value: v for k, v in figures.bookings.cancelled.items()} == bookings.cancelled
        assert figures.bookings.no_shows == bookings.no_shows

        start, end = period.bounds(config.tz)
        _late_changes_and_two_readers(db, seeded, start, end)
        first = seeded.troubled()[0]
        with db.session() as session:
            assert transcripts.mark_reviewed(session, first, by="sophie")
            assert transcripts.mark_reviewed(session, first, by="claire")
        with db.session() as session:
            records = list(transcripts.call_records(
                session, start, end, trouble_keys=TROUBLE_KEYS, channel=None
            ))
            reviewed = [r.call_id for r in records if r.reviewed]
            listed = transcripts.calls_to_review(
                session, start, end, trouble_keys=TROUBLE_KEYS, reviewed=True, channel=None
            )
        assert sorted(r.call_id for r in records) == sorted(c for c, _, _ in seeded.calls)
        assert reviewed == [first]
        assert [(i.call_id, i.reviewed_by) for i in listed] == [(first, "sophie")]
        with db.session() as session:
            kept = session.scalars(select(transcripts.Call.id).where(
                transcripts.Call.call_sid.startswith("PG"))).all()
            assert len(kept) == len(seeded.of("voice"))
    finally:
        db.dispose()


def _late_changes_and_two_readers(
    db: Database, seeded: Seeded, start: dt.datetime, end: dt.datetime
) -> None:
    """The rollup on PostgreSQL: the open calls of a counted day close late (the triggers mark
    it stale), then two readers count the month again at once, each day once."""
    still_open = [c for c, spec, _ in seeded.of() if spec.group == "in_progress"]
    with db.session() as session:
        before = transcripts.call_stats(session, start, end, channel="voice", now=NOW)
        session.execute(update(transcripts.Call).where(transcripts.Call.id.in_(still_open))
                        .values(ended_at=NOW, outcome="hangup"))
    days = list(split(start, end, NOW).days)
    with db.session() as session:
        valid = set(session.scalars(select(StatsDay.day).where(
            StatsDay.valid, StatsDay.day.in_(days))))
        assert 0 < len(valid) < len(days)  # the closed calls' days went stale
        session.execute(update(StatsDay).where(StatsDay.day.in_(days)).values(valid=False))
    claimed: list[list[int]] = []
    readers = [threading.Thread(
        target=lambda: claimed.append(count_days(db.engine, days, now=NOW))) for _ in range(2)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    assert sorted(claimed[0] + claimed[1]) == days
    with db.session() as session:
        after = transcripts.call_stats(session, start, end, channel="voice", now=NOW)
        assert after == transcripts.call_stats(session, start, end, channel="voice", now=start)
    assert OutcomeGroup.IN_PROGRESS not in after.by_group
    assert after.by_group[OutcomeGroup.ABANDONED] == (
        before.by_group[OutcomeGroup.ABANDONED] + len(still_open)
    )
    with db.session() as session:  # put the month back as the rest of the test expects it
        session.execute(update(transcripts.Call).where(transcripts.Call.id.in_(still_open))
                        .values(ended_at=None, outcome=None))
