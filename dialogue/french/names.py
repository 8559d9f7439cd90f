"""People's names as callers say them: "marie dupont", "dupont marie", "c'est madame d u p o n t",
"je suis jean pierre le goff".

A full name is split into first and last names with a list of common first names
(`first_names.txt`); when neither end of it is a known first name, the spoken order (first name,
then last name) is assumed and the split flagged unsure, so the dialogue asks for the spelling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dialogue.french.normalize import fold_accents, normalize_transcript

__all__ = [
    "FullName", "clean_name", "is_first_name", "name_correction", "names_said", "refuses_name",
    "split_full_name",
]

_PREFIX = re.compile(
    r"^(?:(?:oui|non|alors|donc|voilà|bon|euh|ok|okay|d'accord|bien sûr|pas de problème|"
    r"très bien|entendu)\s+)*"
    r"(?:(?:je m'appelle|je suis|c'est|moi c'est|mon nom (?:de famille )?(?:c'est|est)|"
    r"mon prénom (?:c'est|est)|le nom c'est|nom|prénom|au nom de)\s+)?"
    r"(?:(?:madame|monsieur|mademoiselle|mme|m)\s+)?",
)
_SPELLED = re.compile(r"\b(?:[a-zéèêëàâîïôöûüç]\s){2,}[a-zéèêëàâîïôöûüç]\b")
_NAME_OK = re.compile(r"^[a-zà-öø-ÿ' -]{1,60}$")
# "je m'appelle marie dupont" anywhere in a sentence; what follows must hold a first name.
_INTRODUCED = re.compile(
    r"\b(?:je m'appelle|(?:il|elle) s'appelle|je suis|c'est|moi c'est|mon nom est|au nom de"
    r"|de la part de)\s+"
    r"(?:(?:madame|monsieur|mademoiselle)\s+)?((?:[a-zà-öø-ÿ'-]+\s*){1,4})"
)
_NOT_A_NAME = frozenset((
    "et", "je", "j", "pour", "de", "du", "des", "la", "le", "les", "un", "une", "qui", "que",
    "au", "aux", "avec", "mon", "ma", "mes", "son", "sa", "ses", "à", "a", "rendez-vous",
    "rendez", "vous", "voudrais", "souhaite", "appelle", "suis", "bien", "malade", "enceinte",
    "nouveau", "nouvelle", "patient", "patiente", "docteur", "docteure", "médecin",
))


# An answer starting so is not a name ("oui", "celui de vendredi", "le 3 mai").
_NO_NAME_STARTS = frozenset((
    "oui", "non", "merci", "pardon", "ok", "d'accord", "celui", "celle", "le", "la", "les",
    "un", "une", "je", "j'ai", "c'est", "ce", "il", "elle", "on", "vous", "quoi", "comment",
))

# Words that say who, not what they are called ("pour moi", "c'est pour mon fils", "moi"): such
# an answer is asked again, never written down as a name.
_WHO_NOT_NAME = frozenset((
    "pour", "moi", "moi-même", "lui", "nous", "mon", "ma", "mes", "notre", "fils", "fille",
    "enfant", "bébé", "mari", "femme", "maman", "papa", "même",
))


@dataclass(frozen=True)
class FullName:
    """A name as understood; either part may be missing."""

    first: str | None = None
    last: str | None = None
    unsure: bool = False
    """Neither end was a known first name: the order was guessed."""

    @property
    def complete(self) -> bool:
        return bool(self.first and self.last)

    def said(self) -> str:
        """"Marie Dupont"."""
        return " ".join(p for p in (self.first, self.last) if p).title()


@cache
def _first_names() -> frozenset[str]:
    path = Path(__file__).with_name("first_names.txt")
    words: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            words.update(line.split())
    return frozenset(words)


def is_first_name(word: str) -> bool:
    """Whether ``word`` is a common first name ("Hélène" and "helene" both are; "jean-pierre"
    too, each of its parts being one)."""
    known = _first_names()
    folded = fold_accents(word.lower())
    return folded in known or ("-" in folded and all(p in known for p in folded.split("-")))


# Among the most common surnames in France, those that are first names too: said first, before
# a first name that is not one of them, they are the surname ("martin sophie", as on forms).
_SURNAMES_TOO = frozenset({
    "martin", "bernard", "thomas", "robert", "richard", "laurent", "simon", "michel", "david",
    "bertrand", "vincent", "andre", "francois", "roger", "nicolas", "henri", "mathieu", "denis",
    "clement", "gerard", "lucas", "marc", "guillaume", "maurice", "gilbert", "olivier", "leon",
    "louis", "charles", "noel", "benoit", "christophe", "philippe",
})


def _surname_first(words: list[str]) -> bool:
    """Whether the words are a surname, then a first name that cannot be a surname."""
    first, last = fold_accents(words[0].lower()), fold_accents(words[-1].lower())
    return (len(words) == 2 and first in _SURNAMES_TOO and is_first_name(last)
            and last not in _SURNAMES_TOO)


def clean_name(text: str) -> str | None:
    """A name from the caller's answer ("c'est madame dupont" → "dupont"), or None.

    Spelled letters are joined ("d u p o n t" → "dupont").
    """
    text = " ".join(normalize_transcript(text).split())
    text = _PREFIX.sub("", text, count=1)
    text = _SPELLED.sub(lambda m: m.group(0).replace(" ", ""), text)
    text = " ".join(text.split())
    if not text or not _NAME_OK.match(text):
        return None
    return text


def split_full_name(text: str) -> FullName | None:
    """First and last names from an answer to "Quel est votre nom et votre prénom ?"."""
    name = clean_name(text)
    if name is None:
        return None
    words = [w for w in name.split() if w != "et"]
    if not words or words[0] in _NO_NAME_STARTS or any(w.isdigit() for w in words):
        return None
    if any(w in _WHO_NOT_NAME for w in words):
        return None
    if len(words) == 1:
        word = words[0]
        return FullName(first=word) if is_first_name(word) else FullName(last=word)
    if _surname_first(words):
        return FullName(first=words[-1], last=" ".join(words[:-1]))
    if is_first_name(words[0]):
        count = 1
        # "jean pierre dupont": a compound first name, as long as a last name is left.
        while count < len(words) - 1 and is_first_name(words[count]):
            count += 1
        return FullName(first=" ".join(words[:count]), last=" ".join(words[count:]))
    if is_first_name(words[-1]):
        return FullName(first=words[-1], last=" ".join(words[:-1]))
    return FullName(first=words[0], last=" ".join(words[1:]), unsure=True)


def names_said(text: str) -> FullName | None:
    """A name the caller gave unasked ("bonjour je suis marie dupont, je voudrais …"); None
    unless it holds a first name, so "je suis malade" or "c'est pour mon fils" are no names."""
    said = normalize_transcript(text)
    for match in _INTRODUCED.finditer(said):
        words: list[str] = []
        for word in match.group(1).split():
            if word in _NOT_A_NAME:
                break
            words.append(word)
        if any(is_first_name(w) for w in words):
            found = split_full_name(" ".join(words))
            if found is not None and found.complete:
                return found
    return None


_NAME_CORRECTION = re.compile(
    r"\b(?:mon nom(?: de famille)?|mon prénom|je m'appelle|au nom de)(?: c'est| est)?\s+(.+)$"
)


def name_correction(text: str) -> FullName | None:
    """The name in a correction ("non, je m'appelle …", "mon nom c'est …", spelled or not),
    or None when the words correct no name."""
    match = _NAME_CORRECTION.search(normalize_transcript(text))
    if match is None:
        return None
    cleaned = clean_name(match.group(1)) or ""
    words: list[str] = []
    for word in cleaned.split():
        if not words or words[-1] != word:  # "roi r o i": the name, then its spelling
            words.append(word)
    return split_full_name(" ".join(words))


# Said to the name question: a refusal, a wish to stay anonymous, or asking why it is needed.
_REFUSAL = re.compile(
    r"\b(?:pas|plutôt pas|pas trop|ne pas|ne préfère pas)\b(?: \S+){0,4}? "
    r"(?:donner|dire|communiquer|laisser|décliner)\b"
    r"|\bje (?:ne )?(?:le |la |vous le |vous la )?(?:donne|dis|donnerai|dirai|préfère|veux) pas\b"
    r"|\bje préfère pas\b|\bje préférerais pas\b|\bpas envie\b"
    r"|\banonyme(?:ment)?\b|\bsans (?:donner |dire )?(?:mon |de )?nom\b"
    r"|\bpourquoi\b(?: \S+){0,5}? (?:nom|identité)\b|\b(?:c'est|est-ce) obligatoire\b"
)


def refuses_name(text: str) -> bool:
    """Whether the caller, asked their name, declines to give it or asks why it is needed
    (« je préfère ne pas donner mon nom », « c'est anonyme ? », « pourquoi vous voulez mon
    nom »)."""
    return bool(_REFUSAL.search(normalize_transcript(text)))
