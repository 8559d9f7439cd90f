"""A patient's export and erasure: everything held, in every store, then nothing but an audit
line that names nobody; from the command line and from the admin's page."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, insert, select
from typer.testing import CliRunner

import agenda
import staff
import transcripts
from core import AppContext, get_settings
from staff.models import StaffAudit
from standardiste.cli import app
from tests.clock import local, quiet_monday
from tests.staff.support import logged_in
from transcripts.recordings import recording_path
from transcripts.spool_retention import spool_dir
from transcripts.tracker_store import _EVENTS, count_events

PHONE, NATIONAL = "+33644556677", "06 44 55 66 77"
BORN = dt.date(1971, 4, 2)
OTHER = "+33655443322"


def _tracker_rows(context: AppContext, sender_id: str, n: int) -> None:
    """Events as Rasa's SQL tracker store writes them (its ``events`` table)."""
    engine = create_engine(f"sqlite:///{context.settings.tracker_store}")
    _EVENTS.metadata.create_all(engine)
    with engine.begin() as connection:
        for i in range(n):
            connection.execute(insert(_EVENTS).values(
                sender_id=sender_id, type_name="user", timestamp=1.7e9 + i,
                data=json.dumps({"event": "user", "text": "je suis madame roux"}),
            ))
    engine.dispose()


def _seed(context: AppContext) -> None:
    """The patient in every store, and someone else beside them."""
    agenda.sync_agenda(context)
    start = dt.datetime.fromisoformat(local(quiet_monday() + dt.timedelta(days=2), 11))
    with context.db.session() as session:
        for phone, name, sid in ((PHONE, "Roux", "CApatient"), (OTHER, "Blanc", "CAother")):
            who = agenda.register_patient(session, last_name=name, first_name="Anne",
                                          birth_date=BORN, phone=phone)
            agenda.book_appointment(
                session, context.practice, practitioner_id="martin",
                appointment_type_id="consultation", start=start, patient_id=who.id,
                call_sid=sid,
            )
            start += dt.timedelta(hours=1)
            transcripts.open_call(session, call_sid=sid, caller=phone, called=None,
                                  answered_by="assistant")
            transcripts.add_turn(session, call_sid=sid, speaker=transcripts.Speaker.CALLER,
                                 text=f"je suis madame {name}")
            transcripts.leave_message(
                session, call_sid=sid, kind=transcripts.MessageKind.RENEWAL,
                identity=transcripts.CallerIdentity(last_name=name, birth_date=BORN,
                                                    callback_number=phone),
                details={"medicines": "Levothyrox"},
            )
        # A message left from another line, asking to be called back on the patient's number.
        transcripts.leave_message(
            session, call_sid=None, kind=transcripts.MessageKind.CALLBACK,
            identity=transcripts.CallerIdentity(last_name="Roux", callback_number=PHONE),
            details={"said": ["rappelez-moi"]},
        )
    var = context.settings.standardiste_var_dir
    for sid in ("CApatient", "CAother"):
        wav = recording_path(var, sid)
        wav.parent.mkdir(parents=True, exist_ok=True)
        wav.write_bytes(b"RIFF")
        _tracker_rows(context, sid, 3)
    spool_dir(var).mkdir(parents=True)
    (spool_dir(var) / "gw1.rejected").write_text("".join(
        json.dumps({"op": "turn", "call_sid": sid, "id": sid, "fields": {"text": "…"}}) + "\n"
        for sid in ("CApatient", "CAother")
    ))


def _held(context: AppContext, phone: str) -> dict[str, int]:
    var = context.settings.standardiste_var_dir
    sid = "CApatient" if phone == PHONE else "CAother"
    with context.db.session() as session:
        records = agenda.patient_records(session, phone, BORN)
        return {
            "patients": len(records.patients),
            "calls": session.scalar(select(func.count()).select_from(transcripts.Call)
                                    .where(transcripts.Call.caller == phone)) or 0,
            "messages": session.scalar(
                select(func.count()).select_from(transcripts.InboxMessage)
                .where(transcripts.InboxMessage.callback_number == phone)) or 0,
            "appointments": len(records.appointments),
            "recordings": int(recording_path(var, sid).exists()),
            "dialogue_events": count_events(context.settings, sender_ids=[sid]),
            "spooled": (spool_dir(var) / "gw1.rejected").read_text().count(sid)
            if (spool_dir(var) / "gw1.rejected").exists() else 0,
        }


