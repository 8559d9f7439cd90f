"""The staff's side of texts: the settings form, each appointment's texts on « Aujourd'hui », and
the inbox's « document disponible » button."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import staff
import transcripts
from core import AppContext
from standardiste.app import create_app
from tests.doubles.twilio_rest import RunningStandIn
from tests.notifications.support import LANDLINE, MOBILE, book, enable_sms, run, tuesday
from tests.staff.support import logged_in


@pytest.fixture
def web(sms_context: AppContext) -> Iterator[TestClient]:
    with TestClient(create_app(context=sms_context), base_url="http://localhost") as client:
        yield client


def test_the_settings_form_turns_texts_on_and_refuses_bad_lead_times(
    web: TestClient, sms_context: AppContext
) -> None:
    enable_sms(sms_context, confirmations=False, reminders=False, ready=False)
    token = logged_in(web, sms_context, "claire", staff.Role.PRACTITIONER)
    page = web.get("/settings")
    assert 'id="sms"' in page.text and 'id="sms-not-configured"' not in page.text
    form = {"csrf_token": token, "version": str(sms_context.practice_store.version),
            "sms_confirmations": "1", "sms_reminders": "1", "sms_reminder_hours": "24 h, 1h"}
    saved = web.post("/settings/sms", data=form, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/settings?saved=1#sms"
    sms = sms_context.practice.sms
    assert (sms.confirmations, sms.reminders, sms.reminder_hours, sms.ready) == (
        True, True, [24, 1], False)
    form["version"] = str(sms_context.practice_store.version)
    form["sms_reminder_hours"] = "48, 400"
    refused = web.post("/settings/sms", data=form)
    assert refused.status_code == 422 and "Délais des rappels" in refused.text
    assert sms_context.practice.sms.reminder_hours == [24, 1]
    assert "SMS aux patients" in web.get("/settings/audit").text


def test_today_shows_each_appointments_texts(
    web: TestClient, sms_context: AppContext, standin: RunningStandIn
) -> None:
    now = dt.datetime.now(dt.UTC)
    book(sms_context, tuesday(10), now=now)
    book(sms_context, tuesday(11), now=now, phone=LANDLINE, last_name="Bernard")
    run(sms_context, now)
    logged_in(web, sms_context, "sophie", staff.Role.SECRETARY)
    page = web.get(f"/today?day={tuesday(10).date().isoformat()}")
    assert page.status_code == 200
    table = page.text.split('id="appointment-texts"')[1]
    dupont, bernard = table.split("<tr data-appointment-id=")[1:3]
    assert "DUPONT" in dupont and "Confirmation" in dupont and 'data-state="sent"' in dupont
    assert "Rappel 48 h avant" in dupont and 'data-state="planned"' in dupont
    assert "BERNARD" in bernard and "numéro fixe" in bernard


def test_the_inbox_button_texts_that_the_prescription_is_ready_once(
    web: TestClient, sms_context: AppContext, standin: RunningStandIn
) -> None:
    with sms_context.db.session() as session:
        message = transcripts.leave_message(
            session, call_sid=None, kind=transcripts.MessageKind.RENEWAL,
            identity=transcripts.CallerIdentity("Dupont", "Marie", dt.date(1954, 3, 12), MOBILE),
            details={"medicines": "Levothyrox 75"})
        message_id = message.id
    token = logged_in(web, sms_context, "sophie", staff.Role.SECRETARY)
    page = web.get(f"/inbox/{message_id}")
    assert "Envoyer « votre ordonnance est disponible »" in page.text
    for _ in range(2):
        web.post(f"/inbox/{message_id}/ready", data={"csrf_token": token})
    assert "déjà été demandé" in web.get(f"/inbox/{message_id}?sms=already").text
    assert run(sms_context, dt.datetime.now(dt.UTC)).sent == 1
    [text] = standin.state.to(MOBILE)
    assert text.body == (
        "Cabinet médical des Tilleuls : votre ordonnance est disponible au cabinet, "
        "12 rue des Tilleuls, 69003 Lyon. Renseignements : 04 78 00 00 00.")
    assert "Levothyrox" not in text.body
    shown = web.get(f"/inbox/{message_id}").text
    assert 'id="ready-state" data-state="sent"' in shown and 'id="send-ready"' not in shown
