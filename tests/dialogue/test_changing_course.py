"""Callers who change course mid-request, through /api/chat with the real Rasa server: a request
left for another still reaches the inbox with what was said for it; giving up ends the call
politely with the request as it stands in the inbox; a medical question gets no advice and the
request goes on where it was.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import LiveGateway
from tests.dialogue.test_conversations import Chat, _book

pytestmark = pytest.mark.rasa


@pytest.fixture
def chat(rasa_server: str, live_gateway: LiveGateway) -> Any:
    return lambda **kw: Chat(live_gateway, **kw)


def _by_kind(c: Chat) -> dict[str, dict[str, Any]]:
    messages = c.messages()
    kinds = {m["kind"]: m for m in messages}
    assert len(kinds) == len(messages), messages
    return kinds


def test_a_renewal_left_for_a_booking_still_reaches_the_inbox(chat: Any) -> None:
    c = chat()
    assert c.say("bonjour je voudrais renouveler mon ordonnance") == [
        "utter_understood_renewal", "utter_ask_medicine"
    ]
    assert c.say("le levothyrox 75") == ["utter_ask_full_name"]
    assert c.say("en fait je voudrais plutôt un rendez-vous") == [
        "utter_understood_booking", "utter_ask_appointment_type"
    ]
    assert c.say("une consultation") == ["utter_ask_practitioner"]
    assert c.say("le premier disponible") == ["utter_ask_time_preference"]
    assert c.say("jeudi matin") == ["utter_ask_chosen_slot"]
    assert c.say("le premier") == ["utter_ask_full_name"]
    c.identify("marie dupont", "le 12 mars 1954")
    assert c.say("oui") == ["utter_ask_booking_confirmed"]
    assert c.say("oui") == ["utter_booked", "utter_anything_else"]
    assert len(c.appointments()) == 1
    renewal = _by_kind(c)["renewal"]
    assert renewal["details"]["medicines"] == "Levothyrox 75"
    assert renewal["details"]["set_aside"] is True


def test_a_renewal_set_aside_then_taken_up_again_is_one_message(chat: Any) -> None:
    c = chat()
    assert c.say("je voudrais renouveler mon ordonnance")[-1] == "utter_ask_medicine"
    assert c.say("le levothyrox 75") == ["utter_ask_full_name"]
    assert c.say("ah et puis je voudrais laisser un message pour le docteur") == [
        "utter_understood_message", "utter_ask_message_text"
    ]
    [left] = c.messages()
    assert left["kind"] == "renewal" and "laissée pour une autre demande" in left["summary"]
    assert c.say("c'est au sujet de mes résultats de prise de sang") == ["utter_ask_full_name"]
    c.identify("marie dupont", "le 12 mars 1954")
    assert c.say("oui")[0] == "utter_message_noted"
    # Back to the renewal: what was said for it is kept, nothing is asked again.
    assert c.say("et pour mon renouvellement d'ordonnance alors")[:2] == [
        "utter_understood_renewal", "utter_renewal_noted"
    ]
    kinds = _by_kind(c)  # one message per request
    assert set(kinds) == {"renewal", "message"}
    renewal = kinds["renewal"]
    assert renewal["id"] == left["id"] and "set_aside" not in renewal["details"]
    assert "laissée" not in renewal["summary"] and "Levothyrox 75" in renewal["summary"]
    assert renewal["last_name"] is not None and "DUPONT" in renewal["summary"]


def test_a_hang_up_after_a_request_was_set_aside_keeps_both_requests(chat: Any) -> None:
    c = chat()
    assert c.say("je voudrais renouveler mon kardegic") == [
        "utter_understood_renewal", "utter_ask_full_name"
    ]
    assert c.say("en fait il me faudrait aussi un certificat pour le foot")[0] == (
        "utter_understood_certificate")
    assert c.http.delete(f"/api/chat/{c.session_id}").status_code == 204
    kinds = _by_kind(c)
    assert "laissée pour une autre demande" in kinds["renewal"]["summary"]
    assert kinds["certificate"]["details"]["interrupted"] is True


def _by_request(c: Chat) -> dict[str, dict[str, Any]]:
    kinds = ("failed_booking", "appointment_handled")
    bookings = [m for m in c.messages() if m["kind"] in kinds]
    requests = {m["details"]["request"]: m for m in bookings}
    assert len(requests) == len(bookings), bookings
    return requests


def test_a_hang_up_mid_cancellation_keeps_the_booking_set_aside_and_the_cancellation(
    chat: Any,
) -> None:
    c = chat()
    assert c.say("je voudrais un rendez-vous pour une consultation avec le docteur martin") == [
        "utter_understood_booking", "utter_ask_time_preference"
    ]
    assert c.say("vendredi après-midi") == ["utter_ask_chosen_slot"]
    assert c.say("non en fait je voudrais annuler mon rendez-vous") == [
        "utter_understood_cancel", "utter_ask_full_name"
    ]
    assert c.say("jean petit") == ["utter_ask_birth_date"]
    assert c.http.delete(f"/api/chat/{c.session_id}").status_code == 204
    requests = _by_request(c)  # one message per request, not one per kind
    assert set(requests) == {"book", "cancel"}
    booking, cancel = requests["book"], requests["cancel"]
    assert "laissée pour une autre demande" in booking["summary"]
    assert "vendredi après-midi" in booking["details"]["wish"]
    assert cancel["details"]["interrupted"] is True and str(cancel["last_name"]).lower() == "petit"
    assert "souhaitait annuler un rendez-vous" in cancel["summary"]


def test_a_booking_set_aside_then_made_is_closed_as_done(chat: Any) -> None:
    c = chat()
    assert c.say("je voudrais un rendez-vous pour une consultation avec le docteur martin") == [
        "utter_understood_booking", "utter_ask_time_preference"
    ]
    assert c.say("jeudi matin") == ["utter_ask_chosen_slot"]
    assert c.say("ah et puis je voudrais renouveler mon kardegic") == [
        "utter_understood_renewal", "utter_ask_full_name"
    ]
    [left] = c.messages()
    assert left["details"]["set_aside"] is True and left["status"] == "new"
    c.identify("marie dupont", "le 12 mars 1954")
    assert c.say("oui")[0] == "utter_renewal_noted"
    assert c.say("une consultation avec le docteur martin jeudi matin") == [
        "utter_understood_booking", "utter_ask_chosen_slot"
    ]
    assert c.say("le premier") == ["utter_ask_booking_confirmed"]
    assert c.say("oui") == ["utter_booked", "utter_anything_else"]
    [booked] = c.appointments()
    booking = _by_request(c)["book"]
    # Closed, not a to-do any more: handled, and saying what was done.
    assert booking["id"] == left["id"] and booking["status"] == "done"
    assert booking["kind"] == "appointment_handled"
    assert booking["kind_label"] == "Rendez-vous traité par l'assistant"
    assert booking["appointment_id"] == booked["id"]
    assert "laissée" not in booking["summary"] and "non abouti" not in booking["summary"]
    assert "Rendez-vous pris pendant l'appel" in booking["summary"]
    assert "au nom de Marie Dupont" in booking["summary"] and "DUPONT" in booking["summary"]
    still_open = c.http.get("/api/inbox", params={"status": "new", "limit": 500}).json()
    assert left["id"] not in {m["id"] for m in still_open}


def test_a_cancellation_set_aside_then_made_is_closed_as_done(chat: Any) -> None:
    booked = _book(chat(), "paul martin", "le 4 avril 1971")
    c = chat()
    assert c.say("je voudrais annuler mon rendez-vous")[-1] == "utter_ask_full_name"
    assert c.say("ah et puis je voudrais renouveler mon kardegic")[0] == "utter_understood_renewal"
    [left] = _by_request(c).values()
    assert left["details"]["set_aside"] is True
    c.identify("paul martin", "le 4 avril 1971")
    assert c.say("oui")[0] == "utter_renewal_noted"
    assert c.say("je voudrais annuler mon rendez-vous")[-1] == "utter_ask_appointment_confirmed"
    assert c.say("oui") == ["utter_cancelled", "utter_anything_else"]
    cancel = _by_request(c)["cancel"]
    assert cancel["id"] == left["id"] and cancel["status"] == "done"
    assert cancel["appointment_id"] == booked["id"]
    assert cancel["summary"].startswith("Rendez-vous annulé pendant l'appel — MARTIN Paul")


def test_a_failed_move_is_recorded_as_a_move(chat: Any) -> None:
    booking = chat()
    booked = _book(booking, "marc dubois", "le 9 septembre 1961")
    c = chat()
    assert c.say("je voudrais déplacer mon rendez-vous")[-1] == "utter_ask_full_name"
    assert c.say("marc dubois") == ["utter_ask_birth_date"]
    assert c.say("le 9 septembre 1961") == ["utter_ask_appointment_confirmed"]
    assert c.say("oui") == ["utter_ask_time_preference"]
    assert c.say("vendredi après-midi") == ["utter_ask_chosen_slot"]
    assert c.say("celui en rouge") == ["utter_which_slot", "utter_ask_chosen_slot"]
    assert c.say("celui en rouge")[:2] == ["utter_choice_not_understood", "utter_we_will_call_back"]
    [message] = c.messages()
    assert message["details"]["request"] == "move"
    assert "souhaitait déplacer un rendez-vous" in message["summary"]
    assert "prendre" not in message["summary"]
    assert message["appointment_id"] == booked["id"]  # the one to move, still in place


def test_a_hang_up_after_coming_back_to_a_request_updates_its_message(chat: Any) -> None:
    c = chat()
    assert c.say("je voudrais renouveler mon ordonnance")[-1] == "utter_ask_medicine"
    assert c.say("en fait je voudrais plutôt un rendez-vous")[0] == "utter_understood_booking"
    [left] = [m for m in c.messages() if m["kind"] == "renewal"]
    assert left["details"]["medicines"] is None
    assert c.say("et pour mon renouvellement d'ordonnance alors") == [
        "utter_understood_renewal", "utter_ask_medicine"
    ]
    assert c.say("le levothyrox 75") == ["utter_ask_full_name"]
    assert c.http.delete(f"/api/chat/{c.session_id}").status_code == 204
    kinds = _by_kind(c)
    renewal = kinds["renewal"]
    assert renewal["id"] == left["id"]  # the same message, saying what was understood last
    assert renewal["details"]["medicines"] == "Levothyrox 75"
    assert renewal["details"]["interrupted"] is True and "set_aside" not in renewal["details"]
    assert "Levothyrox 75" in renewal["summary"] and "appel interrompu" in renewal["summary"]
    assert "laissée pour une autre demande" in kinds["failed_booking"]["summary"]


def test_a_certificate_left_for_a_message_still_reaches_the_inbox(chat: Any) -> None:
    c = chat()
    assert c.say("je voudrais un certificat") == [
        "utter_understood_certificate", "utter_ask_certificate_kind"
    ]
    assert c.say("c'est pour le judo de mon fils") == ["utter_ask_full_name"]
    assert c.say("ah et puis je voudrais laisser un message pour le docteur") == [
        "utter_understood_message", "utter_ask_message_text"
    ]
    assert c.say("c'est au sujet de mes résultats de prise de sang") == ["utter_ask_full_name"]
    c.identify("paul martin", "le 3 mai 1960")
    assert c.say("oui")[0] == "utter_message_noted"
    kinds = _by_kind(c)
    assert kinds["certificate"]["details"]["certificate_kind"] == "sport"
    assert kinds["message"]["details"]["topic"] == "results"


def test_a_booking_left_for_a_cancellation_leaves_its_wish_and_its_slots(chat: Any) -> None:
    c = chat()
    assert c.say("je voudrais un rendez-vous pour une consultation") == [
        "utter_understood_booking", "utter_ask_practitioner"
    ]
    assert c.say("avec le docteur martin") == ["utter_ask_time_preference"]
    assert c.say("vendredi après-midi") == ["utter_ask_chosen_slot"]
    proposed = c.text()
    keys = c.say("non en fait je voudrais annuler mon rendez-vous")
    assert keys == ["utter_understood_cancel", "utter_ask_full_name"]
    [booking] = c.messages()
    assert booking["kind"] == "failed_booking" and booking["details"]["request"] == "book"
    wish = booking["details"]["wish"]
    assert "consultation" in wish and "Martin" in wish and "vendredi après-midi" in wish
    assert c.say("jean petit") == ["utter_ask_birth_date"]
    assert c.say("le 1 janvier 1970")[0] == "utter_no_appointment_found"
    requests = sorted(m["details"]["request"] for m in c.messages())
    assert requests == ["book", "cancel"]
    # The slots it held are free again: another caller is offered the same ones.
    other = chat()
    other.say("je voudrais un rendez-vous pour une consultation avec le docteur martin")
    assert other.say("vendredi après-midi") == ["utter_ask_chosen_slot"]
    assert other.text() == proposed


# The brief's phrasings, then others the give-up words were not written from.
GIVING_UP = [
    "laissez tomber je rappellerai",
    "c'est bon je rappellerai plus tard",
    "non merci ça ira",
    "bon ben tant pis au revoir",
    "ah ben laissez tomber alors",
    "bon ben on laisse tomber merci",
    "bon tant pis alors",
    "je vais rappeler plus tard merci madame",
    "non ça va aller merci",
    "tant pis je verrai ça plus tard",
]
# (opening, what the question was, what the inbox keeps of the request)
REQUESTS = [
    ("je voudrais renouveler mon kardegic", "utter_ask_full_name",
     ("renewal", "medicines", "Kardegic")),
    ("il me faudrait un certificat pour le foot", "utter_ask_full_name",
     ("certificate", "certificate_kind", "sport")),
    ("je voudrais un rendez-vous avec le docteur martin", "utter_ask_appointment_type",
     ("failed_booking", "wish", "Docteure Claire Martin")),
]


@pytest.mark.parametrize("said", GIVING_UP)
def test_giving_up_mid_request_ends_politely_and_keeps_the_request(chat: Any, said: str) -> None:
    opening, question, (kind, field, value) = REQUESTS[GIVING_UP.index(said) % len(REQUESTS)]
    c = chat()
    assert c.say(opening)[-1] == question
    assert c.say(said) == ["utter_given_up_goodbye"]
    assert c.last["ended"] is True
    [message] = c.messages()
    assert message["kind"] == kind and message["details"]["interrupted"] is True
    assert value in str(message["details"][field])
    assert message["last_name"] is None  # the words were taken as no name


def test_words_that_only_sound_like_giving_up_still_answer(chat: Any) -> None:
    c = chat()
    c.say("je voudrais une consultation avec le docteur martin jeudi matin")
    assert c.last["replies"][-1]["key"] == "utter_ask_chosen_slot"
    assert c.say("le premier ça ira") == ["utter_ask_full_name"]
    message = chat()
    message.say("je voudrais laisser un message")
    assert message.say("dites au docteur que je rappellerai demain") == ["utter_ask_full_name"]
    assert message.last["ended"] is False


MEDICAL = [
    ("je voudrais un rendez-vous", "est-ce que c'est grave si j'oublie ma pilule un jour ?",
     "utter_ask_appointment_type", "une consultation", "utter_ask_practitioner"),
    ("je voudrais renouveler mon doliprane", "est-ce que je peux prendre de l'ibuprofène en "
     "même temps ?", "utter_ask_full_name", "marc dubois", "utter_ask_birth_date"),
    ("je voudrais annuler mon rendez-vous", "c'est normal d'avoir encore mal au bras après le "
     "vaccin ?", "utter_ask_full_name", "marc dubois", "utter_ask_birth_date"),
    ("je voudrais un certificat pour le sport", "et c'est grave si je tousse depuis une "
     "semaine ?", "utter_ask_full_name", "marc dubois", "utter_ask_birth_date"),
    ("j'ai besoin d'un arrêt de travail", "est-ce que je peux aller travailler avec de la "
     "fièvre ?",
     "utter_ask_full_name", "marc dubois", "utter_ask_birth_date"),
]


@pytest.mark.parametrize(("opening", "question", "asked", "answer", "next_question"), MEDICAL)
def test_a_medical_question_mid_request_gets_no_advice_and_the_request_goes_on(
    chat: Any, opening: str, question: str, asked: str, answer: str, next_question: str
) -> None:
    c = chat()
    assert c.say(opening)[-1] == asked
    assert c.say(question) == ["utter_no_medical_advice", asked]
    assert "15" in c.text()
    assert c.say(answer) == [next_question]
    assert c.messages() == []


@pytest.mark.parametrize(
    "answer",
    [
        "est-ce que c'est grave si j'ai de la fièvre depuis deux jours ?",
        "c'est pour mon fils il a mal aux oreilles",
        "je sais pas moi une consultation normale quoi",
    ],
)
def test_an_ailment_said_to_the_type_question_is_a_consultation(chat: Any, answer: str) -> None:
    c = chat()
    assert c.say("je voudrais un rendez-vous")[-1] == "utter_ask_appointment_type"
    keys = c.say(answer)
    # A medical question still hears that no advice is given (and the 15), then the request
    # goes on with a consultation: the type is not asked again.
    assert keys[-1] == "utter_ask_practitioner"
    assert set(keys[:-1]) <= {"utter_no_medical_advice"}
    assert c.say("peu importe") == ["utter_ask_time_preference"]


@pytest.mark.parametrize("answer", ["peu importe", "n'importe lequel", "je ne sais pas"])
def test_whichever_type_is_a_consultation(chat: Any, answer: str) -> None:
    c = chat()
    c.say("je voudrais un rendez-vous")
    assert c.say(answer) == ["utter_ask_practitioner"]
    assert c.say("le premier disponible") == ["utter_ask_time_preference"]
    assert c.say("jeudi matin") == ["utter_ask_chosen_slot"]
    assert c.say("le premier") == ["utter_ask_full_name"]
    c.identify("marie dupont", "le 12 mars 1954")
    assert c.say("oui") == ["utter_ask_booking_confirmed"]
    assert c.say("oui") == ["utter_booked", "utter_anything_else"]
    [booked] = c.appointments()
    assert booked["appointment_type_id"] == "consultation"


@pytest.mark.parametrize(
    ("opening", "change", "understood", "purpose"),
    [
        ("je voudrais annuler mon rendez-vous", "non pardon je voudrais plutôt le déplacer",
         "utter_understood_move", "déplacer"),
        ("il faut que je déplace mon rendez-vous", "ah non finalement je préfère l'annuler",
         "utter_understood_cancel", "annuler"),
    ],
)
def test_cancelling_instead_of_moving_is_heard_not_taken_as_a_name(
    chat: Any, opening: str, change: str, understood: str, purpose: str
) -> None:
    c = chat()
    assert c.say(opening)[-1] == "utter_ask_full_name"
    assert c.say(change) == [understood, "utter_ask_full_name"]
    assert c.say("jean petit") == ["utter_ask_birth_date"]
    assert c.say("le 1 janvier 1970")[0] == "utter_no_appointment_found"
    [message] = c.messages()
    assert str(message["last_name"]).lower() == "petit"
    assert f"souhaitait {purpose} un rendez-vous" in message["summary"]


def test_leaving_a_request_for_another_is_no_giving_up(chat: Any) -> None:
    c = chat()
    assert c.say("je voudrais un rendez-vous")[-1] == "utter_ask_appointment_type"
    keys = c.say("bon laissez tomber le rendez-vous, c'est pour une ordonnance en fait")
    assert keys[0] == "utter_understood_renewal" and c.last["ended"] is False
