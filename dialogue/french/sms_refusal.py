"""« Je ne veux pas de SMS »: a caller refusing texts, said at any moment of the call.

Read from the caller's words once the booking is written (`dialogue.actions.booking`), so no
intent, slot or question is needed: the refusal is stored on the patient's record and every
later text to them is skipped.
"""

from __future__ import annotations

import re

from dialogue.french.normalize import fold_accents

__all__ = ["refuses_texts"]

# How a recogniser or a keyboard writes "SMS" and "texto".
_TEXTS = r"(?:sms|s m s|esse? emme? esse?|textos?|messages? (?:ecrits?|textes?))"
# Words that may stand between the negation and the texts without changing what is meant.
_BETWEEN = (
    r"(?:de|d|des|les|le|un|une|me|m|recevoir|envoyer|envoyez|par|vos|votre|ni|rappels?"
    r"|confirmations?)"
)
# « pas de SMS », « je ne veux pas recevoir de textos », « pas de rappel par SMS »,
# « plus de SMS », « sans SMS », « aucun SMS »; not « pas de problème pour le SMS ».
_REFUSAL = re.compile(rf"\b(?:pas|plus|aucun|jamais|sans)(?: {_BETWEEN}){{0,4}} {_TEXTS}\b")


def refuses_texts(said: str) -> bool:
    """True when the words refuse texts from the practice."""
    plain = " ".join(re.findall(r"\w+", fold_accents(said.lower())))
    return bool(_REFUSAL.search(plain))
