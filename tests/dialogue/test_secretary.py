"""Issue 21, through /api/chat with the real Rasa server: nothing asked twice, known callers
recognised, corrections heard, the caller's appointments listed, unfinished bookings left with
what was understood, "pardon ?" and "plus lentement".

Few and long conversations, each checking several things (the Rasa server is the session's).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.orm import Session

import agenda
from tests.clock import quiet_monday
from tests.conftest import LiveGateway
from tests.dialogue.test_conversations import AT, Chat, new_number

pytestmark = pytest.mark.rasa
IDENTITY_QUESTIONS = {
    "utter_ask_full_name", "utter_ask_birth_date", "utter_ask_phone_confirmed",
    "utter_ask_callback_number", "utter_ask_name_spelled",
}


@pytest.fixture
def chat(rasa_server: str, live_gateway: LiveGateway) -> Any:
    return lambda **kw: Chat(live_gateway, **kw)


def _known_patient(
    gateway: LiveGateway, first: str, last: str, born: dt.date, minute: int
) -> tuple[str, list[int]]:
    """A patient on file with a number of their own and two appointments with Dr Durand later
    in the conversations' week (Thursday 15:xx, Friday 10:xx)."""
    number = new_number()
    practice = gateway.context.practice
    thursday = quiet_monday() + dt.timedelta(days=3)
    starts = [
        dt.datetime.combine(thursday, dt.time(15, minute), tzinfo=practice.tz),
        dt.datetime.combine(
            thursday + dt.timedelta(days=1), dt.time(10, minute), tzinfo=practice.tz
        ),
    ]
    with gateway.context.db.session() as session:
        patient = agenda.register_patient(
            session, last_name=last, first_name=first, birth_date=born, phone=number,
            source=agenda.Source.STAFF,
        )
        booked = [_book(session, practice, patient.id, start) for start in starts]
    return number, booked


def _book(session: Session, practice: Any, patient_id: int, start: dt.datetime) -> int:
    return agenda.book_appointment(
        session, practice, practitioner_id="durand", appointment_type_id="consultation",
        start=start, patient_id=patient_id,
        now=dt.datetime.fromisoformat(AT) - dt.timedelta(days=7),
    ).id


def test_a_known_caller_books_in_four_turns_with_their_usual_practitioner(
    chat: Any, live_gateway: LiveGateway
) -> None:
    number, _ = _known_patient(live_gateway, "Hélène", "Garnier", dt.date(1951, 5, 3), 0)
    c = chat(caller=number)
    assert c.say("bonjour je voudrais un rendez-vous la semaine prochaine plutôt le matin") == [
        "utter_understood_booking", "utter_ask_patient_confirmed"
    ]
    assert c.text().endswith("C'est bien pour Hélène Garnier ?")
    # Known: no type (a consultation), no practitioner (her usual one), no name, no number.
    assert c.say("oui") == ["utter_ask_chosen_slot"]
    assert "Docteur Paul Durand" not in c.text()  # one practitioner: not said with each slot
    assert c.say("le premier") == ["utter_ask_booking_confirmed"]
    assert "au nom d'Hélène Garnier" in c.text() and "Docteur Paul Durand" in c.text()
    assert c.say("oui") == ["utter_booked", "utter_anything_else"]
    [booked] = c.appointments()
    start = dt.datetime.fromisoformat(booked["start"]).astimezone(live_gateway.context.practice.tz)
    assert booked["practitioner_id"] == "durand" and start.hour < 12
    assert start.date() >= quiet_monday() + dt.timedelta(weeks=1)
    asked = [t["key"] for m in [c.last] for t in m["replies"]]
    assert not IDENTITY_QUESTIONS & set(asked)


