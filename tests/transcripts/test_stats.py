"""The statistics' counts, the review queue and the export over a seeded month (real SQLite).

The seeded calls carry their expected outcome group, handling and review reasons, written by
hand (`stats_month.SPECS`); every count here is compared with them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import select

import transcripts
from core import AppContext, Retention
from standardiste.app import build_context
from standardiste.migrate import upgrade
from tests.support import make_settings
from tests.transcripts.stats_month import PARIS, SPECS, Seeded, seed_month
from transcripts import Handling, OutcomeGroup, ReviewReason
from transcripts.models import Call, CallReview, InboxMessage

TROUBLE_KEYS = {
    "utter_take_message_instead": ReviewReason.NOT_UNDERSTOOD,
    "utter_silence_goodbye": ReviewReason.GAVE_UP,
    "utter_technical_problem": ReviewReason.TECHNICAL,
}


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AppContext, Seeded]]:
    """One seeded month for the tests that read it (and put back what they change)."""
    settings = make_settings(tmp_path_factory.mktemp("stats"))
    upgrade(settings.database_url)
    context = build_context(settings)
    with context.db.session() as session:
        seeded = seed_month(session, dt.datetime.now(dt.UTC))
    yield context, seeded
    context.db.dispose()


@pytest.fixture
def shared_context(shared: tuple[AppContext, Seeded]) -> AppContext:
    return shared[0]


@pytest.fixture
def month(shared: tuple[AppContext, Seeded]) -> Seeded:
    return shared[1]


def _bounds(seeded: Seeded) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(seeded.first_day, dt.time(0), PARIS)
    return start, dt.datetime.combine(seeded.last_day + dt.timedelta(days=1), dt.time(0), PARIS)


def test_every_call_falls_in_its_outcome_group_and_handling(
    shared_context: AppContext, month: Seeded
) -> None:
    start, end = _bounds(month)
    with shared_context.db.session() as session:
        for channel in ("voice", "chat", None):
            stats = transcripts.call_stats(session, start, end, channel=channel)
            assert {g.value: n for g, n in stats.by_group.items()} == month.groups(channel)
            handled = Counter({h.value: stats.handled_by(h) for h in Handling})
            assert +handled == month.handlings(channel)
            assert stats.total == len(month.of(channel))
        # A day's worth of calls is that day's, and nothing outside the period counts.
        stats = transcripts.call_stats(session, start, end, channel="voice")
        hours = Counter(
            dt.datetime.fromtimestamp(hour * 3600, PARIS).date() for hour, counts in
            stats.by_hour.items() for _ in range(sum(counts))
        )
        assert hours == Counter(s.astimezone(PARIS).date() for _, _, s in month.of("voice"))
        before = transcripts.call_stats(session, start - dt.timedelta(days=30), start)
        assert before.total == 0


def test_python_and_sql_agree_on_who_handled_each_call(
    shared_context: AppContext, month: Seeded
) -> None:
    start, end = _bounds(month)
    with shared_context.db.session() as session:
        stats = transcripts.call_stats(session, start, end, channel=None)
        calls = session.scalars(select(Call)).all()
    by_python = Counter(transcripts.call_handling(c.answered_by, c.outcome) for c in calls)
    assert {h: stats.handled_by(h) for h in Handling if stats.handled_by(h)} == dict(by_python)


def test_an_outcome_nobody_knows_yet_counts_as_other() -> None:
    group = transcripts.outcome_group("sms_reply_received", "assistant", ended=True)
    assert group is OutcomeGroup.OTHER
    assert transcripts.outcome_group("transfer_busy", "assistant", ended=True) is (
        OutcomeGroup.TRANSFER_UNANSWERED
    )
    assert transcripts.outcome_group(None, "assistant", ended=False) is OutcomeGroup.IN_PROGRESS


def test_message_counts_and_median_time_to_handle(
    shared_context: AppContext, month: Seeded
) -> None:
    start, end = _bounds(month)
    with shared_context.db.session() as session:
        stats = transcripts.message_stats(session, start, end, now=month.now, channel="voice")
    assert stats.by_kind == dict(month.messages_by_kind)
    assert stats.handled == len(month.handled_s)
    assert stats.median_handling_s == pytest.approx(month.median_handling_s, abs=1)
    assert stats.open_too_long == month.open_too_long
    assert month.open_too_long > 0


def test_marking_a_message_handled_stamps_when(context: AppContext) -> None:
    with context.db.session() as session:
        message = transcripts.leave_message(
            session, call_sid=None, kind=transcripts.MessageKind.MESSAGE,
            identity=transcripts.CallerIdentity(),
        )
        transcripts.set_message_status(session, message.id, transcripts.MessageStatus.DONE)
        first = message.handled_at
        assert first is not None
        transcripts.set_message_status(session, message.id, transcripts.MessageStatus.DONE)
        assert message.handled_at == first
        transcripts.set_message_status(session, message.id, transcripts.MessageStatus.NEW)
        assert message.handled_at is None


def test_the_review_queue_lists_the_calls_that_ended_badly(
    shared_context: AppContext, month: Seeded
) -> None:
    start, end = _bounds(month)
    expected = {call_id: spec.reasons for call_id, spec, _ in month.calls if spec.reasons}
    with shared_context.db.session() as session:
        items = transcripts.calls_to_review(
            session, start, end, trouble_keys=TROUBLE_KEYS, channel=None, limit=500
        )
        assert {i.call_id: tuple(r.value for r in i.reasons) for i in items} == expected
        assert [i.started_at for i in items] == sorted((i.started_at for i in items), reverse=True)
        assert transcripts.review_counts(
            session, start, end, trouble_keys=TROUBLE_KEYS, channel="voice"
        ) == (len(month.troubled("voice")), 0)
        first = items[0].call_id
        assert transcripts.mark_reviewed(session, first, by="sophie")
        assert transcripts.mark_reviewed(session, first, by="claire")  # a second mark: no-op
    with shared_context.db.session() as session:
        left = transcripts.calls_to_review(session, start, end, trouble_keys=TROUBLE_KEYS,
                                           channel=None, limit=500)
        done = transcripts.calls_to_review(session, start, end, trouble_keys=TROUBLE_KEYS,
                                           channel=None, reviewed=True)
        assert first not in {i.call_id for i in left}
        assert [(i.call_id, i.reviewed_by) for i in done] == [(first, "sophie")]
        assert transcripts.mark_reviewed(session, first, by=None)
        assert not transcripts.mark_reviewed(session, 10**6, by="sophie")
    with shared_context.db.session() as session:
        assert session.scalars(select(CallReview)).all() == []


def test_a_review_goes_with_its_call_when_the_retention_purges_it(context: AppContext) -> None:
    with context.db.session() as session:
        month = seed_month(session, dt.datetime.now(dt.UTC))
    call_id = month.troubled()[0]
    with context.db.session() as session:
        transcripts.mark_reviewed(session, call_id, by="sophie")
    later = month.now + dt.timedelta(days=400)
    report = transcripts.purge_expired(
        context, now=later, retention=Retention(transcripts_days=1, messages_days=1)
    )
    assert report.calls == len(month.calls)
    with context.db.session() as session:
        assert session.scalars(select(CallReview)).all() == []
        assert session.scalars(select(InboxMessage)).all() == []


def test_the_export_has_one_line_per_call_with_its_figures(
    shared_context: AppContext, month: Seeded
) -> None:
    start, end = _bounds(month)
    with shared_context.db.session() as session:
        records = list(transcripts.call_records(
            session, start, end, trouble_keys=TROUBLE_KEYS, channel=None, with_transcripts=True
        ))
    by_id = {call_id: spec for call_id, spec, _ in month.calls}
    assert sorted(r.call_id for r in records) == sorted(by_id)
    assert [r.started_at for r in records] == sorted(r.started_at for r in records)
    for record in records:
        spec = by_id[record.call_id]
        assert record.group.value == spec.group
        assert record.handling.value == spec.handling
        assert tuple(r.value for r in record.reasons) == spec.reasons
        assert record.messages == len(spec.messages)
        assert record.transcript is not None
        assert [line.speaker for line in record.transcript][:2] == ["assistant", "caller"]
    assert len(SPECS) * 2 == len(records)


def test_periods_must_be_aware(shared_context: AppContext) -> None:
    with shared_context.db.session() as session, pytest.raises(ValueError, match="aware"):
        transcripts.call_stats(session, dt.datetime(2027, 1, 1), dt.datetime(2027, 2, 1))
