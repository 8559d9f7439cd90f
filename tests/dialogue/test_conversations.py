"""End-to-end conversations through /api/chat: the real Rasa server with the trained model, its
actions in the live gateway, the real database. Each asserts what the practice gets: the
appointment row, the inbox message (kind and summary), or nothing at all.

The conversations pretend to happen on a staffed Tuesday at 10:00 in Lyon (``at``), in the first
ordinary week at least a week from today (`tests/clock.py`), so slots and transfers do not depend
on when the suite runs.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

import httpx
import pytest

from tests.clock import local, practice, staffed_tuesday, tuesday_night, week_start
from tests.conftest import LiveGateway
from tests.support import API_TOKEN

pytestmark = pytest.mark.rasa

AT = staffed_tuesday()
_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre")
NIGHT = tuesday_night()
# Each conversation calls from its own number unless told otherwise: a number that booked
# before is a known caller ("C'est bien pour …?"), which only the tests about it want.
_NUMBERS = itertools.count(1)


def new_number() -> str:
    """A mobile number no other conversation of the session used, ending in 78."""
    return f"+33612{next(_NUMBERS):04d}78"


class Chat:
    """One conversation through the chat API."""

    def __init__(self, gateway: LiveGateway, *, caller: str | None = "new", at: str = AT):
        caller = new_number() if caller == "new" else caller
        self.caller = caller
        self.http = httpx.Client(
            base_url=gateway.url, headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=60
        )
        reply = self.http.post("/api/chat", json={"caller": caller, "at": at})
        assert reply.status_code == 201, reply.text
        self.last: dict[str, Any] = reply.json()
        self.session_id: str = self.last["session_id"]

    def say(self, text: str) -> list[str | None]:
        """Send one caller turn; the keys of the replies."""
        reply = self.http.post(f"/api/chat/{self.session_id}", json={"text": text})
        assert reply.status_code == 200, reply.text
        self.last = reply.json()
        return [r["key"] for r in self.last["replies"]]

    def press(self, digits: str) -> list[str | None]:
        """Keypad digits (the voice channel's fallback)."""
        reply = self.http.post(f"/api/chat/{self.session_id}", json={"digits": digits})
        assert reply.status_code == 200, reply.text
        self.last = reply.json()
        return [r["key"] for r in self.last["replies"]]

    def text(self) -> str:
        return " ".join(r["text"] for r in self.last["replies"])

    def messages(self) -> list[dict[str, Any]]:
        """This conversation's inbox messages."""
        reply = self.http.get("/api/inbox", params={"limit": 500})
        assert reply.status_code == 200
        return [m for m in reply.json() if m["call_sid"] == self.session_id]

    def appointments(self, session_id: str | None = None) -> list[dict[str, Any]]:
        reply = self.http.get(
            "/api/appointments",
            params={"start": week_start(), "days": 90,
                    "session_id": session_id or self.session_id},
        )
        assert reply.status_code == 200, reply.text
        data: list[dict[str, Any]] = reply.json()
        return data

    def identify(self, full_name: str, born: str, *, confirm_phone: bool = True) -> None:
        assert self.say(full_name) == ["utter_ask_birth_date"]
        assert self.last["expecting"] == "date_of_birth"
        assert self.say(born) == ["utter_ask_phone_confirmed"]
        assert "78" in self.text()
        if confirm_phone:
            return
        assert self.say("non ce n'est pas le bon numéro") == ["utter_ask_callback_number"]


@pytest.fixture
def chat(rasa_server: str, live_gateway: LiveGateway) -> Any:
    return lambda **kw: Chat(live_gateway, **kw)


def test_prescription_renewal(chat: Any) -> None:
    c = chat()
    assert c.say("bonjour je voudrais renouveler mon levothyrox 75") == [
        "utter_understood_renewal", "utter_ask_full_name"
    ]
    assert "Levothyrox 75" in c.text()
    c.identify("marie dupont", "le douze mars mille neuf cent cinquante quatre")
    assert c.say("oui") == [
        "utter_renewal_noted", "utter_we_will_call_back", "utter_anything_else"
    ]
    assert "Levothyrox 75" in c.text()
    assert c.say("non merci au revoir") == ["utter_goodbye"]
    assert c.last["ended"] is True
    [message] = c.messages()
    assert message["kind"] == "renewal"
    assert message["summary"] == (
        "Renouvellement d'ordonnance — DUPONT Marie, né(e) le 12/03/1954 — Levothyrox 75 — "
        "rappeler au 06 •• •• •• 78"
    )
    assert message["details"]["medicines"] == "Levothyrox 75"
    assert [t["speaker"] for t in message["transcript"]].count("caller") == 5


def test_keypad_fallback_for_the_date_of_birth_and_yes(chat: Any) -> None:
    c = chat()
    assert c.say("il me faudrait un arrêt maladie") == [
        "utter_understood_sick_leave", "utter_ask_full_name"
    ]
    assert c.say("robin marc") == ["utter_ask_birth_date"]
    assert c.say("euh je ne sais plus") == ["utter_invalid_birth_date", "utter_ask_birth_date"]
    assert c.press("05111972") == ["utter_ask_phone_confirmed"]
    assert c.press("1")[0] == "utter_sick_leave_noted"
    [message] = c.messages()
    assert "ROBIN Marc, né(e) le 05/11/1972" in message["summary"]


def test_a_name_corrected_at_the_read_back_is_read_back_again(chat: Any) -> None:
    c = chat()
    c.say("une consultation avec le docteur martin vendredi matin")
    assert c.say("le premier") == ["utter_ask_full_name"]
    c.identify("élise roy", "2 mai 1980")
    assert c.say("oui") == ["utter_ask_booking_confirmed"]
    assert "au nom d'Élise Roy" in c.text()
    assert c.say("non mon nom c'est élise roi r o i") == ["utter_ask_booking_confirmed"]
    assert "au nom d'Élise Roi" in c.text()
    assert c.say("oui")[0] == "utter_booked"
    [booked] = c.appointments()
    assert booked["patient_last_name"].lower() == "roi"


def test_a_single_slot_read_out_takes_a_yes(chat: Any) -> None:
    c = chat()
    c.say("une consultation avec le docteur durand jeudi à dix sept heures trente")
    assert c.last["replies"][-1]["key"] == "utter_ask_chosen_slot"
    assert "17 heures 30" in c.text() and " ou " not in c.text()
    # One slot is a yes-or-no question, not « lequel ? »; several are a choice.
    assert "Est-ce que cela vous convient ?" in c.text() and "Lequel" not in c.text()
    assert c.say("oui ça me va") == ["utter_ask_full_name"]
    several = chat()
    several.say("une consultation avec le docteur durand jeudi après-midi")
    assert " ou " in several.text() and "Lequel vous convient ?" in several.text()


def test_a_booking_for_a_relative_asks_about_them_not_the_caller(chat: Any) -> None:
    c = chat()
    c.say("bonjour je voudrais une consultation pour mon fils avec le docteur durand jeudi "
          "après-midi")
    assert c.last["replies"][-1]["key"] == "utter_ask_chosen_slot"
    assert c.say("le premier") == ["utter_ask_full_name"]
    assert c.text() == "Quel est le nom et le prénom de votre fils ?"
    assert c.say("lucas") == ["utter_ask_full_name"]
    assert c.text() == "Et son nom de famille ?"
    assert c.say("bernard") == ["utter_ask_birth_date"]
    assert c.text() == "Quelle est la date de naissance de votre fils ?"
    assert c.say("le 3 mai 2016") == ["utter_ask_phone_confirmed"]
    assert c.say("oui") == ["utter_ask_booking_confirmed"]
    assert "au nom de Lucas Bernard" in c.text()
    assert c.say("oui")[0] == "utter_booked"
    [booked] = c.appointments()
    assert booked["patient_last_name"].lower() == "bernard"
    # Cancelled by the same parent: « le rendez-vous de votre fils », not « vous avez ».
    again = chat(caller=c.caller)
    again.say("je voudrais annuler le rendez-vous de mon fils")
    assert again.text().endswith("C'est bien pour Lucas Bernard ?")
    assert again.say("oui") == ["utter_ask_birth_date"]
    assert again.text() == "Quelle est la date de naissance de votre fils ?"
    assert again.say("le 3 mai 2016") == ["utter_ask_appointment_confirmed"]
    assert again.text().startswith("Le rendez-vous de votre fils est le ")
    assert again.say("oui")[0] == "utter_cancelled"
    assert again.text().startswith("C'est fait : le rendez-vous de votre fils ")
    # « C'est pour ma fille » to the name question: asked again about her, her name taken.
    other = chat()
    assert other.say("il me faudrait un certificat médical pour le sport") == [
        "utter_understood_certificate", "utter_ask_full_name"]
    assert other.say("c'est pour ma fille") == ["utter_ask_full_name"]
    assert other.text() == "Quel est le nom et le prénom de votre fille ?"
    assert other.say("elle s'appelle léa bernard") == ["utter_ask_birth_date"]
    assert "votre fille" in other.text()
    assert other.say("le 3 mai 2016") == ["utter_ask_phone_confirmed"]
    assert other.say("oui")[0] == "utter_certificate_noted"
    [message] = other.messages()
    assert "BERNARD Léa" in message["summary"]
    assert "appel d'un proche (lien : fille)" in message["summary"]
    # Said to another question, who it is for answers nothing: that question again, then hers.
    renewal = chat()
    renewal.say("je voudrais renouveler une ordonnance")
    assert renewal.say("non c'est pour ma fille") == ["utter_ask_medicine"]
    assert renewal.say("du doliprane") == ["utter_ask_full_name"]
    assert renewal.text() == "Quel est le nom et le prénom de votre fille ?"


def test_a_relative_who_does_not_know_the_date_of_birth_is_not_pressed(chat: Any) -> None:
    c = chat()
    c.say("bonjour c'est pour ma mère elle doit renouveler son traitement pour le diabète")
    assert c.say("la metformine") == ["utter_ask_full_name"]
    assert c.say("jacqueline roux") == ["utter_ask_birth_date"]
    assert c.say("je connais pas sa date de naissance exacte") == [
        "utter_birth_date_unknown", "utter_ask_phone_confirmed"]
    assert c.say("oui")[0] == "utter_renewal_noted"
    [message] = c.messages()
    assert message["kind"] == "renewal" and message["details"]["medicines"] == "Metformine"
    # The caller's own date is asked again: not knowing it is a miss.
    own = chat()
    own.say("je voudrais renouveler mon ordonnance de metformine")
    assert own.say("jacqueline roux") == ["utter_ask_birth_date"]
    assert own.say("je sais plus") == ["utter_invalid_birth_date", "utter_ask_birth_date"]


def test_a_missed_appointment_or_a_walk_in_question_is_answered_before_the_booking(
    chat: Any,
) -> None:
    c = chat()
    replies = c.say("bonjour j'ai raté mon rendez-vous de ce matin je suis désolée")
    assert replies[0] == "utter_understood_missed"
    assert c.last["replies"][0]["text"].startswith("Ce n'est pas grave")
    assert replies[-1] == "utter_ask_appointment_type"
    # The shipped practice sets no walk-in hours: by appointment only, and one is offered.
    w = chat()
    assert w.say("est-ce que je peux venir sans rendez-vous ce matin")[0] == "utter_walk_in_none"
    assert w.say("une consultation")[0] == "utter_ask_practitioner"
    # Answered, the offer declined: the question needs nothing more from the desk.
    n = chat()
    assert n.say("on peut passer sans rendez-vous chez vous")[0] == "utter_walk_in_none"
    assert n.say("non merci au revoir") == ["utter_goodbye"]
    assert n.messages() == []
    # The offer taken, then left half-way: that booking reaches the inbox.
    h = chat()
    h.say("je peux venir sans rendez-vous")
    assert h.say("une consultation")[0] == "utter_ask_practitioner"
    assert h.say("bon finalement au revoir") == ["utter_goodbye"]
    assert [m["kind"] for m in h.messages()] == ["failed_booking"]


def test_a_caller_declining_their_name_hears_why_once_then_is_not_pressed(chat: Any) -> None:
    c = chat()
    c.say("une consultation avec le docteur martin jeudi matin")
    assert c.say("le premier") == ["utter_ask_full_name"]
    assert c.say("je préfère ne pas donner mon nom") == ["utter_name_why", "utter_ask_full_name"]
    assert c.say("non je préfère rester anonyme") == [
        "utter_name_declined", "utter_ask_phone_confirmed"]
    # No appointment without a name: the desk books it when calling back, from the inbox.
    assert c.say("oui") == ["utter_we_will_call_back", "utter_anything_else"]
    assert c.appointments() == []
    [message] = c.messages()
    assert message["kind"] == "failed_booking"


def test_a_caller_looking_for_their_diary_is_waited_for_and_the_booking_goes_on(
    chat: Any,
) -> None:
    c = chat()
    assert c.say("une consultation avec le docteur martin")[-1] == "utter_ask_time_preference"
    assert c.say("attendez je regarde mon agenda") == ["utter_hold_on"]
    assert c.say("voilà c'est bon mardi prochain")[-1] == "utter_ask_chosen_slot"


def test_closures_and_absences_ahead_are_told(chat: Any) -> None:
    closure = practice().closures[0]
    before = closure.start - dt.timedelta(days=10)
    before -= dt.timedelta(days=max(0, before.weekday() - 4))  # a weekday, the assistant's
    c = chat(at=local(before, 10))
    assert c.say("le docteur martin est en vacances quand")[0] == "utter_practitioner_closures"
    assert "Docteure Claire Martin ne consultera pas du" in c.text()
    assert closure.reason in c.text()
    office = chat(at=local(before, 10))
    assert office.say("vous fermez pendant les fêtes")[0] == "utter_practice_closures"
    # After the closure, nothing is announced that is over.
    later = closure.end + dt.timedelta(days=3)
    later += dt.timedelta(days=7 - later.weekday() if later.weekday() > 4 else 0)
    after = chat(at=local(later, 10))
    after.say("le docteur martin est en vacances quand")
    assert closure.reason not in after.text()


def test_a_sick_leave_keeps_why_and_since_when(chat: Any) -> None:
    c = chat()
    c.say("bonjour j'ai la grippe depuis lundi et il me faudrait un arrêt de travail")
    c.identify("sarah benali", "4 novembre 1992")
    assert c.say("oui")[0] == "utter_sick_leave_noted"
    bare = chat()
    bare.say("il me faudrait un arrêt de travail")
    bare.identify("paul benali", "4 novembre 1990")
    bare.say("oui")
    [message], [plain] = c.messages(), bare.messages()
    assert "« bonjour j'ai la grippe depuis lundi" in message["summary"]
    assert "«" not in plain["summary"]  # nothing said beyond the request


def test_a_prescription_for_physiotherapy_is_not_asked_which_medicine(chat: Any) -> None:
    c = chat()
    assert c.say("il me faudrait une ordonnance pour le kiné")[-1] == "utter_ask_full_name"
    assert "pour des séances de kinésithérapie" in c.text()
    c.identify("jean dupuis", "4 juillet 1979")
    assert c.say("oui")[0] == "utter_renewal_noted"
    [message] = c.messages()
    assert "des séances de kinésithérapie" in message["summary"]


def test_every_medicine_named_is_renewed(chat: Any) -> None:
    c = chat()
    c.say("il me faut mon levothyrox 75 et mon kardegic")
    c.identify("luc girard", "8 février 1958")
    assert c.say("oui")[0] == "utter_renewal_noted"
    assert "Levothyrox 75 et Kardegic" in c.text()
    [message] = c.messages()
    assert "Levothyrox 75 et Kardegic" in message["summary"]


def test_a_message_said_with_the_request_is_not_asked_for_again(chat: Any) -> None:
    c = chat(at=NIGHT)
    said = ("bonjour je voulais laisser un message pour le docteur martin c'est au sujet de mon "
            "traitement")
    assert c.say(said) == ["utter_understood_message", "utter_ask_full_name"]
    c.identify("hélène durand", "3 mars 1948")
    assert c.say("oui")[0] == "utter_message_noted"
    [message] = c.messages()
    assert "au sujet de mon traitement" in message["summary"]


def test_a_slot_chosen_on_the_keypad_and_a_choice_never_heard(chat: Any) -> None:
    c = chat()
    c.say("une consultation avec le docteur martin jeudi après-midi")
    assert c.last["replies"][-1]["key"] == "utter_ask_chosen_slot"
    assert c.say("oui") == ["utter_which_slot", "utter_ask_chosen_slot"]
    assert "taper 1, 2 ou 3" in c.text()
    assert c.press("2") == ["utter_ask_full_name"]
    # Twice not understood: there were places, so the caller is not told there were none.
    other = chat()
    other.say("une consultation avec le docteur martin jeudi après-midi")
    assert other.say("oui") == ["utter_which_slot", "utter_ask_chosen_slot"]
    assert other.say("oui oui")[0] == "utter_choice_not_understood"
    assert other.last["replies"][-1]["key"] == "utter_ask_full_name"


def test_certificate_asked_what_for_and_a_callback_number_without_caller_id(chat: Any) -> None:
    c = chat(caller=None)
    assert c.say("je voudrais un certificat médical") == [
        "utter_understood_certificate", "utter_ask_certificate_kind"
    ]
    assert c.say("c'est pour l'école de ma fille") == ["utter_ask_full_name"]
    assert c.say("léa martin") == ["utter_ask_birth_date"]
    assert c.say("le 3 juillet 2015") == ["utter_ask_callback_number"]
    assert c.say("zéro six douze trente quatre cinquante six soixante dix huit") == [
        "utter_certificate_noted", "utter_we_will_call_back", "utter_anything_else"
    ]
    [message] = c.messages()
    assert message["kind"] == "certificate"
    assert message["callback_number"] == "+33612345678"
    assert message["summary"] == (
        "Certificat médical — MARTIN Léa, né(e) le 03/07/2015 — école ou crèche — "
        "rappeler au 06 •• •• •• 78"
    )


def test_sick_leave_with_another_callback_number(chat: Any) -> None:
    c = chat()
    assert c.say("il me faudrait un arrêt de travail") == [
        "utter_understood_sick_leave", "utter_ask_full_name"
    ]
    c.identify("paul bernard", "21 avril 1982", confirm_phone=False)
    assert c.say("c'est le 07 81 22 45 10") == [
        "utter_sick_leave_noted", "utter_we_will_call_back", "utter_anything_else"
    ]
    [message] = c.messages()
    assert message["kind"] == "sick_leave" and message["urgency"] == "high"
    assert message["callback_number"] == "+33781224510"
    assert message["summary"].startswith("Arrêt de travail — BERNARD Paul, né(e) le 21/04/1982")


def test_message_for_the_secretariat_then_a_second_request_reuses_the_identity(chat: Any) -> None:
    c = chat()
    assert c.say("je voudrais laisser un message pour le docteur") == [
        "utter_understood_message", "utter_ask_message_text"
    ]
    assert c.say("c'est au sujet de mes résultats de prise de sang") == ["utter_ask_full_name"]
    c.identify("anne petit", "le 8 février 1967")
    assert c.say("oui") == ["utter_message_noted", "utter_we_will_call_back", "utter_anything_else"]
    assert c.say("oui") == ["utter_listening"]
    # The purpose said with the request is not asked again.
    assert c.say("il me faut un certificat pour le foot") == [
        "utter_understood_certificate", "utter_certificate_noted", "utter_we_will_call_back",
        "utter_anything_else",
    ]
    assert "pour le sport" in c.last["replies"][0]["text"]
    message, certificate = sorted(c.messages(), key=lambda m: m["id"])
    assert message["kind"] == "message"
    assert message["details"]["topic"] == "results"
    assert "résultats : « c'est au sujet de mes résultats de prise de sang »" in message["summary"]
    assert certificate["kind"] == "certificate"
    assert "PETIT Anne" in certificate["summary"] and "— sport —" in certificate["summary"]


def test_a_request_that_holds_its_message_or_a_symptom_is_taken_as_it_is(chat: Any) -> None:
    c = chat()
    assert c.say("je voulais savoir si le compte rendu de mon scanner est arrivé") == [
        "utter_understood_message", "utter_ask_full_name"
    ]
    c.identify("julien moreau", "le 2 juin 1980")
    assert c.say("oui")[0] == "utter_message_noted"
    [message] = c.messages()
    assert message["details"]["topic"] == "results"
    assert "compte rendu de mon scanner" in message["summary"]
    # A request for an appointment that mentions a symptom is that request (the safety net
    # has run); the no-advice answer is for questions that ask for advice.
    keys = chat().say("j'ai mal au dos depuis une semaine je voudrais un rendez-vous")
    assert keys[0] == "utter_understood_booking" and "utter_no_medical_advice" not in keys
    keys = chat().say("c'est pour les vaccins de mon fils")
    assert keys == ["utter_understood_booking", "utter_ask_practitioner"]


def test_practical_information_from_the_configuration(chat: Any) -> None:
    c = chat()
    assert c.say("quels sont vos horaires") == ["utter_opening_hours", "utter_anything_else"]
    assert "le lundi" in c.text() and "8 heures 30" in c.text()
    assert c.say("où se trouve le cabinet") == ["utter_address", "utter_anything_else"]
    assert "12 rue des Tilleuls" in c.text()
    assert c.say("il y a un tram pour venir") == ["utter_access", "utter_anything_else"]
    assert "Tram T3" in c.text()
    assert c.messages() == []


@pytest.mark.parametrize(
    ("question", "named", "a_day"),
    [
        ("est-ce que le docteur durand travaille le samedi", "Docteur Paul Durand", "le samedi"),
        ("c'est pour savoir quels jours consulte la docteure martin", "Docteure Claire Martin",
         "le mercredi"),
    ],
)
def test_a_practitioners_days_are_theirs_not_the_desks(
    chat: Any, question: str, named: str, a_day: str
) -> None:
    c = chat()
    assert c.say(question) == ["utter_practitioner_hours", "utter_anything_else"]
    assert named in c.text() and a_day in c.text()
    assert c.messages() == []


def test_a_practitioner_asked_for_one_day_gets_that_day(chat: Any) -> None:
    # The conversations happen on a Tuesday (`AT`): Durand never consults on Tuesdays.
    today = chat()
    assert today.say("est-ce que le docteur martin est là aujourd'hui")[0] == (
        "utter_practitioner_day_hours")
    assert "consulte aujourd'hui de 8 heures 30 à 12 heures" in today.text()
    away = chat()
    assert away.say("le docteur durand consulte aujourd'hui ?")[0] == (
        "utter_practitioner_not_that_day")
    assert "ne consulte pas aujourd'hui" in away.text() and "le samedi" in away.text()
    thursday = chat()
    assert thursday.say("est-ce que le docteur durand sera là jeudi")[0] == (
        "utter_practitioner_day_hours")
    assert "le jeudi" in thursday.text() and "de 14 heures à 20 heures" in thursday.text()


@pytest.mark.parametrize(
    "words",
    [
        "je suis en retard pour mon rendez-vous de 10 heures",
        "c'est combien une consultation",
        "est-ce que le docteur fait des visites à domicile",
        "il me faut un bon de transport pour l'hôpital",
    ],
)
def test_what_only_the_desk_can_answer_becomes_a_message(chat: Any, words: str) -> None:
    assert chat().say(words)[0] == "utter_understood_message"


def test_talk_to_someone_is_transferred_when_the_office_is_staffed(
    chat: Any, live_gateway: LiveGateway
) -> None:
    import transcripts

    c = chat()
    assert c.say("je voudrais parler à la secrétaire") == ["utter_transfer"]
    assert c.last["ended"] is True and c.last["end"] == "transfer"
    assert c.last["transfer_to"] == "+33 4 78 00 00 01"
    with live_gateway.context.db.session() as session:
        call = transcripts.get_call(session, c.session_id)
        assert call is not None and call.outcome == "transferred"


def test_talk_to_someone_at_night_becomes_a_message(chat: Any) -> None:
    c = chat(at=NIGHT)
    assert c.say("passez-moi quelqu'un s'il vous plaît") == [
        "utter_nobody_available", "utter_ask_message_text"
    ]
    assert c.say("rappelez-moi pour mon dossier") == ["utter_ask_full_name"]
    c.identify("julie roux", "le 15 octobre 1990")
    assert c.say("oui")[0] == "utter_message_noted"
    [message] = c.messages()
    assert message["kind"] == "message" and message["details"]["topic"] == "administrative"


def test_medical_questions_are_never_answered(chat: Any) -> None:
    c = chat()
    assert c.say("est-ce que je peux prendre du doliprane avec mon traitement") == [
        "utter_no_medical_advice", "utter_offer_message_doctor"
    ]
    assert "15" in c.text()
    assert c.say("non merci") == ["utter_anything_else"]
    assert c.say("non") == ["utter_goodbye"]
    assert c.messages() == []


def test_emergency_goes_to_15_before_any_understanding(chat: Any) -> None:
    c = chat()
    assert c.say("je voudrais un rendez-vous") == [
        "utter_understood_booking", "utter_ask_appointment_type"
    ]
    keys = c.say("ma femme a une douleur dans la poitrine elle a du mal à respirer")
    assert keys == ["utter_emergency", "utter_emergency_deaf", "utter_emergency_noted"]
    assert c.last["ended"] is True
    [message] = c.messages()
    assert message["kind"] == "emergency" and message["urgency"] == "urgent"
    assert c.appointments() == []


def test_a_name_is_no_doubt_but_a_sign_said_with_it_is_an_emergency(chat: Any) -> None:
    # Said to the name question, « s'appelle » is who the patient is: the classifier's letter
    # groups, which learnt it from « il sait plus comment il s'appelle », do not ask about it.
    c = chat()
    c.say("il me faudrait un certificat médical pour le sport")
    assert c.say("c'est pour mon grand-père") == ["utter_ask_full_name"]
    assert c.say("mon grand-père s'appelle paul martin") == ["utter_ask_birth_date"]
    other = chat()
    other.say("je voudrais renouveler l'ordonnance de ma mère")
    other.say("du kardegic")
    assert other.text() == "Quel est le nom et le prénom de votre mère ?"
    assert other.say("elle s'appelle jeanne moreau elle respire plus") == [
        "utter_emergency", "utter_emergency_deaf", "utter_emergency_noted"]


def test_a_doubt_the_caller_denies_lets_the_request_through(chat: Any) -> None:
    c = chat()
    assert c.say("je suis essoufflé je voudrais un rendez-vous") == ["utter_emergency_check"]
    # "No": the words that raised the doubt go to the dialogue, which starts the booking.
    assert c.say("non non ce n'est pas urgent") == [
        "utter_understood_booking", "utter_ask_appointment_type"
    ]
    [doubt] = c.messages()
    assert doubt["kind"] == "emergency" and doubt["urgency"] == "high"
    assert "ce n'était pas une urgence" in doubt["summary"]


def test_not_understood_twice_takes_a_message(chat: Any) -> None:
    c = chat()
    assert c.say("tralala pouet pouet") == ["utter_reprompt"]
    assert c.say("pouet pouet camion") == [
        "utter_take_message_instead", "utter_ask_message_text"
    ]
    assert c.say("je voulais savoir pour le vaccin de mon fils") == ["utter_ask_full_name"]
    c.identify("hugo garcia", "le 30 novembre 2001")
    assert c.say("oui")[0] == "utter_message_noted"
    [message] = c.messages()
    assert message["kind"] == "message"
    assert "vaccin de mon fils" in message["summary"]


def test_a_call_dropped_mid_request_leaves_what_was_understood(chat: Any) -> None:
    c = chat()
    assert c.say("c'est pour renouveler mon kardegic") == [
        "utter_understood_renewal", "utter_ask_full_name"
    ]
    assert c.say("lefèvre") == ["utter_ask_full_name"]
    assert c.text() == "Et votre prénom ?"
    assert c.http.delete(f"/api/chat/{c.session_id}").status_code == 204
    [message] = c.messages()
    assert message["kind"] == "renewal"
    assert message["details"]["interrupted"] is True
    assert message["summary"].startswith("Renouvellement d'ordonnance — LEFÈVRE — Kardegic")
    assert "appel interrompu" in message["summary"]


def test_goodbye_mid_request_still_leaves_what_was_understood(chat: Any) -> None:
    c = chat()
    assert c.say("je voudrais un certificat pour le tennis") == [
        "utter_understood_certificate", "utter_ask_full_name"
    ]
    assert c.say("au revoir") == ["utter_goodbye"]
    assert c.last["ended"] is True
    [message] = c.messages()
    assert message["kind"] == "certificate" and message["details"]["interrupted"] is True
    assert "— sport — appel interrompu —" in message["summary"]


def _book(c: Chat, full_name: str, born: str) -> dict[str, Any]:
    assert c.say("je voudrais un rendez-vous pour une consultation avec le docteur martin") == [
        "utter_understood_booking", "utter_ask_time_preference"
    ]
    assert "de consultation avec Docteure Claire Martin" in c.text()
    assert c.say("jeudi matin") == ["utter_ask_chosen_slot"]
    first_round = c.text()
    assert c.say("aucun ne me convient") == ["utter_other_proposals", "utter_ask_chosen_slot"]
    assert c.text() != first_round
    assert c.say("le 2ème") == ["utter_ask_full_name"]
    c.identify(full_name, born)
    assert c.say("oui") == ["utter_ask_booking_confirmed"]
    assert c.last["expecting"] == "confirmation"
    of = "d'" if full_name[:1] in "aeiouyéh" else "de "
    assert f"au nom {of}{full_name.title()}" in c.text()
    assert c.say("oui c'est ça") == ["utter_booked", "utter_anything_else"]
    [booked] = c.appointments()
    return booked


def test_booking_with_other_proposals_read_back_and_confirmed(chat: Any) -> None:
    c = chat()
    booked = _book(c, "françois moreau", "le 4 septembre 1975")
    assert booked["status"] == "booked"
    assert booked["practitioner_id"] == "martin"
    assert booked["appointment_type_id"] == "consultation"
    start = dt.datetime.fromisoformat(booked["start"])
    assert start.weekday() == 3 and start.hour < 12  # a Thursday morning
    assert booked["patient_last_name"].lower() == "moreau"
    assert c.say("non merci") == ["utter_goodbye"]
    assert c.messages() == []


def test_booking_declined_at_read_back_books_nothing(chat: Any) -> None:
    c = chat()
    assert c.say("je voudrais prendre rendez-vous pour un vaccin") == [
        "utter_understood_booking", "utter_ask_practitioner"
    ]
    assert c.say("peu importe") == ["utter_ask_time_preference"]
    assert c.say("le plus tôt possible") == ["utter_ask_chosen_slot"]
    assert c.say("le 1er") == ["utter_ask_full_name"]
    c.identify("louis blanc", "le 17 juin 1960")
    assert c.say("oui") == ["utter_ask_booking_confirmed"]
    assert c.say("non") == ["utter_booking_not_confirmed", "utter_anything_else"]
    assert c.appointments() == []


def test_a_known_caller_cancels_after_giving_their_date_of_birth(chat: Any) -> None:
    booking = chat()
    booked = _book(booking, "anne chevalier", "le 25 décembre 1949")
    # Another date than the file's: asked once more, then the secretariat; nothing read out.
    wrong = chat(caller=booking.caller)
    wrong.say("je voudrais annuler mon rendez-vous")
    assert wrong.say("oui") == ["utter_ask_birth_date"]
    assert wrong.say("le 15 décembre 1949") == [
        "utter_birth_date_not_on_file", "utter_ask_birth_date"]
    assert wrong.say("le 15 décembre 1949") == [
        "utter_no_appointment_found", "utter_anything_else"]
    assert "25" not in wrong.text()
    c = chat(caller=booking.caller)
    assert c.say("il faut que j'annule mon rendez-vous") == [
        "utter_understood_cancel", "utter_ask_patient_confirmed"
    ]
    assert c.text().endswith("C'est bien pour Anne Chevalier ?")
    assert c.say("oui") == ["utter_ask_birth_date"]  # a caller ID can be spoofed
    assert c.say("le 5 décembre 1949") == ["utter_birth_date_not_on_file", "utter_ask_birth_date"]
    assert c.say("25 12 1949") == ["utter_ask_appointment_confirmed"]
    assert "annule" in c.text()
    assert c.say("oui") == ["utter_cancelled", "utter_anything_else"]
    [after] = c.appointments(booking.session_id)
    assert after["id"] == booked["id"] and after["status"] == "cancelled"


def test_move_after_identity(chat: Any) -> None:
    booking = chat()
    booked = _book(booking, "paul mercier", "le 2 mai 1958")
    c = chat()
    assert c.say("je voudrais déplacer mon rendez-vous") == [
        "utter_understood_move", "utter_ask_full_name"
    ]
    assert c.say("paul mercier") == ["utter_ask_birth_date"]
    assert c.say("le 2 mai 1958") == ["utter_ask_appointment_confirmed"]
    assert c.say("oui") == ["utter_ask_time_preference"]
    assert c.say("vendredi après-midi") == ["utter_ask_chosen_slot"]
    assert c.say("le 1er") == ["utter_ask_booking_confirmed"]
    assert c.say("oui") == ["utter_moved", "utter_anything_else"]
    [old] = c.appointments(booking.session_id)
    assert old["id"] == booked["id"] and old["status"] == "cancelled"
    [new] = c.appointments()
    assert dt.datetime.fromisoformat(new["start"]).weekday() == 4


def test_cancel_with_no_appointment_goes_to_the_secretariat(chat: Any) -> None:
    c = chat()
    assert c.say("c'est pour annuler un rendez-vous") == [
        "utter_understood_cancel", "utter_ask_full_name"
    ]
    assert c.say("jean inconnu") == ["utter_ask_birth_date"]
    assert c.say("le 1er janvier 1948") == ["utter_no_appointment_found", "utter_anything_else"]
    [message] = c.messages()
    assert message["kind"] == "failed_booking"
    assert "souhaitait annuler un rendez-vous" in message["summary"]
    assert "proche" not in message["summary"]
    # For a relative: the desk knows it calls back someone other than the patient.
    for_him = chat()
    for_him.say("je voudrais annuler le rendez-vous de mon père")
    assert for_him.say("jean inconnu") == ["utter_ask_birth_date"]
    assert for_him.say("le 1er janvier 1948")[0] == "utter_no_appointment_found"
    [message] = for_him.messages()
    assert "appel d'un proche (lien : père)" in message["summary"]


def test_the_terminal_chat_holds_a_conversation(
    rasa_server: str, live_gateway: LiveGateway
) -> None:
    from dialogue.chat_cli import run_chat

    typed = iter(["où se trouve le cabinet", "non merci"])
    printed: list[str] = []
    session_id = run_chat(
        live_gateway.url, API_TOKEN, caller=new_number(), at=AT, read=typed.__next__,
        write=printed.append,
    )
    assert session_id.startswith("chat-")
    assert printed[0].startswith("assistant > Bonjour, vous êtes bien au Cabinet médical")
    assert any("12 rue des Tilleuls" in line for line in printed)
    assert printed[-1] == "assistant > Merci de votre appel. Au revoir."


def test_a_caller_who_changes_their_mind_gets_the_new_request(chat: Any) -> None:
    c = chat()
    opening = c.say("bonjour je voudrais renouveler mon levothyrox 75")
    assert opening == ["utter_understood_renewal", "utter_ask_full_name"]
    # Not a name: another request, started at once (its first reply says so).
    keys = c.say("non pardon en fait je voudrais plutôt annuler mon rendez-vous")
    assert keys == ["utter_understood_cancel", "utter_ask_full_name"]
    other = chat()
    assert other.say("je voudrais prendre un rendez-vous")[0] == "utter_understood_booking"
    keys = other.say("ah non laissez, c'est pour un renouvellement d'ordonnance en fait")
    assert keys[0] == "utter_understood_renewal"


def test_a_time_said_for_the_type_is_kept_and_the_type_asked_again(chat: Any) -> None:
    c = chat()
    assert c.say("je voudrais un rendez-vous avec le docteur martin") == [
        "utter_understood_booking", "utter_ask_appointment_type"
    ]
    assert c.say("jeudi matin") == ["utter_ask_appointment_type"]
    assert c.say("une consultation") == ["utter_ask_chosen_slot"]
    assert "jeudi" in c.text().lower()


def test_a_practical_question_mid_request_is_answered_and_the_request_goes_on(chat: Any) -> None:
    c = chat()
    assert c.say("je voudrais un certificat pour le sport") == [
        "utter_understood_certificate", "utter_ask_full_name"
    ]
    assert c.say("au fait vous êtes ouverts jusqu'à quelle heure le soir") == [
        "utter_opening_hours", "utter_ask_full_name"
    ]
    assert c.say("marc dubois") == ["utter_ask_birth_date"]
    booking = chat()
    booking.say("je voudrais un rendez-vous avec le docteur martin pour une consultation")
    assert booking.last["replies"][-1]["key"] == "utter_ask_time_preference"
    assert booking.say("et c'est où votre cabinet exactement") == [
        "utter_address", "utter_ask_time_preference"
    ]
    assert booking.say("jeudi matin") == ["utter_ask_chosen_slot"]


def test_what_a_caller_says_in_passing_is_read_for_what_it_is(chat: Any) -> None:
    # A medicine's name to "quel médicament ?" is the answer, not a medical question...
    renewal = chat()
    assert renewal.say("c'est pour renouveler mon ordonnance") == [
        "utter_understood_renewal", "utter_ask_medicine"]
    assert renewal.say("est-ce que je peux doubler la dose de doliprane") == [
        "utter_no_medical_advice", "utter_ask_medicine"]
    assert renewal.say("du doliprane") == ["utter_ask_full_name"]
    # ... "pour moi" to "votre nom ?" is no name ...
    assert renewal.say("c'est pour moi")[0] == "utter_invalid_name"
    # ... the morning is not Docteure Martin ...
    hours = chat()
    assert hours.say("vous êtes ouverts le samedi matin ?")[0] == "utter_opening_hours"
    # ... fees asked in the middle of a booking are the desk's, and the booking goes on ...
    booking = chat()
    assert booking.say("je voudrais un rendez-vous mais pas avant le 15") == [
        "utter_understood_booking", "utter_ask_appointment_type"]
    # (the type it names is taken: the next question is the practitioner)
    assert booking.say("c'est combien la consultation") == [
        "utter_desk_question_aside", "utter_ask_practitioner"]
    assert booking.messages() == []
    # ... and the date said first still holds: nothing before the 15th.
    booking.say("peu importe")
    assert booking.last["replies"][-1]["key"] == "utter_ask_chosen_slot", booking.text()
    today = dt.date.fromisoformat(AT[:10])
    fifteenth = today.replace(day=15)
    if fifteenth < today:
        fifteenth = (fifteenth + dt.timedelta(days=31)).replace(day=15)
    proposed = [(int(day), _MONTHS.index(month) + 1)
                for day, month in re.findall(rf"(\d+) ({'|'.join(_MONTHS)})", booking.text())]
    assert proposed, booking.text()
    assert all((month, day) >= (fifteenth.month, 15) or month < today.month
               for day, month in proposed), booking.text()


def test_a_closed_day_asked_for_gets_the_nearest_open_days(chat: Any) -> None:
    saturday = dt.datetime.fromisoformat(AT) + dt.timedelta(days=4)  # 10:00, the office open
    c = chat(at=saturday.isoformat())
    assert c.say("bonjour je voudrais une consultation demain matin")[0] == (
        "utter_understood_booking")
    if c.last["replies"][-1]["key"] == "utter_ask_practitioner":
        c.say("peu importe")
    # Sunday is closed: Monday's mornings, not "no place, the secretariat will call you back".
    assert c.last["replies"][-1]["key"] == "utter_ask_chosen_slot", c.text()
    assert "lundi" in c.text().lower() and "dimanche" not in c.text().lower()


def test_an_answer_no_rule_expects_is_reprompted_once_not_in_a_loop(chat: Any) -> None:
    c = chat()
    c.say("je voudrais renouveler mon ordonnance de metformine")
    c.identify("gérard dupuis", "le 12 avril 1952")
    assert c.say("oui")[-1] == "utter_anything_else"
    assert c.say("oui") == ["utter_listening"]
    assert c.say("non merci") == ["utter_goodbye"]
    other = chat()
    assert other.say("je voudrais un certificat pour le sport") == [
        "utter_understood_certificate", "utter_ask_full_name"]
    other.identify("marc dubois", "le 4 mai 1990")
    assert other.say("oui")[-1] == "utter_anything_else"
    assert other.say("oui") == ["utter_listening"]
    # Said where no rule expects it: one reprompt, and the caller is heard again.
    keys = other.say("oui oui")
    assert keys.count("utter_reprompt") <= 1 and len(keys) <= 2, keys


def test_a_caller_who_forgot_when_their_appointment_is_hears_it_and_nothing_changes(
    chat: Any,
) -> None:
    booking = chat()
    booked = _book(booking, "lucie girard", "le 8 août 1961")
    c = chat()
    assert c.say("allô oui bonjour je sais plus à quelle heure est mon rendez-vous") == [
        "utter_understood_check", "utter_ask_full_name"
    ]
    assert c.say("lucie girard") == ["utter_ask_birth_date"]
    # The date of birth first, as for cancelling: a caller ID can be spoofed.
    assert c.say("le 8 août 1961") == ["utter_your_appointments", "utter_anything_else"]
    assert "jeudi" in c.text().lower() and "Docteure Claire Martin" in c.text()
    [same] = c.appointments(booking.session_id)
    assert same["id"] == booked["id"] and same["status"] == "booked"
    assert c.say("non merci") == ["utter_goodbye"]
    assert c.messages() == []
    nobody = chat()
    assert nobody.say("vous pouvez me redire la date de mon rendez-vous s'il vous plaît")[0] == (
        "utter_understood_check")
    nobody.say("jean inconnu")
    assert nobody.say("le 1er janvier 1948")[0] == "utter_no_appointment_found"
    [message] = nobody.messages()
    assert "souhaitait connaître la date de son rendez-vous" in message["summary"]
