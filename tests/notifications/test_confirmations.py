"""Confirmations: a booking, a move or a cancellation by the staff API is texted at the next pass
(the phone and chat paths write through the same agenda functions, hence the same outbox)."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from pathlib import Path

from fastapi.testclient import TestClient

import agenda
from core import AppContext
from standardiste.app import build_context, create_app
from standardiste.server import serving_app
from tests.doubles.twilio_rest import RunningStandIn
from tests.notifications.support import (
    MOBILE,
    SMS_NUMBER,
    book,
    enable_sms,
    rows,
    run,
    sms_settings,
    tuesday,
)
from tests.support import API_TOKEN

BEARER = {"Authorization": f"Bearer {API_TOKEN}"}


def _patient() -> dict[str, str]:
    return {"last_name": "Dupont", "first_name": "Marie", "birth_date": "1954-03-12",
            "phone": "06 12 34 56 78"}


def test_a_staff_booking_is_confirmed_then_its_move_and_cancellation(
    sms_context: AppContext, standin: RunningStandIn
) -> None:
    start = tuesday(10)
    with TestClient(create_app(context=sms_context)) as api:
        made = api.post("/agenda/appointments", headers=BEARER, json={
            "practitioner_id": "martin", "appointment_type_id": "suivi-grossesse",
            "start": start.isoformat(), "patient": _patient()})
        assert made.status_code == 201, made.text
        first = run(sms_context, dt.datetime.now(dt.UTC))
        [booked] = standin.state.to(MOBILE)
        assert first.sent == 1 and booked.sender == SMS_NUMBER
        assert booked.body.startswith("Cabinet médical des Tilleuls : RDV confirmé le mardi")
        for said in (start.strftime("%d/%m"), "à 10h avec Docteure Claire Martin",
                     "12 rue des Tilleuls, 69003 Lyon", "répondez ANNULER", "04 78 00 00 00"):
            assert said in booked.body
        # Never the reason: the appointment type is health information.
        assert "grossesse" not in booked.body and "suivi" not in booked.body
        assert booked.status_callback is not None
        assert booked.status_callback.startswith(
            "https://standardiste.example.org/twilio/sms/status?n=")
        # A second pass sends nothing again.
        assert run(sms_context, dt.datetime.now(dt.UTC)).sent == 0

        moved = api.post(f"/agenda/appointments/{made.json()['id']}/move", headers=BEARER,
                         json={"start": tuesday(11).isoformat()})
        assert moved.status_code == 200, moved.text
        run(sms_context, dt.datetime.now(dt.UTC))
        cancelled = api.post(f"/agenda/appointments/{moved.json()['id']}/cancel", headers=BEARER)
        assert cancelled.status_code == 200
        run(sms_context, dt.datetime.now(dt.UTC))
    texts = [t.body for t in standin.state.to(MOBILE)]
    assert len(texts) == 3
    assert "votre RDV est déplacé au mardi" in texts[1] and "à 11h" in texts[1]
    assert "votre RDV du mardi" in texts[2] and "à 11h" in texts[2] and "est annulé" in texts[2]
    assert [(r["kind"], r["state"]) for r in rows(sms_context)] == [
        ("booked", "sent"), ("moved", "sent"), ("cancelled", "sent")]


def test_confirmations_off_send_nothing_and_the_outbox_is_emptied(
    sms_context: AppContext, standin: RunningStandIn
) -> None:
    enable_sms(sms_context, confirmations=False, reminders=False)
    now = tuesday(10) - dt.timedelta(days=5)
    book(sms_context, tuesday(10), now=now)
    assert run(sms_context, now).scheduled == 0
    assert standin.state.creates == 0 and rows(sms_context) == []
    with sms_context.db.session() as session:
        assert agenda.take_appointment_changes(session) == []


def test_a_serving_gateway_texts_a_booking_by_itself(
    tmp_path: Path, migrated_db: Path, standin: RunningStandIn
) -> None:
    database = tmp_path / "served.db"
    shutil.copy(migrated_db, database)
    context = build_context(
        sms_settings(tmp_path, database, standin.url, standardiste_sms_interval_s=0.2))
    enable_sms(context)
    with TestClient(serving_app(context)) as api:
        made = api.post("/agenda/appointments", headers=BEARER, json={
            "practitioner_id": "martin", "appointment_type_id": "consultation",
            "start": tuesday(10).isoformat(), "patient": _patient()})
        assert made.status_code == 201, made.text
        deadline = time.monotonic() + 30
        while not standin.state.to(MOBILE) and time.monotonic() < deadline:
            time.sleep(0.05)
    [text] = standin.state.to(MOBILE)
    assert "RDV confirmé" in text.body
    context.db.dispose()
