"""Retention: transcripts, recordings and messages go after their periods, the rest stays."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

import transcripts
from core import AppContext, Retention
from standardiste.cli import app
from transcripts.recordings import recording_path
from transcripts.retention import purge_expired, retention_loop

NOW = dt.datetime(2027, 6, 1, 12, 0, tzinfo=dt.UTC)
RETENTION = Retention(transcripts_days=90, recordings_days=30, messages_days=365)


def _call(context: AppContext, sid: str, started: dt.datetime, *, message_at: dt.datetime | None
          ) -> None:
    with context.db.session() as session:
        call = transcripts.open_call(session, call_sid=sid, caller="+33612345678", called=None,
                                     answered_by="assistant")
        call.started_at = started
        transcripts.add_turn(session, call_sid=sid, speaker=transcripts.Speaker.CALLER,
                             text="je voudrais un renouvellement", started_at=started)
        if message_at is not None:
            message = transcripts.leave_message(
                session, call_sid=sid, kind=transcripts.MessageKind.RENEWAL,
                identity=transcripts.CallerIdentity(last_name="Dupont",
                                                    callback_number="+33612345678"),
                details={"medicines": "Levothyrox"},
            )
            message.created_at = message_at


def _wav(context: AppContext, sid: str, age_days: int) -> Path:
    path = recording_path(context.settings.standardiste_var_dir, sid)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF0000WAVE")
    stamp = (NOW - dt.timedelta(days=age_days)).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def _counts(context: AppContext) -> tuple[int, int, int]:
    with context.db.session() as session:
        return (
            session.scalar(select(func.count(transcripts.Call.id))) or 0,
            session.scalar(select(func.count(transcripts.Turn.id))) or 0,
            session.scalar(select(func.count(transcripts.InboxMessage.id))) or 0,
        )


def test_each_kind_of_data_goes_after_its_own_period(context: AppContext) -> None:
    days = dt.timedelta(days=1)
    _call(context, "CAold", NOW - 400 * days, message_at=NOW - 400 * days)  # everything goes
    _call(context, "CAmid", NOW - 100 * days, message_at=NOW - 100 * days)  # message stays
    _call(context, "CAnew", NOW - 10 * days, message_at=NOW - 10 * days)  # everything stays
    old_wav = _wav(context, "CAold", 400)
    mid_wav = _wav(context, "CAmid", 40)  # its call is purged, so its recording goes too
    new_wav = _wav(context, "CAnew", 10)
    stray_wav = _wav(context, "CAstray", 31)  # no call: goes by age alone
    report = purge_expired(context, now=NOW, retention=RETENTION)
    assert (report.calls, report.turns, report.messages, report.recordings) == (2, 2, 1, 3)
    assert _counts(context) == (1, 1, 2)
    assert not old_wav.exists() and not mid_wav.exists() and not stray_wav.exists()
    assert new_wav.exists()
    with context.db.session() as session:
        kept = transcripts.list_messages(session)
        assert sorted(m.call_id is None for m in kept) == [False, True]
        assert all(m.summary for m in kept)
    again = purge_expired(context, now=NOW, retention=RETENTION)
    assert (again.calls, again.messages, again.recordings) == (0, 0, 0)


def test_recordings_never_outlive_six_months(context: AppContext) -> None:
    wav = _wav(context, "CAlong", 200)
    purge_expired(context, now=NOW, retention=Retention(recordings_days=183))
    assert not wav.exists()


def test_the_practice_settings_give_the_periods(context: AppContext) -> None:
    period = context.practice.retention.messages_days
    _call(context, "CAa", NOW, message_at=NOW - dt.timedelta(days=period + 1))
    _call(context, "CAb", NOW, message_at=NOW - dt.timedelta(days=period - 1))
    assert purge_expired(context, now=NOW).messages == 1


def test_the_gateway_loop_purges_and_stops_when_cancelled(context: AppContext) -> None:
    _call(context, "CAold", dt.datetime.now(dt.UTC) - dt.timedelta(days=1000), message_at=None)

    async def run() -> None:
        task = asyncio.create_task(retention_loop(context, interval_s=0.05, first_delay_s=0))
        for _ in range(200):
            await asyncio.sleep(0.05)
            if _counts(context)[0] == 0:
                break
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert task.cancelled()

    asyncio.run(run())
    assert _counts(context) == (0, 0, 0)


def test_purge_command(context: AppContext) -> None:
    from core import get_settings

    _call(context, "CAold", dt.datetime.now(dt.UTC) - dt.timedelta(days=1000),
          message_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1000))
    settings = context.settings
    env = {"DATABASE_URL": settings.database_url,
           "STANDARDISTE_VAR_DIR": str(settings.standardiste_var_dir),
           "STANDARDISTE_CONFIG": str(settings.standardiste_config)}
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["purge"], env=env)
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "1 call(s), 1 turn(s), 1 message(s)" in result.output
    assert _counts(context) == (0, 0, 0)
