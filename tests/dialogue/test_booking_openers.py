"""The first reply to a booking that makes up for a missed appointment, or that asks about
coming without one. Fast: no Rasa (the conversations are in test_conversations.py)."""

from __future__ import annotations

import pytest

from core import PROJECT_ROOT, PracticeConfig, load_practice
from dialogue import catalogue
from dialogue.actions.booking_opening import opener
from dialogue.french.booking_openers import missed_appointment, walk_in_question


@pytest.mark.parametrize(
    "said",
    [
        "j'ai raté mon rendez-vous de ce matin je suis désolée",
        "euh j'ai complètement oublié mon rendez-vous hier",
        "mon rendez-vous de lundi je l'ai raté",
        "je n'ai pas pu venir à mon rendez-vous",
        "oups j'ai loupé le rendez-vous avec le docteur",
    ],
)
def test_a_missed_appointment(said: str) -> None:
    assert missed_appointment(said) and not walk_in_question(said)


@pytest.mark.parametrize(
    "said",
    [
        "est-ce que je peux venir sans rendez-vous",
        "vous faites des consultations libres",
        "c'est possible de passer directement ce matin",
    ],
)
def test_a_walk_in_question(said: str) -> None:
    assert walk_in_question(said) and not missed_appointment(said)


@pytest.mark.parametrize(
    "said",
    ["je voudrais un rendez-vous", "j'ai un rendez-vous demain je voudrais le déplacer",
     "je voudrais rater le moins de travail possible pour un rendez-vous"],
)
def test_a_plain_booking_is_neither(said: str) -> None:
    assert not missed_appointment(said) and not walk_in_question(said)


def test_walk_in_hours_are_the_practices_own() -> None:
    practice = load_practice(PROJECT_ROOT / "config" / "practice.yaml")
    asked = "je peux venir sans rendez-vous"

    def walking_in(words: str) -> PracticeConfig:
        info = practice.practice.model_copy(update={"walk_in": words})
        return practice.model_copy(update={"practice": info})

    assert opener(asked, walking_in("")) == {"response": "utter_walk_in_none"}
    said = opener(asked, walking_in("le samedi de 9 heures à 11 heures"))
    assert said["response"] == "utter_walk_in_hours"
    text = catalogue.response(said["response"], walk_in=said["walk_in"], understood_details="")
    assert text.text.startswith("Le cabinet reçoit sans rendez-vous le samedi de 9 heures à 11")