def test_export_holds_everything_and_erase_leaves_nothing(context: AppContext) -> None:
    _seed(context)
    before = _held(context, PHONE)
    assert all(before.values()), before
    who = staff.Identity.parse(NATIONAL, BORN)
    data = staff.export_patient(context.db, context.settings, who, actor="admin")
    assert [p["last_name"] for p in data["patients"]] == ["Roux"]
    assert len(data["appointments"]) == 1
    assert [c["call_sid"] for c in data["calls"]] == ["CApatient"]
    assert data["calls"][0]["turns"][0]["text"] == "je suis madame Roux"
    assert len(data["messages"]) == 2 and len(data["recordings"]) == 1
    assert len(data["dialogue_events"]) == 3 and len(data["pending_writes"]) == 1
    assert "Blanc" not in json.dumps(data)

    counts = staff.erase_patient(context.db, context.settings, who, actor="admin")
    assert counts["patients"] == 1 and counts["calls"] == 1 and counts["messages"] == 2
    assert counts["dialogue_events"] == 3 and counts["recordings"] == 1
    assert set(_held(context, PHONE).values()) == {0}
    # The other patient keeps everything.
    assert all(_held(context, OTHER).values())
    with context.db.session() as session:
        lines = list(session.scalars(select(StaffAudit).order_by(StaffAudit.id)))
    assert [line.action for line in lines] == ["patient.export", "patient.erase"]
    assert all("Roux" not in line.detail + line.target and PHONE not in line.detail
               for line in lines)
    with pytest.raises(staff.PatientNotFoundError):
        staff.erase_patient(context.db, context.settings, who, actor="admin")


@pytest.fixture
def cli_env(context: AppContext, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    settings = context.settings
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("STANDARDISTE_VAR_DIR", str(settings.standardiste_var_dir))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_command_line_exports_then_erases(
    context: AppContext, cli_env: None, tmp_path: Path
) -> None:
    _seed(context)
    runner = CliRunner()
    out = tmp_path / "export.json"
    args = ["--phone", NATIONAL, "--birth-date", BORN.isoformat()]
    exported = runner.invoke(app, ["patient", "export", *args, "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    assert out.stat().st_mode & 0o077 == 0
    assert json.loads(out.read_text())["patients"][0]["last_name"] == "Roux"
    erased = runner.invoke(app, ["patient", "erase", *args, "--yes"])
    assert erased.exit_code == 0, erased.output
    assert "1 patients" in erased.output
    assert set(_held(context, PHONE).values()) == {0}
    again = runner.invoke(app, ["patient", "erase", *args, "--yes"])
    assert again.exit_code == 1
    bad = runner.invoke(app, ["patient", "export", "--phone", "x", "--birth-date", "1971-04-02"])
    assert bad.exit_code == 2


def test_the_admin_page_exports_and_erases_and_others_may_not(
    context: AppContext, web: TestClient
) -> None:
    _seed(context)
    secretary = TestClient(web.app, base_url="http://localhost")
    csrf = logged_in(secretary, context, "secretariat", staff.Role.SECRETARY)
    form = {"phone": NATIONAL, "birth_date": BORN.isoformat(), "csrf_token": csrf}
    assert secretary.get("/admin/patients").status_code == 403
    assert secretary.post("/admin/patients/export", data=form).status_code == 403
    admin_csrf = logged_in(web, context, "direction", staff.Role.ADMIN)
    page = web.get("/admin/patients")
    assert page.status_code == 200 and "Droits des patients" in page.text
    form["csrf_token"] = admin_csrf
    exported = web.post("/admin/patients/export", data=form)
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    assert exported.json()["patients"][0]["last_name"] == "Roux"
    unconfirmed = web.post("/admin/patients/erase", data=form)
    assert unconfirmed.status_code == 422 and _held(context, PHONE)["patients"] == 1
    erased = web.post("/admin/patients/erase", data={**form, "confirm": "yes"})
    assert erased.status_code == 200 and "Données effacées" in erased.text
    assert set(_held(context, PHONE).values()) == {0}
    # The page's journal shows both acts, by the admin, naming no patient.
    journal = web.get("/admin/patients").text
    assert "Données d&#39;un patient effacées" in journal and "direction" in journal
    assert "Roux" not in journal
