"""« Je ne veux pas de SMS », however the caller puts it, and only that."""

from __future__ import annotations

import pytest

from dialogue.french.sms_refusal import refuses_texts


@pytest.mark.parametrize(
    ("said", "refuses"),
    [
        ("je ne veux pas de sms", True),
        ("oui mais pas de s m s s'il vous plaît", True),
        ("je ne veux pas recevoir de textos", True),
        ("Pas de rappel par SMS, merci", True),
        ("aucun SMS", True),
        ("sans sms", True),
        ("envoyez-moi un sms", False),
        ("pas de problème pour le sms", False),
        ("je ne veux pas venir mardi un sms ça ira", False),
        ("oui", False),
    ],
)
def test_a_refusal_of_texts_is_heard(said: str, refuses: bool) -> None:
    assert refuses_texts(said) is refuses
