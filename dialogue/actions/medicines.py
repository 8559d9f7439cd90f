"""Medicines as callers name them for a renewal: names and doses from their words, tidied, and
every medicine the NLU found in a sentence (its slot mapping keeps only one); and what else a
prescription is asked for ("une ordonnance pour le kiné", "pour faire une prise de sang"), which
answers "quel médicament ?" before it is asked."""

from __future__ import annotations

import re

from rasa_sdk import Tracker

from dialogue.actions.common import tidy
from dialogue.french.normalize import flat_text

# Words around a medicine name that are not part of it ("c'est le levothyrox 75").
_NOISE_WORDS = (
    "c'est ce sont il me faut faudrait j'ai je prends voudrais voudrait besoin renouveler "
    "renouvellement ordonnance médicament médicaments traitement le la les l' du de des d' "
    "un une mon ma mes son sa ses pour s'il vous plaît boîte boîtes comprimé comprimés oui "
    "alors donc aussi"
)
_MEDICINE_NOISE = frozenset(_NOISE_WORDS.split())
_UNITS = {"milligrammes": "mg", "milligramme": "mg", "mg": "mg", "microgrammes": "µg",
          "microgramme": "µg", "grammes": "g", "gramme": "g"}
_ELIDED = re.compile(r"\b[ldj]'")
_DOSE_AFTER = r"\s+(\d+(?:[.,]\d+)?(?:\s+(?:milligrammes?|microgrammes?|grammes?|mg))?)"


def clean_medicines(text: str) -> str:
    """The medicines and doses from the caller's words: "le levothyrox 75" → "Levothyrox 75"."""
    words = []
    for raw in _ELIDED.sub(" ", text.lower()).split():
        if raw in _MEDICINE_NOISE:
            continue
        if raw in _UNITS:
            words.append(_UNITS[raw])
        elif raw == "et":
            words.append("et")
        else:
            words.append(raw.capitalize() if raw[:1].isalpha() else raw)
    while words and words[0] == "et":
        words.pop(0)
    while words and words[-1] == "et":
        words.pop()
    return tidy(" ".join(words))


def medicine_entities(tracker: Tracker) -> list[str]:
    """The medicines the NLU found in the latest words, in the order said, each once."""
    names: list[str] = []
    for entity in tracker.latest_message.get("entities") or []:
        value = str(entity.get("value") or "")
        if entity.get("entity") == "medicine" and value and value.lower() not in map(
            str.lower, names
        ):
            names.append(value)
    return names


def with_dose(name: str, said: str) -> str:
    """``name`` with the dose said right after it ("levothyrox 75"), if one was."""
    dose = re.search(re.escape(name.lower()) + _DOSE_AFTER, said)
    return f"{name} {dose.group(1)}" if dose is not None else name


# What a prescription is for when it is no medicine: the words said (folded) → as written back.
_PRESCRIBED = {
    r"kine|kinesitherapie|kinesitherapeute|reeducation": "des séances de kinésithérapie",
    r"prise de sang|prises de sang|analyses?(?: de sang)?|bilan sanguin|bilan biologique":
        "une prise de sang",
    r"lunettes|lentilles": "des lunettes",
    r"orthophonie|orthophoniste": "de l'orthophonie",
    r"infirmiere|infirmier|soins infirmiers|pansements?": "des soins infirmiers",
    r"radio|radiographie": "une radiographie",
    r"echographie|echo": "une échographie",
    r"irm": "une IRM",
    r"scanner": "un scanner",
    r"mammographie": "une mammographie",
    r"bas de contention": "des bas de contention",
    r"semelles(?: orthopediques)?|podologue|pedicure": "des semelles orthopédiques",
}
_PRESCRIPTION_FOR = re.compile(
    r"\b(?:ordonnance|ordonnances|prescription|bon)s? (?:pour|de|d)\b(?: \w+){0,3}? (?P<item>"
    + "|".join(f"(?:{words})" for words in _PRESCRIBED) + r")\b"
)


def prescribed_item(text: str) -> str | None:
    """What a prescription is asked for, when it is no medicine ("des séances de
    kinésithérapie" for "une ordonnance pour le kiné"); None otherwise."""
    found = _PRESCRIPTION_FOR.search(" ".join(flat_text(text).split()))
    if found is None:
        return None
    item = found.group("item")
    return next(said for words, said in _PRESCRIBED.items() if re.fullmatch(words, item))


def is_prescribed_item(value: str) -> bool:
    """Whether ``value`` is one of `prescribed_item`'s answers (kept as written)."""
    return value in _PRESCRIBED.values()
