"""The secretaries' inbox pages: sorted and filtered list, live updates, detail and actions,
the day's phone bookings and the patients to verify."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import agenda
import staff
import transcripts
from core import AppContext
from standardiste.app import create_app
from tests.staff.support import logged_in
from transcripts import inbox_workflow as workflow
from transcripts.recordings import recording_path


def _message(
    context: AppContext,
    sid: str,
    kind: transcripts.MessageKind,
    *,
    minutes_ago: int = 0,
    with_turns: bool = True,
    appointment_id: int | None = None,
) -> int:
    with context.db.session() as session:
        transcripts.open_call(session, call_sid=sid, caller="+33612345678", called=None,
                              answered_by="assistant")
        if with_turns:
            transcripts.add_turn(session, call_sid=sid, speaker=transcripts.Speaker.ASSISTANT,
                                 text="Bonjour, que puis-je faire pour vous ?", key="utter_greet")
            transcripts.add_turn(session, call_sid=sid, speaker=transcripts.Speaker.CALLER,
                                 text="mon ordonnance de levothyrox")
        message = transcripts.leave_message(
            session, call_sid=sid, kind=kind,
            identity=transcripts.CallerIdentity(
                last_name="Dupont", first_name="Marie", birth_date=dt.date(1954, 3, 12),
                callback_number="+33612345678"),
            details={"medicines": "Levothyrox 75"}, appointment_id=appointment_id,
        )
        message.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes_ago)
        return message.id


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-message-id="(\d+)"', html)]


def _phone_booking(context: AppContext) -> agenda.AppointmentInfo:
    """What the assistant does on a call: a patient flagged to verify, a slot it offered."""
    with context.db.session() as session:
        agenda.sync_from_config(session, context.practice)
        patient = agenda.register_patient(session, last_name="Dupond", first_name="Mari",
                                          birth_date=dt.date(1954, 3, 12), phone="0612345678")
        slot = agenda.search_slots(session, context.practice, "consultation")[0]
        return agenda.book_appointment(
            session, context.practice, practitioner_id=slot.practitioner_id,
            appointment_type_id="consultation", start=slot.start, patient_id=patient.id,
            source=agenda.Source.PHONE, call_sid="CAdetail",
        )


@pytest.fixture
def web(context: AppContext) -> Iterator[TestClient]:
    with TestClient(create_app(context=context), base_url="http://localhost") as client:
        yield client


@pytest.fixture
def secretary(web: TestClient, context: AppContext) -> str:
    return logged_in(web, context, "sophie", staff.Role.SECRETARY)


def test_urgent_first_then_newest_and_filters(
    web: TestClient, context: AppContext, secretary: str
) -> None:
    old_renewal = _message(context, "CA1", transcripts.MessageKind.RENEWAL, minutes_ago=30)
    new_renewal = _message(context, "CA2", transcripts.MessageKind.RENEWAL, minutes_ago=1)
    emergency = _message(context, "CA3", transcripts.MessageKind.EMERGENCY, minutes_ago=60)
    certificate = _message(context, "CA4", transcripts.MessageKind.CERTIFICATE, minutes_ago=5)
    page = web.get("/inbox")
    assert page.status_code == 200
    assert _ids(page.text) == [emergency, new_renewal, certificate, old_renewal]
    assert 'href="tel:+33612345678"' in page.text and "06 12 34 56 78" in page.text
    renewals = web.get("/inbox", params={"kind": "renewal"}).text
    assert _ids(renewals) == [new_renewal, old_renewal]
    with context.db.session() as session:
        workflow.mark_handled(session, certificate)
    assert certificate not in _ids(web.get("/inbox").text)  # default: what is left to do
    assert _ids(web.get("/inbox", params={"status": "done"}).text) == [certificate]
    assert len(_ids(web.get("/inbox", params={"status": "all"}).text)) == 4


def test_new_messages_trigger_a_refresh(web: TestClient, context: AppContext, secretary: str
                                        ) -> None:
    page = web.get("/inbox").text
    marker = re.search(r'data-marker="([0-9a-f]+)"', page)
    assert marker
    quiet = web.get("/inbox/changes", params={"since": marker.group(1)})
    assert quiet.status_code == 200 and "hx-trigger" not in quiet.headers
    _message(context, "CA9", transcripts.MessageKind.EMERGENCY)
    moved = web.get("/inbox/changes", params={"since": marker.group(1)})
    assert moved.headers["hx-trigger"] == "inbox-changed"
    assert "dont 1 urgent" in moved.text
    rows = web.get("/inbox/rows").text
    assert len(_ids(rows)) == 1
    assert 'hx-trigger="every 5s"' in page and 'hx-trigger="inbox-changed from:body"' in page


def test_detail_shows_transcript_recording_and_appointment(
    web: TestClient, context: AppContext, secretary: str
) -> None:
    booked = _phone_booking(context)
    appointment_id = booked.id
    message_id = _message(context, "CAdetail", transcripts.MessageKind.FAILED_BOOKING,
                          appointment_id=appointment_id)
    wav = recording_path(context.settings.standardiste_var_dir, "CAdetail")
    wav.parent.mkdir(parents=True, exist_ok=True)
    wav.write_bytes(b"RIFF\x00\x00\x00\x00WAVE")
    page = web.get(f"/inbox/{message_id}")
    assert page.status_code == 200
    speakers = re.findall(r'data-speaker="(\w+)"', page.text)
    assert speakers == ["assistant", "caller"]
    assert "mon ordonnance de levothyrox" in page.text
    assert 'id="callback" href="tel:+33612345678"' in page.text
    assert f'src="/inbox/{message_id}/recording"' in page.text
    audio = web.get(f"/inbox/{message_id}/recording")
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    assert 'id="appointment"' in page.text and booked.practitioner_name in page.text
    assert web.get("/inbox/99999").status_code == 404


def test_assign_annotate_and_mark_handled(
    web: TestClient, context: AppContext, secretary: str
) -> None:
    message_id = _message(context, "CAact", transcripts.MessageKind.RENEWAL)
    token = {"csrf_token": secretary}
    assert web.post(f"/inbox/{message_id}/assign", data={**token, "assignee": "me"},
                    follow_redirects=False).status_code == 303
    assert web.post(f"/inbox/{message_id}/note", data={**token, "note": "Ordonnance faite"},
                    follow_redirects=False).status_code == 303
    with context.db.session() as session:
        message = workflow.get_message(session, message_id)
        assert message is not None
        assert (message.assigned_to, message.status, message.note) == (
            "sophie", "in_progress", "Ordonnance faite")
    done = web.post(f"/inbox/{message_id}/status", data={**token, "status": "done"},
                    follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/inbox"
    with context.db.session() as session:
        message = workflow.get_message(session, message_id)
        assert message is not None and message.status == "done"
    assert web.post(f"/inbox/{message_id}/status", data={**token, "status": "nope"}
                    ).status_code == 422
    assert web.post("/inbox/99999/note", data={**token, "note": "x"}).status_code == 404
    missing_token = web.post(f"/inbox/{message_id}/status", data={"status": "new"})
    assert missing_token.status_code == 403


def test_today_lists_phone_bookings_and_patients_to_verify(
    web: TestClient, context: AppContext, secretary: str
) -> None:
    booked = _phone_booking(context)
    patient = booked.patient
    assert patient.to_verify
    page = web.get("/today")
    assert page.status_code == 200
    assert f'data-patient-id="{patient.id}"' in page.text
    assert f'data-appointment-id="{booked.id}"' in page.text
    yesterday = (dt.datetime.now(context.practice.tz).date() - dt.timedelta(days=1)).isoformat()
    assert 'data-appointment-id' not in web.get("/today", params={"day": yesterday}).text
    bad = web.post(f"/patients/{patient.id}/verify",
                   data={"csrf_token": secretary, "birth_date": "12/03/1954"},
                   follow_redirects=False)
    assert bad.headers["location"].startswith("/today?notice=bad-date")
    fixed = web.post(
        f"/patients/{patient.id}/verify",
        data={"csrf_token": secretary, "last_name": "Dupont", "first_name": "Marie",
              "birth_date": "1954-03-12", "phone": "06 12 34 56 78"},
        follow_redirects=False,
    )
    assert fixed.headers["location"].startswith("/today?notice=verified")
    with context.db.session() as session:
        checked = agenda.get_patient(session, patient.id)
        assert (checked.last_name, checked.first_name, checked.to_verify) == (
            "Dupont", "Marie", False)
        assert agenda.patients_to_verify(session) == []
