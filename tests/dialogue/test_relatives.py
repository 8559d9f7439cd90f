"""Who a request is for when it is not the caller, and a caller declining to give a name
(`dialogue.french.names.refuses_name`): the French read from the caller's words. Fast: no Rasa."""

from __future__ import annotations

import pytest

from dialogue.french.names import refuses_name
from dialogue.french.relatives import (
    Patient,
    for_the_caller,
    patient_named_by_role,
    patient_said,
    without_patient_words,
)


@pytest.mark.parametrize(
    ("said", "relation"),
    [
        ("je voudrais un rendez-vous pour ma fille", "fille"),
        ("c'est pour mon fils", "fils"),
        ("bonjour euh c'est mon mari qui a besoin d'une ordonnance", "mari"),
        ("ma mère voudrait renouveler son traitement", "mère"),
        ("un certificat pour ma grand mère", "grand-mère"),
        ("notre bébé a besoin d'un vaccin", "bébé"),
        ("une consultation pour ma sœur", "sœur"),
        ("je suis la maman de lucas", "enfant"),
        ("je suis sa fille", "parent"),
        ("il faudrait renouveler l'ordonnance de ma mère", "mère"),
        ("le rendez-vous de mon fils je voudrais le déplacer", "fils"),
        ("j'appelle de la part de ma mère", "mère"),
        ("mon fils s'est fait mal au genou au foot", "fils"),
        ("ma fille a une otite", "fille"),
    ],
)
def test_a_relative_named_as_the_patient(said: str, relation: str) -> None:
    assert patient_said(said) == Patient(relation=relation)


@pytest.mark.parametrize(
    "said",
    [
        "non c'est pour quelqu'un d'autre",
        "c'est pour une autre personne",
        "non non c'est pas pour moi",
        "je suis l'aide à domicile de madame lefèvre elle a besoin de son ordonnance",
    ],
)
def test_someone_else_without_a_relation(said: str) -> None:
    assert patient_said(said) == Patient(relation=None)


@pytest.mark.parametrize(
    "said",
    [
        "je voudrais un rendez-vous",
        "ma fille m'a dit d'appeler pour prendre rendez-vous",
        "ma femme m'a dit de prendre rendez-vous",
        "c'est pour moi",
        "mon médecin c'est le docteur martin",
        "c'est pour mon petit problème de dos",
        "marie dupont",
    ],
)
def test_the_caller_own_request_names_no_one_else(said: str) -> None:
    assert patient_said(said) is None


@pytest.mark.parametrize(
    ("said", "mine"),
    [
        ("non c'est pour moi", True),
        ("ah non pardon c'est pour moi-même", True),
        ("c'est pas pour moi", False),
        ("pour moi et ma fille", False),
        ("c'est pour ma fille", False),
    ],
)
def test_the_request_said_to_be_the_callers_own_after_all(said: str, mine: bool) -> None:
    assert for_the_caller(said) is mine


@pytest.mark.parametrize(
    ("said", "left"),
    [
        ("c'est pour ma fille elle s'appelle léa martin", "léa martin"),
        ("pour mon fils, lucas bernard", "lucas bernard"),
        ("je suis la maman de lucas bernard", "lucas bernard"),
        ("c'est pour ma fille", ""),
    ],
)
def test_the_name_is_kept_apart_from_who_it_is(said: str, left: str) -> None:
    assert without_patient_words(said) == left


@pytest.mark.parametrize(
    "said",
    [
        "je préfère ne pas donner mon nom",
        "je ne veux pas vous dire mon nom",
        "j'ai pas envie de le donner",
        "pourquoi vous voulez mon nom",
        "c'est obligatoire",
        "je préfère rester anonyme",
        "non je le dis pas",
    ],
)
def test_a_name_declined(said: str) -> None:
    assert refuses_name(said)


@pytest.mark.parametrize(
    "said",
    ["jean dupont", "martin", "pas de problème c'est dupont", "je vous le donne c'est léa martin"],
)
def test_a_name_given_is_no_refusal(said: str) -> None:
    assert not refuses_name(said)


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("bonjour je suis la maman de lucas bernard il lui faudrait un rendez-vous",
         "lucas bernard"),
        ("je suis le papa de hugo", "hugo"),
        ("je suis sa fille", None),
        ("je voudrais un rendez-vous", None),
    ],
)
def test_the_patients_name_said_with_the_callers_role(said: str, name: str | None) -> None:
    assert patient_named_by_role(said) == name
