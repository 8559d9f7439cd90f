"""The sweeper: calls whose instance died (stale heartbeat) or whose stream never came are closed,
exactly once even with several sweepers at once, with an inbox message and their holds released.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterator

import pytest

import transcripts
from core import SWEPT_CALLS, AppContext, Database, Settings
from standardiste.sweeping import sweep_once
from tests.faults.support import hold_a_slot, live_holds, open_voice_call, say
from tests.support import CALLER

# Rows of the shared PostgreSQL database live in the past, far from other tests' calls: a
# sweep "at" `NOW` only sees calls stale before it.
NOW = dt.datetime(2001, 5, 4, 10, 0, tzinfo=dt.UTC)
STALE = dt.timedelta(seconds=60)
RINGING = dt.timedelta(seconds=120)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Database]:
    """The migrated database of the test, on SQLite and on PostgreSQL."""
    url = settings.database_url
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
    database = Database(url)
    yield database
    database.dispose()


def _sid() -> str:
    return "CA" + uuid.uuid4().hex


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _sweep(db: Database, now: dt.datetime = NOW) -> list[transcripts.SweptCall]:
    with db.session() as session:
        return transcripts.close_stale_calls(
            session, now=now, stale_after=STALE, ringing_timeout=RINGING
        )


def test_a_call_whose_heartbeat_stopped_is_closed_with_what_the_caller_said(db: Database) -> None:
    sid = _sid()
    with db.session() as session:
        open_voice_call(session, sid, started_at=NOW - dt.timedelta(minutes=3),
                        heartbeat_at=NOW - dt.timedelta(seconds=61), instance="gw-a")
        say(session, sid, "je voudrais un rendez-vous", "jeudi matin")
    swept = _sweep(db)
    assert [(c.call_sid, c.reason, c.instance) for c in swept] == [(sid, "dropped", "gw-a")]
    with db.session() as session:
        call = transcripts.get_call(session, sid)
        [message] = transcripts.messages_for_call(session, sid)
        assert call is not None and call.status == "failed" and call.outcome == "dropped"
        assert call.ended_at is not None and call.duration_s == 180
        assert message.id == swept[0].message_id
        assert message.kind == "callback" and message.callback_number == CALLER
        assert message.details == {
            "reason": "dropped", "said": ["je voudrais un rendez-vous", "jeudi matin"]
        }
    assert _sweep(db) == []  # closed once


def test_a_live_call_and_a_finished_one_are_left_alone(db: Database) -> None:
    live, done, chat = _sid(), _sid(), "chat-" + uuid.uuid4().hex
    with db.session() as session:
        open_voice_call(session, live, started_at=NOW - dt.timedelta(minutes=10),
                        heartbeat_at=NOW - dt.timedelta(seconds=59))
        open_voice_call(session, done, started_at=NOW - dt.timedelta(minutes=10),
                        heartbeat_at=NOW - dt.timedelta(minutes=9))
        transcripts.end_call(session, call_sid=done)
        # A chat has no media stream and no heartbeat: not the sweeper's.
        open_voice_call(session, chat, started_at=NOW - dt.timedelta(hours=1), channel="chat")
    assert _sweep(db) == []
    with db.session() as session:
        record = transcripts.get_call(session, live)
        assert record is not None and record.ended_at is None
        assert transcripts.messages_for_call(session, live) == []


def test_a_call_whose_stream_never_came_is_closed_after_the_ringing_timeout(db: Database) -> None:
    ringing, young, transfer = _sid(), _sid(), _sid()
    with db.session() as session:
        open_voice_call(session, ringing, started_at=NOW - RINGING - dt.timedelta(seconds=1))
        open_voice_call(session, young, started_at=NOW - RINGING + dt.timedelta(seconds=5))
        # A transfer never streams; Twilio's status callback closes it.
        open_voice_call(session, transfer, started_at=NOW - dt.timedelta(hours=1),
                        answered_by="transfer")
    swept = _sweep(db)
    assert [(c.call_sid, c.reason, c.instance) for c in swept] == [(ringing, "no_stream", None)]
    with db.session() as session:
        [message] = transcripts.messages_for_call(session, ringing)
        assert message.kind == "callback" and message.details["reason"] == "no_stream"
        assert message.callback_number == CALLER


def test_sweepers_running_at_once_close_each_call_exactly_once(db: Database) -> None:
    sids = [_sid() for _ in range(12)]
    with db.session() as session:
        for sid in sids:
            open_voice_call(session, sid, started_at=NOW - dt.timedelta(minutes=5),
                            heartbeat_at=NOW - dt.timedelta(minutes=2))
    results: list[list[transcripts.SweptCall]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def sweeper() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(_sweep(db))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=sweeper) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    closed = sorted(c.call_sid for result in results for c in result)
    assert closed == sorted(sids)  # every call once, none twice
    with db.session() as session:
        for sid in sids:
            assert len(transcripts.messages_for_call(session, sid)) == 1


def test_a_sweep_releases_the_slots_the_dead_instance_held(
    context: AppContext, settings: Settings
) -> None:
    sid = _sid()
    held = hold_a_slot(context, sid)
    now = dt.datetime.now(dt.UTC)
    with context.db.session() as session:
        open_voice_call(session, sid, started_at=now - dt.timedelta(minutes=2),
                        heartbeat_at=now - dt.timedelta(seconds=30))
    before = SWEPT_CALLS.labels(reason="dropped")._value.get()
    assert sweep_once(context.db, settings, now=now) == []  # 30 s < the 60 s default
    assert [h.hold_id for h in live_holds(context, sid)] == [held.hold_id]
    [swept] = sweep_once(context.db, settings, now=now, stale_after_s=20)
    assert swept.call_sid == sid
    assert live_holds(context, sid) == []
    assert SWEPT_CALLS.labels(reason="dropped")._value.get() == before + 1


def test_the_heartbeat_claims_then_refreshes_and_stops_once_the_call_is_closed(
    db: Database,
) -> None:
    sid = _sid()
    with db.session() as session:
        open_voice_call(session, sid, started_at=NOW)
    with db.session() as session:
        assert transcripts.claim_call(session, call_sid=sid, instance="gw-a", now=NOW)
    later = NOW + dt.timedelta(seconds=10)
    with db.session() as session:
        assert not transcripts.beat(session, call_sid=sid, instance="gw-b", now=later)
        assert transcripts.beat(session, call_sid=sid, instance="gw-a", now=later)
    with db.session() as session:
        call = transcripts.get_call(session, sid)
        assert call is not None and call.status == "in-progress" and call.instance == "gw-a"
        assert call.heartbeat_at is not None and _utc(call.heartbeat_at) == later
        transcripts.end_call(session, call_sid=sid)
    with db.session() as session:
        assert not transcripts.beat(session, call_sid=sid, instance="gw-a", now=later)
        assert not transcripts.claim_call(session, call_sid="CA-unknown", instance="gw-a",
                                          now=later)
