"""Full names split into first and last names, names said unasked, known callers matched, and
"pardon ?" / "plus lentement" told from answers. Fast: no Rasa."""

from __future__ import annotations

from typing import Any

import pytest

from dialogue.actions import callers
from dialogue.french.asking_again import AskedAgain, asked_again
from dialogue.french.names import FullName, names_said, split_full_name


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("marie dupont", FullName("marie", "dupont")),
        ("dupont marie", FullName("marie", "dupont")),
        ("c'est madame marie dupont", FullName("marie", "dupont")),
        ("jean pierre le goff", FullName("jean pierre", "le goff")),
        ("hélène d u p r é", FullName("hélène", "dupré")),
        ("zorg bidule", FullName("zorg", "bidule", unsure=True)),
        ("marie", FullName(first="marie")),
        ("lefèvre", FullName(last="lefèvre")),
        ("jean-pierre lemoine", FullName("jean-pierre", "lemoine")),
        ("d'accord c'est marc dubois", FullName("marc", "dubois")),
        ("ok très bien léa roux", FullName("léa", "roux")),
        # A surname that is a first name too, said first as on forms; either order reads right.
        ("martin sophie", FullName("sophie", "martin")),
        ("sophie martin", FullName("sophie", "martin")),
        ("bernard marie-claire", FullName("marie-claire", "bernard")),
        # Both could be either: the spoken order.
        ("thomas bernard", FullName("thomas", "bernard")),
    ],
)
def test_a_full_name_is_split(said: str, expected: FullName) -> None:
    assert split_full_name(said) == expected


@pytest.mark.parametrize("said", [
    "oui", "celui de vendredi", "le 3 mai 1951", "",
    # Who the request is for, said to "quel est votre nom ?": asked again, never a name.
    "pour moi", "c'est pour moi", "moi", "moi-même", "c'est pour mon fils", "pour ma fille",
])
def test_answers_that_are_no_names(said: str) -> None:
    assert split_full_name(said) is None


def test_a_name_said_unasked_needs_a_first_name() -> None:
    said = names_said("bonjour je suis marie dupont je voudrais un rendez-vous")
    assert said == FullName("marie", "dupont")
    assert names_said("je suis malade depuis hier") is None
    assert names_said("c'est pour mon fils") is None


FAMILY: list[dict[str, Any]] = [
    {"id": 1, "first_name": "Marie", "last_name": "Dupont", "birth_date": "1954-03-12",
     "practitioner": "martin"},
    {"id": 2, "first_name": "Lucas", "last_name": "Dupont", "birth_date": "2015-06-01",
     "practitioner": None},
]


def test_a_family_member_is_found_by_first_or_full_name() -> None:
    assert callers.matching(FAMILY, "c'est pour lucas")["id"] == 2  # type: ignore[index]
    assert callers.matching(FAMILY, "marie dupont")["id"] == 1  # type: ignore[index]
    assert callers.matching(FAMILY, "oui") is None
    assert callers.matching(FAMILY, "dupont") is None  # both are
    assert callers.confirmed(FAMILY[0])["patient_id"] == 1.0


@pytest.mark.parametrize(
    ("said", "again"),
    [
        ("pardon ?", AskedAgain.REPEAT),
        ("comment", AskedAgain.REPEAT),
        ("vous pouvez répéter s'il vous plaît", AskedAgain.REPEAT),
        ("excusez-moi je n'ai pas compris", AskedAgain.REPEAT),
        ("plus lentement s'il vous plaît", AskedAgain.SLOWER),
        ("parlez plus fort je vous entends mal", AskedAgain.SLOWER),
        ("oui", None),
        ("non", None),
        ("je voudrais un rendez-vous", None),
        ("je voudrais répéter la prise de sang de mon fils la semaine prochaine", None),
        ("attendez je regarde mon agenda", AskedAgain.HOLD),
        ("oui une petite seconde", AskedAgain.HOLD),
        ("un instant s'il vous plaît je cherche ma carte vitale", AskedAgain.HOLD),
        ("attendez je ne me rappelle plus", AskedAgain.HOLD),
        ("ne quittez pas", AskedAgain.HOLD),
        # With an answer or a correction, it is no longer a wait.
        ("attendez le deuxième", None),
        ("attendez non c'est mardi", None),
        ("attendez c'est le 12 mars", None),
        ("je cherche un rendez-vous pour mon fils", None),
        ("dans un moment", None),
    ],
)
def test_asking_for_the_question_again(said: str, again: AskedAgain | None) -> None:
    assert asked_again(said) is again
