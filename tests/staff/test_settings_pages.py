"""The settings pages save through the practice store: versioned, audited, applied at once."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from fastapi.testclient import TestClient

import agenda
import staff
from core import AppContext
from tests.staff.support import logged_in
from tests.support import PUBLIC_BASE, call_params, sign


def _never_open_hours(context: AppContext, token: str) -> dict[str, object]:
    form: dict[str, object] = {"csrf_token": token, "version": str(context.practice_store.version),
                               "office_custom": "1"}
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday"):
        form[f"extended_{day}"] = "07:30-20:30"
        for p in context.practice.practitioners:
            form[f"hours_{p.id}_{day}"] = "09:00-12:00"
    return form


def test_saving_is_audited_with_who_and_before_after(web: TestClient, context: AppContext) -> None:
    token = logged_in(web, context, "claire", staff.Role.PRACTITIONER)
    web.get("/settings")
    before = context.practice_store.version
    form = {"csrf_token": token, "version": str(before), "mode": "always",
            "outside_action": "message", "announcement": "", "outside_transfer_number": "",
            "transfer_number": "+33 4 78 00 00 01", "greeting": "Bonjour"}
    reply = web.post("/settings/answering", data=form, follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"] == "/settings?saved=1#answering"
    assert context.practice.answering.mode.value == "always"
    assert context.practice.answering.greeting == "Bonjour"
    [entry] = context.practice_store.audit_log()
    assert entry.actor == "claire" and entry.version == before + 1
    assert entry.sections == "answering"
    assert json.loads(entry.before)["answering"]["mode"] == "extended"
    assert json.loads(entry.after)["answering"]["mode"] == "always"
    audit = web.get("/settings/audit")
    assert audit.status_code == 200
    assert "claire" in audit.text and f"Version {before + 1}" in audit.text
    assert 'id="notice"' in web.get("/settings?saved=1").text


def test_a_bad_form_saves_nothing_and_keeps_what_was_typed(
    web: TestClient, context: AppContext
) -> None:
    token = logged_in(web, context, "claire", staff.Role.PRACTITIONER)
    web.get("/settings")
    form = _never_open_hours(context, token)
    form["hours_martin_monday"] = "14:00-12:00"
    reply = web.post("/settings/hours", data=form)
    assert reply.status_code == 422
    assert 'id="problems"' in reply.text and "14:00-12:00" in reply.text
    assert context.practice_store.audit_log() == []


def test_a_stale_form_is_refused(web: TestClient, context: AppContext) -> None:
    token = logged_in(web, context, "claire", staff.Role.PRACTITIONER)
    web.get("/settings")
    stale = str(context.practice_store.version)
    booking = {"csrf_token": token, "version": stale, "bookable": ["consultation"]}
    assert web.post("/settings/booking", data=booking, follow_redirects=False).status_code == 303
    again = web.post("/settings/booking", data={**booking, "bookable": ["vaccination"]})
    assert again.status_code == 409
    assert [t.id for t in context.practice.appointment_types if t.bookable_by_phone] == [
        "consultation"
    ]


def test_bookable_types_reach_the_agenda_at_once(web: TestClient, context: AppContext) -> None:
    token = logged_in(web, context, "claire", staff.Role.PRACTITIONER)
    web.get("/settings")
    form = {"csrf_token": token, "version": str(context.practice_store.version),
            "bookable": ["vaccination"]}
    assert web.post("/settings/booking", data=form, follow_redirects=False).status_code == 303
    with context.db.session() as session:
        phone_types = agenda.list_appointment_types(session, for_phone=True)
    assert [t.id for t in phone_types] == ["vaccination"]


def _twilio_mode(web: TestClient, call_sid: str) -> str | None:
    params = call_params(call_sid)
    reply = web.post(
        "/twilio/voice", data=params,
        headers={"X-Twilio-Signature": sign(f"{PUBLIC_BASE}/twilio/voice", params)},
    )
    assert reply.status_code == 200
    stream = ET.fromstring(reply.text).find("Connect/Stream")
    assert stream is not None
    return {p.get("name"): p.get("value") for p in stream.findall("Parameter")}["mode"]


def test_new_hours_apply_to_the_next_call(web: TestClient, context: AppContext) -> None:
    token = logged_in(web, context, "claire", staff.Role.PRACTITIONER)

    def answering(mode: str) -> None:
        web.get("/settings")
        form = {"csrf_token": token, "version": str(context.practice_store.version),
                "mode": mode, "outside_action": "message", "announcement": "",
                "outside_transfer_number": "", "transfer_number": "", "greeting": ""}
        assert web.post("/settings/answering", data=form, follow_redirects=False).status_code == 303

    answering("always")
    assert _twilio_mode(web, "CA" + "1" * 32) == "assistant"
    answering("office")
    hours = _never_open_hours(context, token)  # office hours: every day empty
    assert web.post("/settings/hours", data=hours, follow_redirects=False).status_code == 303
    assert _twilio_mode(web, "CA" + "2" * 32) == "message"
    assert len(context.practice_store.audit_log()) == 3
