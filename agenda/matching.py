"""What a caller names, read against the practice's catalogue: an appointment type (by its label
or a word callers use for it), a practitioner (by a surname close enough), or anyone at all.

The words callers use live here, as data, in one place: `TYPE_ALIASES`, `ANY_TYPE_WORDS` and
`ANY_PRACTITIONER_WORDS` (accents folded, lower case). The dialogue only hands over what was said.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from rapidfuzz import fuzz

from core import PracticeConfig

# The practitioner answer "anyone": a value of the dialogue's ``practitioner`` slot too.
ANY_PRACTITIONER = "any"
# Words meaning "any practitioner will do".
ANY_PRACTITIONER_WORDS: tuple[str, ...] = (
    "importe", "premier disponible", "indifferent", "egal", "qui vous voulez",
    "le plus tot", "pas de preference", "celui qui",
)
# What callers say for a type, beyond its label → the label it stands for.
TYPE_ALIASES: dict[str, str] = {
    "vaccin": "vaccination",
    "grippe": "vaccination",
    "grossesse": "suivi de grossesse",
    "enceinte": "suivi de grossesse",
    "1ere": "premiere consultation",
    "premiere fois": "premiere consultation",
    "nouveau patient": "premiere consultation",
    "nouveaux patients": "premiere consultation",
    "nouvelle patiente": "premiere consultation",
    "jamais venu": "premiere consultation",
    "medecin traitant": "premiere consultation",
    # Someone ill, or a reason for seeing the doctor, is a consultation: a secretary would not
    # ask the type again ("pour ma fille, elle tousse depuis trois jours").
    "malade": "consultation",
    "fievre": "consultation",
    "tousse": "consultation",
    "toux": "consultation",
    "douleur": "consultation",
    "mal au ": "consultation",
    "mal aux ": "consultation",
    "mal a la ": "consultation",
    "mal a l'": "consultation",
    "mal partout": "consultation",
    "rhume": "consultation",
    "angine": "consultation",
    "otite": "consultation",
    "gastro": "consultation",
    "infection": "consultation",
    "frottis": "consultation",
    "controle": "consultation",
    "visite": "consultation",
    # Having the flu is not the flu jab (that one says "vaccin").
    "ai la grippe": "consultation",
    "a la grippe": "consultation",
}
# Answers to the type's question meaning "whichever", "I don't know" or "just the usual": the
# practice's first type (the read-back lets the caller correct it).
ANY_TYPE_WORDS: tuple[str, ...] = (
    "importe", "sais pas", "sais plus", "aucune idee", "normal", "classique", "simple",
    "habituel", "general", "indifferent", "egal",
)
# Similarity (0-100, rapidfuzz ratio) a said word needs with a practitioner's surname.
_SURNAME_SCORE = 80
# Words right before a surname that make a near miss count ("docteur durant", "avec martine").
_TITLES = frozenset({
    "docteur", "docteure", "doctoresse", "dr", "doc", "madame", "monsieur", "mme", "avec", "chez",
})


def match_type(text: str, practice: PracticeConfig) -> str | None:
    """The phone-bookable appointment type named in ``text`` (longest label wins), or None."""
    folded = _folded(text)
    for alias, label in TYPE_ALIASES.items():
        # At a word's start, not inside one ("normal au" is not "mal au"); the end is left
        # open for the word's forms ("vaccin" in "vacciner", "venu" in "venue").
        if re.search(r"(?<![a-z])" + re.escape(alias), folded):
            folded = f"{folded} {label}"
    best: tuple[int, str] | None = None
    for kind in practice.appointment_types:
        label = _folded(kind.label)
        if kind.bookable_by_phone and label in folded and (best is None or len(label) > best[0]):
            best = (len(label), kind.id)
    return best[1] if best else None


def answer_type(text: str, practice: PracticeConfig) -> str | None:
    """The type meant by an answer to "quel type de rendez-vous ?": one named (`match_type`), or
    the practice's first phone-bookable type for "whichever" (`ANY_TYPE_WORDS`), or None."""
    named = match_type(text, practice)
    if named is not None:
        return named
    folded = _folded(text)
    if not any(re.search(r"(?<![a-z])" + re.escape(word), folded) for word in ANY_TYPE_WORDS):
        return None
    return next((k.id for k in practice.appointment_types if k.bookable_by_phone), None)


def match_practitioner(
    text: str, practice: PracticeConfig, allowed: Sequence[str]
) -> str | None:
    """A practitioner id among ``allowed``, `ANY_PRACTITIONER`, or None when the words name
    neither."""
    folded = _folded(text)
    if any(word in folded for word in ANY_PRACTITIONER_WORDS):
        return ANY_PRACTITIONER
    words = re.findall(r"[a-z]+", folded)
    best: tuple[float, str] | None = None
    for person in practice.practitioners:
        if person.id not in allowed:
            continue
        surname = _folded(person.name.split()[-1])
        score = max((_surname_score(surname, words, i) for i in range(len(words))), default=0.0)
        if score >= _SURNAME_SCORE and (best is None or score > best[0]):
            best = (score, person.id)
    return best[1] if best else None


def _surname_score(surname: str, words: list[str], index: int) -> float:
    """How well ``words[index]`` names ``surname``. The surname itself always does; a word only
    close to it (a recognizer's spelling: "durant", "martine") only after a title or alone:
    "matin" is close to "martin" and "durant" to "durand", and "jeudi matin" names nobody."""
    word = words[index]
    if word == surname:
        return 100.0
    if len(words) > 1 and (index == 0 or words[index - 1] not in _TITLES):
        return 0.0
    return fuzz.ratio(surname, word)


def practitioners_for(practice: PracticeConfig, type_id: str) -> list[str]:
    """Who gives an appointment type (empty for an unknown type)."""
    for kind in practice.appointment_types:
        if kind.id == type_id:
            return list(kind.practitioners)
    return []


def type_label(practice: PracticeConfig, type_id: str) -> str:
    """The French label of a type (its id when unknown)."""
    return next((k.label for k in practice.appointment_types if k.id == type_id), type_id)


def practitioner_name(practice: PracticeConfig, practitioner_id: str) -> str:
    """The practitioner's name as said to callers (empty when unknown)."""
    return next((p.name for p in practice.practitioners if p.id == practitioner_id), "")


def _folded(text: str) -> str:
    """Lower case, without diacritics or ligatures ("Première" → "premiere", "œ" → "oe")."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))