def test_everything_said_in_the_opening_counts_and_corrections_replace_it(
    chat: Any, live_gateway: LiveGateway
) -> None:
    c = chat()
    keys = c.say(
        "bonjour je suis marie dupont je voudrais une consultation avec le docteur durand "
        "la semaine prochaine plutôt le matin"
    )
    assert keys == ["utter_understood_booking", "utter_ask_chosen_slot"]
    first_round = c.text()
    # "non, plutôt jeudi après-midi" is a new wish, not a refusal of the same three slots.
    assert c.say("non plutôt jeudi après-midi") == [
        "utter_other_proposals", "utter_ask_chosen_slot"
    ]
    assert c.text() != first_round and "jeudi" in c.text()
    assert c.say("le premier") == ["utter_ask_birth_date"]  # the name was in the opening
    assert c.say("le 12 mars 1954") == ["utter_ask_phone_confirmed"]
    assert c.say("oui") == ["utter_ask_booking_confirmed"]
    assert "au nom de Marie Dupont" in c.text()
    assert c.say("oui") == ["utter_booked", "utter_anything_else"]
    [booked] = c.appointments()
    start = dt.datetime.fromisoformat(booked["start"]).astimezone(live_gateway.context.practice.tz)
    assert booked["practitioner_id"] == "durand"
    assert (start.weekday(), start.hour >= 12) == (3, True)
    assert (booked["patient_first_name"], booked["patient_last_name"]) == ("marie", "dupont")


def test_cancel_lists_the_callers_appointments_and_asks_which(
    chat: Any, live_gateway: LiveGateway
) -> None:
    number, booked = _known_patient(live_gateway, "Lucas", "Fabre", dt.date(1988, 9, 14), 30)
    c = chat(caller=number)
    assert c.say("il faut que j'annule mon rendez-vous") == [
        "utter_understood_cancel", "utter_ask_patient_confirmed"
    ]
    assert c.say("pardon ?") == ["utter_ask_patient_confirmed"]  # said again, nothing lost
    assert c.last["pace"] is None
    assert c.say("oui") == ["utter_ask_birth_date"]
    assert c.say("plus lentement s'il vous plaît") == ["utter_ask_birth_date"]
    assert c.last["pace"] == "slower"
    assert c.say("le 14 septembre 1988") == ["utter_ask_appointment_choice"]
    assert "jeudi" in c.text() and "vendredi" in c.text() and "Lequel" in c.text()
    assert c.say("celui de vendredi") == ["utter_ask_appointment_confirmed"]
    assert c.say("oui") == ["utter_cancelled", "utter_anything_else"]
    with live_gateway.context.db.session() as session:
        statuses = [
            agenda.get_appointment(session, live_gateway.context.practice, i).status
            for i in booked
        ]
    assert statuses == ["booked", "cancelled"]


def test_an_unfinished_booking_leaves_the_wish_and_the_proposals(chat: Any) -> None:
    c = chat()
    keys = c.say(
        "vous auriez quelque chose pour une consultation jeudi en fin de matinée avec le "
        "docteur martin"
    )
    assert keys[-1] == "utter_ask_chosen_slot"  # understood as a booking, whatever the NLU
    assert c.http.delete(f"/api/chat/{c.session_id}").status_code == 204
    [message] = c.messages()
    assert message["kind"] == "failed_booking" and message["details"]["interrupted"] is True
    wish = message["details"]["wish"]
    assert "consultation" in wish and "Martin" in wish and "jeudi en fin de matinée" in wish
    assert "proposé : jeudi" in wish


def test_a_question_missed_twice_offers_the_keypad_then_the_secretariat(chat: Any) -> None:
    c = chat()
    assert c.say("il me faudrait un arrêt de travail") == [
        "utter_understood_sick_leave", "utter_ask_full_name"
    ]
    assert c.say("paul bernard") == ["utter_ask_birth_date"]
    assert c.say("je ne sais plus") == ["utter_invalid_birth_date", "utter_ask_birth_date"]
    # Asking for a moment is no miss: the assistant waits, and the count stays where it was.
    assert c.say("attendez je cherche") == ["utter_hold_on"]
    assert c.say("je sais vraiment pas") == ["utter_birth_date_keypad", "utter_ask_birth_date"]
    # Office hours: the third miss hands the call to the secretariat.
    assert c.say("euh je ne trouve pas") == ["utter_misses_transfer"]
    assert c.last["ended"] is True and c.last["end"] == "transfer"
