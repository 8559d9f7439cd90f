"""What callers name, read against the catalogue: types (with aliases), practitioners, anyone."""

from __future__ import annotations

import pytest

import agenda
from agenda.matching import ANY_PRACTITIONER_WORDS, TYPE_ALIASES
from core import PracticeConfig
from tests.agenda.support import PRACTICE, make_practice
from tests.clock import practice as shipped_practice

ALIASED_TYPES = [
    {"id": "vaccination", "label": "vaccination", "duration_minutes": 15,
     "practitioners": ["alpha", "beta"]},
    {"id": "grossesse", "label": "suivi de grossesse", "duration_minutes": 30,
     "practitioners": ["alpha"]},
    {"id": "premiere", "label": "première consultation", "duration_minutes": 30,
     "practitioners": ["alpha", "beta"]},
]


@pytest.fixture
def catalogue() -> PracticeConfig:
    """The test practice with the types the aliases stand for."""
    return make_practice(appointment_types=PRACTICE["appointment_types"] + ALIASED_TYPES)


@pytest.mark.parametrize(
    ("said", "type_id"),
    [
        ("une consultation", "consultation"),
        ("une consultation longue s'il vous plaît", "longue"),  # the longest label wins
        ("pour un bilan", "bilan"),
        ("pour le vaccin de la grippe", "vaccination"),
        ("la grippe", "vaccination"),
        ("je suis enceinte", "grossesse"),
        ("le suivi de ma grossesse", "grossesse"),
        ("c'est pour une 1ère consultation", "premiere"),
        ("c'est la première fois", "premiere"),
        ("je suis un nouveau patient", "premiere"),
        ("je ne suis jamais venu", "premiere"),
        ("je cherche un médecin traitant", "premiere"),
        ("pour ma fille elle tousse depuis trois jours", "consultation"),
        ("j'ai de la fièvre depuis hier", "consultation"),
        ("il a mal au ventre", "consultation"),
        ("j'ai la grippe", "consultation"),
        ("c'est pour un frottis", "consultation"),
        ("il est normal au final", None),  # "mal a" inside another word is no ailment
        ("une PREMIÈRE CONSULTATION", "premiere"),
        ("une petite chirurgie", None),  # not bookable by phone
        ("je ne sais pas", None),
    ],
)
def test_types_are_matched_by_label_or_alias(
    catalogue: PracticeConfig, said: str, type_id: str | None
) -> None:
    assert agenda.match_type(said, catalogue) == type_id


def test_every_alias_stands_for_a_type_of_the_shipped_practice() -> None:
    shipped = shipped_practice()
    for alias, label in TYPE_ALIASES.items():
        type_id = agenda.match_type(alias, shipped)
        assert type_id is not None, alias
        assert agenda.match_type(label, shipped) == type_id, alias


def test_types_and_practitioners_of_the_shipped_practice() -> None:
    practice = shipped_practice()
    assert agenda.match_type("une consultation avec le docteur martin", practice) == "consultation"
    first = agenda.match_type("c'est pour une 1ère consultation", practice)
    assert first == "premiere-consultation"
    assert agenda.match_type("pour le vaccin de la grippe", practice) == "vaccination"
    assert agenda.match_type("pour une petite chirurgie", practice) is None  # not by phone
    both = ["martin", "durand"]
    assert agenda.match_practitioner("avec le docteur durant", practice, both) == "durand"
    assert agenda.match_practitioner("peu importe", practice, both) == agenda.ANY_PRACTITIONER
    assert agenda.match_practitioner("le plus vite", practice, both) is None
    # Close to a surname, but ordinary French: the morning, "during".
    for words in ("vous êtes ouverts le samedi matin ?", "un rendez-vous jeudi matin",
                  "durant les vacances", "le matin"):
        assert agenda.match_practitioner(words, practice, both) is None, words
    assert agenda.match_practitioner("avec martine", practice, both) == "martin"
    assert agenda.match_practitioner("durand jeudi", practice, both) == "durand"


@pytest.mark.parametrize(
    ("said", "allowed", "who"),
    [
        ("avec le docteur beta", ["alpha", "beta"], "beta"),
        ("docteur betta", ["alpha", "beta"], "beta"),  # close enough
        ("docteure ALPHA", ["alpha", "beta"], "alpha"),
        ("avec le docteur beta", ["alpha"], None),  # he does not give that type
        ("docteur gamma", ["alpha", "beta"], None),
        ("n'importe lequel", ["alpha", "beta"], agenda.ANY_PRACTITIONER),
        ("le premier disponible", ["alpha", "beta"], agenda.ANY_PRACTITIONER),
        ("ça m'est égal", ["alpha", "beta"], agenda.ANY_PRACTITIONER),
        ("pas de préférence", ["alpha", "beta"], agenda.ANY_PRACTITIONER),
        ("", ["alpha", "beta"], None),
        ("betta", ["alpha", "beta"], "beta"),  # the answer to "avec qui ?"
        ("je prends avec betta jeudi", ["alpha", "beta"], "beta"),
        # Near a surname but words of their own: "jeudi matin" is not Docteure Martin.
        ("c'est pour jeudi betta", ["alpha", "beta"], None),
    ],
)
def test_practitioners_are_matched_by_surname_or_anyone(
    catalogue: PracticeConfig, said: str, allowed: list[str], who: str | None
) -> None:
    assert agenda.match_practitioner(said, catalogue, allowed) == who


def test_the_words_callers_use_are_written_folded() -> None:
    for word in (*ANY_PRACTITIONER_WORDS, *TYPE_ALIASES, *TYPE_ALIASES.values()):
        assert word == word.lower() and word.isascii(), word


def test_catalogue_lookups(catalogue: PracticeConfig) -> None:
    assert agenda.practitioners_for(catalogue, "consultation") == ["alpha", "beta"]
    assert agenda.practitioners_for(catalogue, "bilan") == ["beta"]
    assert agenda.practitioners_for(catalogue, "unknown") == []
    assert agenda.type_label(catalogue, "premiere") == "première consultation"
    assert agenda.type_label(catalogue, "unknown") == "unknown"
    assert agenda.practitioner_name(catalogue, "beta") == "Docteur Beta"
    assert agenda.practitioner_name(catalogue, "unknown") == ""
