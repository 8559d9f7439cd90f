"""Backups: one encrypted file that restores into an empty instance with every appointment,
message, recording and spooled write; refused under another key, altered, or over data."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

import agenda
import transcripts
from core import AppContext, DataKeyError, data_keys, get_settings, new_data_key
from standardiste.app import build_context
from standardiste.backup import BackupError, backup, restore
from standardiste.cli import app
from standardiste.migrate import upgrade
from tests.clock import local, quiet_monday
from tests.support import make_settings
from transcripts.recordings import recording_path

PHONE = "+33644001122"


def _seed(context: AppContext) -> tuple[list[int], list[str]]:
    agenda.sync_agenda(context)
    start = dt.datetime.fromisoformat(local(quiet_monday() + dt.timedelta(days=3), 9))
    booked: list[int] = []
    with context.db.session() as session:
        for i, name in enumerate(("Lenoir", "Perrin", "Collet")):
            who = agenda.register_patient(session, last_name=name, first_name="Paul",
                                          birth_date=dt.date(1980, 1, 1 + i), phone=PHONE)
            info = agenda.book_appointment(
                session, context.practice, practitioner_id="martin",
                appointment_type_id="consultation",
                start=start + dt.timedelta(hours=i), patient_id=who.id,
            )
            booked.append(info.id)
            transcripts.open_call(session, call_sid=f"CA{i}", caller=PHONE, called=None,
                                  answered_by="assistant")
            transcripts.leave_message(
                session, call_sid=f"CA{i}", kind=transcripts.MessageKind.RENEWAL,
                identity=transcripts.CallerIdentity(last_name=name, callback_number=PHONE),
                details={"medicines": f"médicament {i}"},
            )
    with context.db.session() as session:
        summaries = sorted(m.summary for m in transcripts.list_messages(session))
    var = context.settings.standardiste_var_dir
    wav = recording_path(var, "CA0")
    wav.parent.mkdir(parents=True, exist_ok=True)
    wav.write_bytes(b"RIFF" + bytes(range(256)) * 8000)  # two chunks' worth of audio
    (var / "spool").mkdir()
    (var / "spool" / "gw1.jsonl").write_text('{"op": "end", "call_sid": "CA9"}\n')
    return booked, summaries


def test_a_backup_restores_into_an_empty_instance(context: AppContext, tmp_path: Path) -> None:
    booked, summaries = _seed(context)
    archive = tmp_path / "backups" / "cabinet.backup"
    report = backup(context.settings, archive)
    assert report.database == "sqlite" and report.files == 2
    assert archive.stat().st_mode & 0o077 == 0
    raw = archive.read_bytes()
    # Long enough markers that random ciphertext cannot hold them by chance ("RIFF" alone can).
    assert b"Lenoir" not in raw and b"SQLite format 3" not in raw
    assert re.search(rb"RIFF....WAVE", raw, re.DOTALL) is None

    # A new server: nothing but the data key, which its keeper brought along.
    key = ",".join(data_keys(context.settings))
    fresh = make_settings(tmp_path / "new", standardiste_data_key=key)
    restored = restore(fresh, archive)
    assert restored.files == 2
    upgrade(fresh.database_url)  # already at head: nothing to do
    other = build_context(fresh)
    try:
        with other.db.session() as session:
            found = [agenda.get_appointment(session, other.practice, i) for i in booked]
            assert [a.patient.last_name for a in found] == ["Lenoir", "Perrin", "Collet"]
            assert sorted(m.summary for m in transcripts.list_messages(session)) == summaries
            assert session.scalar(select(transcripts.Call.caller)) == PHONE
    finally:
        other.db.dispose()
    var = fresh.standardiste_var_dir
    original = recording_path(context.settings.standardiste_var_dir, "CA0").read_bytes()
    assert recording_path(var, "CA0").read_bytes() == original
    assert (var / "spool" / "gw1.jsonl").read_text().startswith('{"op": "end"')
    # Restoring again over the data it now holds is refused.
    with pytest.raises(BackupError, match="not empty"):
        restore(fresh, archive)


def test_another_key_or_an_altered_file_is_refused(context: AppContext, tmp_path: Path) -> None:
    _seed(context)
    archive = backup(context.settings, tmp_path / "b.backup").path
    stranger = make_settings(tmp_path / "x", standardiste_data_key=new_data_key())
    with pytest.raises(DataKeyError):
        restore(stranger, archive)
    same_key = make_settings(tmp_path / "y",
                             standardiste_data_key=",".join(data_keys(context.settings)))
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 1
    altered = tmp_path / "altered.backup"
    altered.write_bytes(bytes(data))
    with pytest.raises(DataKeyError):
        restore(same_key, altered)
    cut = tmp_path / "cut.backup"
    cut.write_bytes(archive.read_bytes()[: len(data) // 3])
    with pytest.raises((BackupError, DataKeyError)):
        restore(same_key, cut)


def test_the_command_line_backs_up_and_restores(
    context: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(context)
    settings = context.settings
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("STANDARDISTE_VAR_DIR", str(settings.standardiste_var_dir))
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        out = tmp_path / "cli.backup"
        made = runner.invoke(app, ["backup", str(out)])
        assert made.exit_code == 0, made.output
        assert "backup written" in made.output
        refused = runner.invoke(app, ["restore", str(out)])
        assert refused.exit_code == 1 and "not empty" in refused.output
        forced = runner.invoke(app, ["restore", str(out), "--force"])
        assert forced.exit_code == 0, forced.output
    finally:
        get_settings.cache_clear()


@pytest.mark.postgres
def test_a_postgresql_backup_restores_into_an_empty_database(
    postgres_url: str, tmp_path: Path
) -> None:
    import psycopg

    # Databases of their own: other tests' rows in the shared one are under other data keys.
    server = postgres_url.rsplit("/", 1)[0]
    with psycopg.connect(server.replace("+psycopg", "") + "/postgres", autocommit=True) as pg:
        for name in ("backup_source", "restore_target"):
            pg.execute(f"DROP DATABASE IF EXISTS {name}")
            pg.execute(f"CREATE DATABASE {name}")
    upgrade(f"{server}/backup_source")
    source = make_settings(tmp_path / "pg", database_url=f"{server}/backup_source")
    context = build_context(source)
    try:
        with context.db.session() as session:
            transcripts.leave_message(
                session, call_sid=None, kind=transcripts.MessageKind.CALLBACK,
                identity=transcripts.CallerIdentity(last_name="Sauvegarde"),
                details={"reason": "backup"},
            )
            expected = sorted(m.id for m in transcripts.list_messages(session, limit=10_000))
    finally:
        context.db.dispose()
    archive = backup(source, tmp_path / "pg.backup").path
    target = make_settings(tmp_path / "pg-new", database_url=f"{server}/restore_target",
                           standardiste_data_key=",".join(data_keys(source)))
    assert restore(target, archive).database == "postgresql"
    restored = build_context(target)
    try:
        with restored.db.session() as session:
            found = sorted(m.id for m in transcripts.list_messages(session, limit=10_000))
        assert found == expected and expected
    finally:
        restored.db.dispose()
