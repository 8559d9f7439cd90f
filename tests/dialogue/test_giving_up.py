"""`gives_up`: the word families of a caller leaving a request, and what only sounds like it."""

from __future__ import annotations

import pytest

from dialogue.french.giving_up import gives_up


@pytest.mark.parametrize(
    "said",
    [
        "Laissez tomber, je rappellerai.",
        "c'est bon je rappellerai plus tard",
        "non merci ça ira",
        "bon ben tant pis au revoir",
        "laisse tomber",
        "on laisse tomber",
        "bon tant pis merci quand même",
        "non c'est pas la peine",
        "je retéléphonerai demain",
        "je vais vous rappeler",
        "j'abandonne",
        "on verra ça plus tard",
        "d'accord tant pis je rappellerai",
        "euh non merci ça va aller",
    ],
)
def test_leaving_words(said: str) -> None:
    assert gives_up(said)


@pytest.mark.parametrize(
    "said",
    [
        "oui ça ira",
        "le premier ça ira",
        "c'est bon",
        "non",
        "marie dupont",
        "tant pis si ce n'est pas le docteur martin",
        "tant pis pour jeudi mettez vendredi",
        "je vous rappelle que je suis déjà venu",
        "plus tard dans la semaine",
        "pas la peine de me rappeler sur ce numéro",
        "bon laissez tomber le rendez-vous, c'est pour une ordonnance en fait",
        "non tant pis, je voudrais plutôt laisser un message",
        "je voudrais laisser un message pour dire que je rappellerai le docteur demain matin "
        "pour mes résultats de prise de sang",
        "",
    ],
)
def test_answers_that_only_sound_like_it(said: str) -> None:
    assert not gives_up(said)
