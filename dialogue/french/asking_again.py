"""A caller asking for the last question again: "pardon ?", "répétez", "je n'ai pas compris",
"plus lentement", "parlez plus fort"; or for time to answer it: "attendez, je regarde mon
agenda", "une seconde".

Read before the NLU, so the conversation stays where it was: the question is said again (or,
for time, "je vous attends"), and these words count neither as an answer nor as a miss. Asking
for it slower or louder also slows the voice down for the rest of the call (the channel does
it; see `dialogue.Pace`).
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
    HOLD = "hold"
    """Not now: the caller needs a moment (to find a date, a card, a name)."""


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


# A moment asked for, and nothing else: "attendez le premier" or "attendez non c'est mardi"
# answer the question, so every word must be one of waiting, looking for, or filler.
_HOLD_ASKED = re.compile(
    r"\b(?:attendez|attends|patientez|ne quittez pas|(?:un|une) (?:petit |petite )?"
    r"(?:instant|moment|seconde|minute)|(?:deux|2) (?:secondes|minutes)|je (?:cherche|regarde)"
    r"|je vais (?:chercher|regarder|voir)|laissez moi (?:chercher|regarder|voir|reflechir))\b"
)
_HOLD_WORDS = re.compile(
    r"\b(?:attendez|attends|patientez|ne quittez pas|s il vous plait|svp|excusez moi|pardon"
    r"|(?:un|une|deux|1|2) (?:petit |petite )?(?:instant|moment|seconde|minute)s?"
    r"|je (?:cherche|regarde|reflechis|verifie|prends|recupere|retrouve|sors|ne trouve plus"
    r"|trouve plus|ne sais plus|sais plus|ne me rappelle plus|me rappelle plus)"
    r"|je vais (?:chercher|regarder|voir|verifier|prendre)|laissez moi (?:chercher|regarder"
    r"|voir|reflechir|verifier)|(?:mon|ma|mes|le|la|les|dans|sur) (?:agenda|calendrier|papiers"
    r"|carte vitale|carte|ordonnance|boite|telephone|portable|lunettes|sac|courrier|carnet)"
    r"|mon|ma|mes|ca|le|la|euh|heu|alors|bon|ben|ah|oh|oui|ok|d accord|voila|attendez moi)\b"
)


def asked_again(text: str) -> AskedAgain | None:
    """Whether ``text`` asks for the last question again, and how; None for anything else."""
    flat = " ".join(flat_text(normalize_transcript(text)).split())
    if not flat:
        return None
    if _HOLD_ASKED.search(flat) and not _HOLD_WORDS.sub(" ", flat).split():
        return AskedAgain.HOLD  # every word was waiting or looking for: no length to fear
    if len(flat.split()) > _MAX_WORDS:
        return None
    if _SLOWER.search(flat):
        return AskedAgain.SLOWER
    if _REPEAT.search(flat):
        return AskedAgain.REPEAT
    return None
