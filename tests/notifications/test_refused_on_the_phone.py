"""A booking by phone is confirmed by text; unless the caller said « je ne veux pas de SMS »
during the call: the booking action stores the refusal on the patient's record, and no text
follows. The action runs through Rasa's action endpoint, served by the gateway, with the tracker
Rasa would send (no Rasa server needed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

import agenda
import transcripts
from core import AppContext
from dialogue import action_token
from standardiste.app import create_app
from tests.doubles.twilio_rest import RunningStandIn
from tests.notifications.support import MOBILE, rows, run, tuesday

CALL = "CA" + "c" * 32


def _action_book(hold_id: int) -> dict[str, Any]:
    slots = {
        "booking_confirmed": True, "chosen_slot": hold_id, "last_name": "Dupont",
        "first_name": "Marie", "birth_date": "1954-03-12", "caller_number": MOBILE,
        "phone_confirmed": True,
    }
    return {
        "next_action": "action_book",
        "sender_id": CALL,
        "tracker": {
            "sender_id": CALL, "slots": slots, "events": [], "paused": False,
            "latest_message": {"intent": {"name": "affirm", "confidence": 0.99}, "text": "oui"},
            "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen",
        },
        "domain": {"slots": {}, "forms": {}, "responses": {}},
        "version": "3.6.21",
    }


@pytest.mark.parametrize(
    ("said", "outcome"),
    [
        ("oui c'est ça", ("booked", "sent", None)),
        ("oui mais je ne veux pas de s m s", ("booked", "skipped", "refused")),
    ],
)
def test_a_phone_booking_is_confirmed_unless_the_caller_wants_no_texts(
    sms_context: AppContext, standin: RunningStandIn, said: str, outcome: tuple[str, ...]
) -> None:
    now = dt.datetime.now(dt.UTC)
    with sms_context.db.session() as session:
        transcripts.open_call(session, call_sid=CALL, caller=MOBILE, called=None,
                              answered_by="assistant")
        transcripts.add_turn(session, call_sid=CALL, speaker=transcripts.Speaker.CALLER,
                             text=said)
        held = agenda.hold_slot(session, sms_context.practice, practitioner_id="martin",
                                appointment_type_id="consultation", start=tuesday(10),
                                conversation_id=CALL, now=now)
    with TestClient(create_app(context=sms_context)) as client:
        token = action_token(sms_context.settings)
        reply = client.post("/dialogue/webhook", json=_action_book(held.hold_id),
                            headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200, reply.text
    assert reply.json()["responses"][0]["response"] == "utter_booked"
    run(sms_context, now)
    assert [(r["kind"], r["state"], r["error_code"]) for r in rows(sms_context)] == [outcome]
    assert len(standin.state.to(MOBILE)) == (outcome[1] == "sent")
