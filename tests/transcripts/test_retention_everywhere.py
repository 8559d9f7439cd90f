"""Nothing older than the retention remains, in any store: database rows, the words a message
quotes, recordings, the spool and its rejected records, and Rasa's tracker events.

The tracker's rows are written by the real Rasa server (a short chat through the live gateway);
the purge then runs on a copy of its store with the clock moved past the retention, so the
session's other Rasa tests keep theirs.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

import transcripts
from core import AppContext, Retention
from standardiste.app import build_context
from standardiste.migrate import upgrade
from tests.clock import staffed_tuesday
from tests.conftest import LiveGateway
from tests.support import API_TOKEN, make_settings
from transcripts.recordings import recording_path
from transcripts.retention import purge_expired
from transcripts.spool_retention import spool_dir
from transcripts.tracker_store import count_events, oldest_event

NOW = dt.datetime.now(dt.UTC)
DAY = dt.timedelta(days=1)
RETENTION = Retention(transcripts_days=90, recordings_days=30, messages_days=365)
CUTOFF = NOW - RETENTION.transcripts_days * DAY


def _seed_call(context: AppContext, sid: str, at: dt.datetime) -> None:
    with context.db.session() as session:
        call = transcripts.open_call(session, call_sid=sid, caller="+33612345678", called=None,
                                     answered_by="assistant")
        call.started_at = at
        transcripts.add_turn(session, call_sid=sid, speaker=transcripts.Speaker.CALLER,
                             text="rappelez-moi au sujet de mes analyses", started_at=at)
        message = transcripts.leave_message(
            session, call_sid=sid, kind=transcripts.MessageKind.CALLBACK,
            identity=transcripts.CallerIdentity(last_name="Dupont", callback_number="+33612345678"),
            details={"reason": "technical", "said": ["rappelez-moi au sujet de mes analyses"]},
        )
        message.created_at = at


def _spool_line(sid: str, at: dt.datetime) -> str:
    return json.dumps({"op": "turn", "call_sid": sid, "id": sid, "fields": {
        "speaker": "caller", "text": "mes analyses", "key": None, "at": at.isoformat()}}) + "\n"


def _aged(path: Path, at: dt.datetime) -> Path:
    os.utime(path, (at.timestamp(), at.timestamp()))
    return path


def test_every_store_is_purged_past_the_retention(context: AppContext) -> None:
    old, recent = NOW - 120 * DAY, NOW - 5 * DAY
    _seed_call(context, "CAold", old)
    _seed_call(context, "CArecent", recent)
    var = context.settings.standardiste_var_dir
    wav = recording_path(var, "CAold")
    wav.parent.mkdir(parents=True)
    wav.write_bytes(b"RIFF")
    _aged(wav, old)
    folder = spool_dir(var)
    folder.mkdir(parents=True)
    spool = folder / "gw1.jsonl"
    spool.write_text(_spool_line("CAold", old) + _spool_line("CArecent", recent))
    rejected = folder / "gw1.rejected"
    # A message record has no time of its own: its file's age stands for it.
    rejected.write_text(json.dumps({"op": "message", "call_sid": "CAold", "fields": {}}) + "\n")
    _aged(rejected, old)
    leftover = folder / "gw2.tmp"  # a replay's copy left by a crash
    leftover.write_text("x")
    _aged(leftover, old)

    report = purge_expired(context, now=NOW, retention=RETENTION)

    assert (report.calls, report.turns, report.recordings) == (1, 1, 1)
    assert report.quoted_words == 1 and report.spool_records == 2
    with context.db.session() as session:
        assert [c.call_sid for c in session.scalars(select(transcripts.Call))] == ["CArecent"]
        messages = list(session.scalars(select(transcripts.InboxMessage)))
        # Both messages stay (a year), the old one without the caller's words.
        assert sorted("said" in m.details for m in messages) == [False, True]
        for message in messages:
            created = message.created_at.replace(tzinfo=message.created_at.tzinfo or dt.UTC)
            assert "said" not in message.details or created >= CUTOFF
    assert not wav.exists() and not leftover.exists()
    assert not rejected.exists()
    [kept] = [json.loads(line) for line in spool.read_text().splitlines()]
    assert kept["call_sid"] == "CArecent"


@pytest.mark.rasa
def test_rasas_tracker_events_go_after_the_retention(
    rasa_server: str, live_gateway: LiveGateway, tmp_path: Path
) -> None:
    http = httpx.Client(base_url=live_gateway.url, timeout=60,
                        headers={"Authorization": f"Bearer {API_TOKEN}"})
    opened = http.post("/api/chat", json={"caller": "+33611220099", "at": staffed_tuesday()})
    session_id = opened.json()["session_id"]
    reply = http.post(f"/api/chat/{session_id}", json={"text": "quelle est votre adresse"})
    assert reply.status_code == 200, reply.text
    store = Path(live_gateway.settings.tracker_store)
    assert count_events(live_gateway.settings, sender_ids=[session_id]) > 0
    # Copies of the store Rasa wrote, so that the session's other tests keep their trackers.
    copy, erased = tmp_path / "tracker-copy.db", tmp_path / "tracker-erased.db"
    shutil.copy(store, copy)
    shutil.copy(store, erased)
    # A patient's erasure takes their conversations' events, and only theirs.
    on_copy = make_settings(tmp_path / "erase", rasa_tracker_store=str(erased))
    others = count_events(on_copy) - count_events(on_copy, sender_ids=[session_id])
    rows = transcripts.CallerRows(call_ids=[], call_sids={session_id}, message_ids=[])
    assert transcripts.erase_outside(on_copy, rows)["dialogue_events"] > 0
    assert count_events(on_copy, sender_ids=[session_id]) == 0
    assert count_events(on_copy) == others
    settings = make_settings(tmp_path, rasa_tracker_store=str(copy))
    upgrade(settings.database_url)
    context = build_context(settings)
    try:
        held = count_events(settings, sender_ids=[session_id])
        assert held > 0
        kept = purge_expired(context, now=NOW, retention=RETENTION)
        assert kept.tracker_events == 0 or count_events(settings, sender_ids=[session_id]) == held
        later = NOW + (RETENTION.transcripts_days + 1) * DAY
        report = purge_expired(context, now=later, retention=RETENTION)
        assert report.tracker_events >= held
        assert count_events(settings, sender_ids=[session_id]) == 0
        oldest = oldest_event(settings)
        assert oldest is None or oldest >= later - RETENTION.transcripts_days * DAY
    finally:
        context.db.dispose()
