"""A caller asking for the last question again: "pardon ?", "répétez", "je n'ai pas compris",
"plus lentement", "parlez plus fort".

Read before the NLU, so the conversation stays where it was: the question is said again, and
these words count neither as an answer nor as a miss. Asking for it slower or louder also slows
the voice down for the rest of the call (the channel does it; see `dialogue.Pace`).
"""

from __future__ import annotations

import re
from enum import StrEnum

from dialogue.french.normalize import flat_text, normalize_transcript

__all__ = ["AskedAgain", "asked_again"]


class AskedAgain(StrEnum):
    """How the caller wants the last question again."""

    REPEAT = "repeat"
    SLOWER = "slower"


# Short utterances only: "je voudrais répéter la prise de sang" is a request, not a "pardon ?".
_MAX_WORDS = 9
_SLOWER = re.compile(
    r"\b(?:plus lentement|moins vite|trop vite|doucement|plus fort|moins bas"
    r"|je (?:ne vous |vous )?entends (?:pas|mal|rien)|j entends (?:pas|mal|rien)"
    r"|je n entends (?:pas|rien))\b"
)
_REPEAT = re.compile(
    r"^(?:oui |allo )?(?:pardon|comment|hein|quoi|excusez moi|excuse moi)"
    r"(?: (?:pardon|madame|monsieur|excusez moi|vous dites))*$"
    r"|\b(?:repetez|repeter|repete|redites|redire|vous pouvez repeter|je n ai (?:pas|rien)"
    r" (?:compris|entendu|saisi)|j ai (?:pas|rien) (?:compris|entendu|saisi)"
    r"|qu est ce que vous (?:avez dit|dites)|vous avez dit quoi)\b"
)


def asked_again(text: str) -> AskedAgain | None:
    """Whether ``text`` asks for the last question again, and how; None for anything else."""
    flat = " ".join(flat_text(normalize_transcript(text)).split())
    if not flat or len(flat.split()) > _MAX_WORDS:
        return None
    if _SLOWER.search(flat):
        return AskedAgain.SLOWER
    if _REPEAT.search(flat):
        return AskedAgain.REPEAT
    return None
