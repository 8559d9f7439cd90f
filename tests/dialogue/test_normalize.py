"""Normalisation of recognizer text, and phone numbers dictated in French."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import display_phone
from dialogue.french.normalize import fold_accents, is_filler, normalize_transcript
from dialogue.french.phone_numbers import parse_french_phone


@pytest.mark.parametrize(
    ("spoken", "expected"),
    [
        # numbers, dates and years
        ("le douze mars mille neuf cent cinquante quatre", "le 12 mars 1954"),
        ("deux mille vingt six", "2026"),
        ("deux mille vingt-six", "2026"),
        ("mille neuf cent quatre-vingt-dix-neuf", "1999"),
        ("dix neuf cent cinquante quatre", "1954"),
        ("douze trois cinquante quatre", "12 3 54"),
        # text2num alone gives "12 3954" / "12 03954" / "12 2954" for these
        ("douze trois mille neuf cent cinquante quatre", "12 3 1954"),
        ("douze zéro trois mille neuf cent cinquante quatre", "12 03 1954"),
        ("douze deux mille neuf cent cinquante quatre", "12 2 1954"),
        ("le premier avril mille neuf cent quatre vingt", "le 1er avril 1980"),
        ("le deux mars", "le 2 mars"),
        ("le deuxième", "le 2ème"),
        ("le deuxieme", "le 2ème"),
        ("vingt et un", "21"),
        ("trente et une", "31"),
        ("cent un", "101"),
        ("dans quinze jours", "dans 15 jours"),
        ("mon fils a deux ans", "mon fils a 2 ans"),
        # articles stay words
        ("je voudrais un rendez-vous", "je voudrais un rendez-vous"),
        ("un rendez vous pour une consultation", "un rendez-vous pour une consultation"),
        ("j'ai un mal de dos depuis une semaine", "j'ai un mal de dos depuis une semaine"),
        ("dans une heure", "dans une heure"),
        ("une demi heure", "une demi heure"),
        ("un deux trois", "1 2 3"),
        ("zéro un deux", "01 2"),
        # clock times
        ("jeudi prochain vers dix heures et demie", "jeudi prochain vers 10 heures 30"),
        ("à dix heures et quart", "à 10 heures 15"),
        ("onze heures moins le quart", "10 heures 45"),
        ("dix heures moins dix", "9 heures 50"),
        ("à une heure et demie", "à 1 heure 30"),
        ("midi et demi", "12 heures 30"),
        ("quinze heures trente", "15 heures 30"),
        ("à 14h", "à 14 heures"),
        ("RDV à 10h30 ?", "rdv à 10 heures 30"),
        ("vers 9:45", "vers 9 heures 45"),
        # fillers, case, punctuation, spacing
        ("Euh, ben... le MARDI  hum matin", "le mardi matin"),
        ("hein c'est possible hein", "c'est possible"),
        ("bah euuh heu mmh", ""),
        ("l’après midi", "l'après-midi"),
        ("Le 12/03/1954.", "le 12 03 1954"),
        ("12-03-1954", "12 03 1954"),
        ("-- oui -", "oui"),
        ("+33 6 12 34 56 78", "+33 6 12 34 56 78"),
        # spelled names and "eu" survive
        ("d u p o n t", "d u p o n t"),
        ("j'ai eu un rendez-vous", "j'ai eu un rendez-vous"),
        ("zero six douze", "06 12"),
    ],
)
def test_normalize_transcript(spoken: str, expected: str) -> None:
    assert normalize_transcript(spoken) == expected


@pytest.mark.parametrize(
    "text",
    ["le 12 mars 1954", "jeudi prochain vers 10 heures 30", "un 12 neuf", "deux h", "un un"],
)
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize_transcript(text)
    assert normalize_transcript(once) == once


@pytest.mark.parametrize(
    ("word", "filler"),
    [
        ("euh", True),
        ("heu", True),
        ("euuuh", True),
        ("hum", True),
        ("hmm", True),
        ("ben", True),
        ("bah", True),
        ("eu", False),
        ("m", False),
        ("bon", False),
        ("oui", False),
    ],
)
def test_is_filler(word: str, filler: bool) -> None:
    assert is_filler(word) is filler


def test_fold_accents() -> None:
    assert fold_accents("Après-midi, œdème, Noël, ça") == "Apres-midi, oedeme, Noel, ca"


@pytest.mark.parametrize(
    ("spoken", "expected"),
    [
        ("zéro six douze trente quatre cinquante six soixante dix huit", "+33612345678"),
        ("zero six douze trente quatre cinquante six soixante-dix-huit", "+33612345678"),
        ("06 12 34 56 78", "+33612345678"),
        ("0612345678", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("06-12-34-56-78", "+33612345678"),
        ("zéro six un deux trois quatre cinq six sept huit", "+33612345678"),
        ("euh c'est le zéro un quarante cinq soixante sept quatre vingt neuf dix", "+33145678910"),
        (
            "plus trente trois six douze trente quatre cinquante six soixante dix huit",
            "+33612345678",
        ),
        (
            "double zéro trente trois six douze trente quatre cinquante six soixante dix huit",
            "+33612345678",
        ),
        ("six douze trente quatre cinquante six soixante dix huit", "+33612345678"),
        ("zéro six zéro zéro un deux trois quatre cinq six", "+33600123456"),
        ("+33612345678", "+33612345678"),
        ("+44 20 7946 0958", "+442079460958"),
        ("mon numéro c'est le 06 12 34 56 78 merci", "+33612345678"),
    ],
)
def test_parse_french_phone(spoken: str, expected: str) -> None:
    assert parse_french_phone(spoken) == expected


@pytest.mark.parametrize(
    "spoken",
    ["zéro six douze", "bonjour", "06 12 34 56 7", "00 00 00 00 00", "", "le 12 mars 1954"],
)
def test_parse_french_phone_rejects(spoken: str) -> None:
    assert parse_french_phone(spoken) is None


@pytest.mark.parametrize(
    ("e164", "read_back"),
    [
        ("+33612345678", "06 12 34 56 78"),
        ("+442079460958", "+44 20 7946 0958"),
        ("n'importe quoi", "n'importe quoi"),
    ],
)
def test_phone_numbers_read_back_as_in_france(e164: str, read_back: str) -> None:
    assert display_phone(e164) == read_back


_VOCABULARY = [
    "un",
    "une",
    "deux",
    "trois",
    "mille",
    "neuf",
    "cent",
    "cinquante",
    "quatre",
    "vingt",
    "et",
    "demie",
    "quart",
    "moins",
    "le",
    "heures",
    "heure",
    "h",
    "à",
    "vers",
    "zéro",
    "zero",
    "euh",
    "ben",
    "10h30",
    "12",
    "03",
    "1954",
    "midi",
    "dix",
    "onze",
    "rendez",
    "vous",
    "après",
    "premier",
    "deuxieme",
    "seconde",
    "-",
    "'",
    "l'un",
    "soixante",
    "dix-huit",
    "+33",
    "douze",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_VOCABULARY), max_size=12))
def test_normalize_is_idempotent_on_number_talk(words: list[str]) -> None:
    once = normalize_transcript(" ".join(words))
    assert normalize_transcript(once) == once
    assert "  " not in once and once == once.strip()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_normalize_and_phone_never_crash(text: str) -> None:
    normalized = normalize_transcript(text)
    assert normalized == normalized.strip()
    phone = parse_french_phone(text)
    assert phone is None or phone.startswith("+")
