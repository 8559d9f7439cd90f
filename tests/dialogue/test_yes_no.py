"""`parse_yes_no`: a plain French yes or no, and nothing else, without the NLU."""

from __future__ import annotations

import pytest

from dialogue import is_small_talk, parse_yes_no


@pytest.mark.parametrize(
    "text",
    ["oui", "Oui, bien sûr !", "euh oui", "ouais", "OK", "d'accord", "bon ben d'accord",
     "oui oui", "oui madame", "tout à fait", "pas de problème", "j'accepte", "oui merci",
     "oui vous pouvez", "ça me va", "oui très bien", "c'est parfait", "oui c'est ça",
     "exactement", "ça marche"],
)
def test_a_plain_yes(text: str) -> None:
    assert parse_yes_no(text) is True


@pytest.mark.parametrize(
    "text",
    ["non", "Non.", "euh non", "non merci", "non non", "je refuse", "je ne veux pas",
     "non je ne veux pas", "j'accepte pas", "pas d'accord", "surtout pas", "non je préfère pas",
     "ah non merci"],
)
def test_a_plain_no(text: str) -> None:
    assert parse_yes_no(text) is False


@pytest.mark.parametrize(
    "text",
    ["", "   ", "merci", "oui non", "non pas de problème", "oui mais j'ai une question",
     "je voudrais un rendez-vous", "mon mari ne respire plus", "ouiii", "un", "ça va",
     "allô oui", "Allô, oui ?", "bonjour"],
)
def test_anything_else_is_no_answer(text: str) -> None:
    assert parse_yes_no(text) is None


@pytest.mark.parametrize(
    ("text", "small_talk"),
    [("allô ?", True), ("allô oui", True), ("bonjour madame", True), ("oui merci", True),
     ("", False), ("allô je voudrais un rendez-vous", False), ("mon mari ne respire plus", False)],
)
def test_small_talk_is_told_from_a_request(text: str, small_talk: bool) -> None:
    assert is_small_talk(text) is small_talk
