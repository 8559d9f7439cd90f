"""`answers_question`: the words so far already answer the question (a short silence ends the
turn), or may still grow (the longer window). When in doubt: not yet."""

from __future__ import annotations

import datetime as dt

import pytest

from dialogue import Expecting, answers_question

TODAY = dt.date.today()


@pytest.mark.parametrize(
    "text",
    [
        "oui",
        "Oui.",
        "ouais",
        "euh oui",
        "oui oui",
        "d'accord",
        "tout à fait",
        "bien sûr",
        "non",
        "non merci",
        "non non",
        "pas du tout",
        "euh non",
        "ça me va",
    ],
)
def test_a_plain_yes_or_no_answers_a_confirmation(text: str) -> None:
    assert answers_question(Expecting.CONFIRMATION, text, TODAY)


@pytest.mark.parametrize(
    "text", ["", "euh", "oui mais", "oui mais j'ai une question", "je sais pas", "oui non"]
)
def test_a_hesitation_or_a_sentence_going_on_does_not(text: str) -> None:
    assert not answers_question(Expecting.CONFIRMATION, text, TODAY)


@pytest.mark.parametrize(
    "text",
    [
        "12 mars 1954",
        "douze mars mille neuf cent cinquante quatre",
        "12/03/1954",
        "premier avril deux mille deux",
        "douze mars mille neuf cent soixante dix huit",
        "le vingt trois juin mille neuf cent quatre vingt sept",
    ],
)
def test_a_whole_date_of_birth_answers(text: str) -> None:
    assert answers_question(Expecting.DATE_OF_BIRTH, text, TODAY)


@pytest.mark.parametrize(
    "text",
    [
        "douze mars",
        "le douze",
        "douze mars mille neuf cent",
        "premier avril deux mille",
        "douze mars mille neuf cent soixante",
        "douze mars mille neuf cent quatre vingt",
        "trois janvier dix neuf",
    ],
)
def test_a_date_that_may_still_grow_does_not(text: str) -> None:
    assert not answers_question(Expecting.DATE_OF_BIRTH, text, TODAY)


@pytest.mark.parametrize(
    "text",
    [
        "06 12 34 56 78",
        "0612345678",
        "zéro six douze trente quatre cinquante six soixante dix huit",
        "zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit",
    ],
)
def test_a_whole_phone_number_answers(text: str) -> None:
    assert answers_question(Expecting.PHONE_NUMBER, text, TODAY)


@pytest.mark.parametrize(
    "text",
    [
        "zéro six douze",
        "06 12 34 56 70",
        "zéro six douze trente quatre cinquante six soixante dix",
        "zéro six douze trente",
    ],
)
def test_a_number_still_being_dictated_does_not(text: str) -> None:
    assert not answers_question(Expecting.PHONE_NUMBER, text, TODAY)


@pytest.mark.parametrize("text", ["jean dupont", "je m'appelle jean dupont", "jean pierre dupont"])
def test_a_first_and_last_name_answer(text: str) -> None:
    assert answers_question(Expecting.NAME, text, TODAY)


@pytest.mark.parametrize("text", ["jean", "dupont", "jean pierre", "je m'appelle"])
def test_a_name_that_may_go_on_does_not(text: str) -> None:
    assert not answers_question(Expecting.NAME, text, TODAY)


@pytest.mark.parametrize(
    "text",
    [
        "le premier",
        "la deuxième",
        "le 2e",
        "le dernier",
        "plutôt le troisième",
        "je prends le second",
        "euh le premier",
        "le premier s'il vous plaît",
        "aucun",
        "aucun ne me convient",
        "n'importe lequel",
        "peu importe",
    ],
)
def test_a_choice_among_the_proposals_answers(text: str) -> None:
    assert answers_question(Expecting.CHOICE, text, TODAY)


@pytest.mark.parametrize(
    "text", ["le premier ou", "celui de mardi", "le", "le premier mais plutôt l'après-midi"]
)
def test_a_choice_still_being_made_does_not(text: str) -> None:
    assert not answers_question(Expecting.CHOICE, text, TODAY)


@pytest.mark.parametrize("expecting", [Expecting.ANYTHING, Expecting.MESSAGE])
def test_an_open_question_or_a_message_is_never_answered_early(expecting: Expecting) -> None:
    assert not answers_question(expecting, "oui", TODAY)
    assert not answers_question(expecting, "jean dupont", TODAY)


def test_the_same_words_answer_one_question_and_not_another() -> None:
    assert answers_question(Expecting.CONFIRMATION, "oui", TODAY)
    assert not answers_question(Expecting.PHONE_NUMBER, "oui", TODAY)
    assert not answers_question(Expecting.DATE_OF_BIRTH, "le premier", TODAY)
    assert answers_question(Expecting.CHOICE, "le premier", TODAY)
