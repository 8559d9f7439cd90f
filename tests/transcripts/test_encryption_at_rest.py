"""Encryption at rest: a copied disk shows no transcript, message body, recording or spooled
write in clear; the app reads them back; the key file is owner-only; rotation re-encrypts
everything under a new key; the migration encrypts rows written before."""

from __future__ import annotations

import datetime as dt
import json
import wave
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from typer.testing import CliRunner

import transcripts
from core import AppContext, DataKeyError, data_key_path, get_settings, new_data_key
from standardiste.app import build_context
from standardiste.cli import app
from standardiste.migrate import upgrade
from tests.support import make_settings

SAID = "je prends du Levothyrox cent microgrammes"


def _db_bytes(context: AppContext) -> bytes:
    path = Path(context.settings.database_url.split("///", 1)[1])
    context.db.dispose()  # the WAL folded into the file: everything is in its bytes
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def _call_with_words(context: AppContext, sid: str = "CAenc") -> None:
    with context.db.session() as session:
        transcripts.open_call(session, call_sid=sid, caller="+33612345678", called=None,
                              answered_by="assistant")
        transcripts.add_turn(session, call_sid=sid, speaker=transcripts.Speaker.CALLER, text=SAID)
        message = transcripts.leave_message(
            session, call_sid=sid, kind=transcripts.MessageKind.RENEWAL,
            identity=transcripts.CallerIdentity(last_name="Dupont"),
            details={"medicines": "Levothyrox", "said": [SAID]},
        )
        message.note = "rappeler pour la posologie"


def test_the_database_holds_no_free_text_in_clear(context: AppContext) -> None:
    _call_with_words(context)
    with context.db.session() as session:
        [turn] = transcripts.list_turns(session, "CAenc")
        [message] = transcripts.list_messages(session)
        assert turn.text == SAID and message.details["said"] == [SAID]
        assert message.note == "rappeler pour la posologie"
    raw = _db_bytes(context)
    for secret in (b"Levothyrox", b"posologie", b"microgrammes"):
        assert secret not in raw
    # Identity fields stay clear: the product looks patients up by them (docs/security.md).
    assert b"Dupont" in raw
    key = data_key_path(context.settings)
    assert key.stat().st_mode & 0o777 == 0o600


def test_recordings_and_spooled_writes_are_sealed(context: AppContext) -> None:
    var = context.settings.standardiste_var_dir
    partial = transcripts.partial_recording_path(var, "CAwav")
    partial.parent.mkdir(parents=True)
    with wave.open(str(partial), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"\x01\x02" * 800)
    plain = partial.read_bytes()
    final = transcripts.recording_path(var, "CAwav")
    transcripts.seal_recording(partial, final)
    assert not partial.exists() and not final.read_bytes().startswith(b"RIFF")
    assert transcripts.read_recording(final) == plain

    _call_with_words(context, "CAspool")
    spool = transcripts.spool_for(var, "gw-test")
    write = transcripts.turn_write("CAspool", transcripts.Speaker.CALLER, "mon numéro secret",
                                   None, dt.datetime.now(dt.UTC))
    spool.append(write)
    assert b"secret" not in spool.path.read_bytes()
    assert [w.fields["text"] for w in spool.pending()] == ["mon numéro secret"]
    assert spool.replay(context.db) == 1


def test_another_key_reads_nothing(context: AppContext, tmp_path: Path) -> None:
    _call_with_words(context)
    stranger = make_settings(context.settings.standardiste_var_dir.parent,
                             standardiste_data_key=new_data_key(),
                             standardiste_var_dir=tmp_path / "other-var")
    other = build_context(stranger)
    try:
        with other.db.session() as session, pytest.raises(DataKeyError):
            transcripts.list_turns(session, "CAenc")
    finally:
        other.db.dispose()


def test_rotation_re_encrypts_everything_under_the_new_key(
    context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    _call_with_words(context)
    var = context.settings.standardiste_var_dir
    final = transcripts.recording_path(var, "CAenc")
    final.parent.mkdir(parents=True)
    partial = transcripts.partial_recording_path(var, "CAenc")
    partial.write_bytes(b"RIFF....WAVE")
    transcripts.seal_recording(partial, final)
    old = data_key_path(context.settings).read_text().strip()
    new = new_data_key()
    monkeypatch.setenv("DATABASE_URL", context.settings.database_url)
    monkeypatch.setenv("STANDARDISTE_VAR_DIR", str(var))
    monkeypatch.setenv("STANDARDISTE_DATA_KEY", f"{new},{old}")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["keys", "rotate"])
        assert result.exit_code == 0, result.output
        assert "1 recordings" in result.output
    finally:
        get_settings.cache_clear()
    # The old key is gone: everything still opens with the new one alone.
    settings = context.settings.model_copy(update={"standardiste_data_key": None})
    data_key_path(settings).write_text(new + "\n")
    fresh = build_context(settings)
    try:
        with fresh.db.session() as session:
            assert transcripts.list_turns(session, "CAenc")[0].text == SAID
        assert transcripts.read_recording(final) == b"RIFF....WAVE"
    finally:
        fresh.db.dispose()


def test_the_migration_encrypts_rows_written_before(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    upgrade(settings.database_url, revision="0008_privacy")
    engine = create_engine(settings.database_url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO calls (call_sid, channel, status, answered_by, started_at, summary) "
            "VALUES ('CAold', 'voice', 'completed', 'assistant', '2026-01-01', 'ancien résumé')"
        ))
        connection.execute(text(
            "INSERT INTO call_turns (call_id, seq, speaker, text, started_at) "
            "VALUES (1, 1, 'caller', 'ancienne phrase', '2026-01-01')"
        ))
        connection.execute(text(
            "INSERT INTO inbox_messages (kind, urgency, urgency_rank, status, summary, details, "
            "created_at, updated_at) VALUES ('message', 'normal', 2, 'new', 'ancien message', "
            f"'{json.dumps({'topic': 'ancien'})}', '2026-01-01', '2026-01-01')"
        ))
    context = build_context(settings)  # registers the instance's key for the migration
    upgrade(settings.database_url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT text FROM call_turns")).scalar_one()
        details = connection.execute(text("SELECT details FROM inbox_messages")).scalar_one()
    engine.dispose()
    assert stored.startswith("gAAAAA") and details.startswith("gAAAAA")
    try:
        with context.db.session() as session:
            assert transcripts.list_turns(session, "CAold")[0].text == "ancienne phrase"
            [message] = session.scalars(select(transcripts.InboxMessage)).all()
            assert message.details == {"topic": "ancien"}
            call = transcripts.get_call(session, "CAold")
            assert call is not None and call.summary == "ancien résumé"
    finally:
        context.db.dispose()
