"""Who a request is for when it is not the caller.

« Un rendez-vous pour ma fille », « c'est mon mari qui a besoin d'une ordonnance », « je suis la
maman de Lucas »: the patient is someone else, so the name and the date of birth are asked of
them in the third person (« Quel est le nom et le prénom de votre fille ? »). Only the words that
say so count: « ma fille m'a dit d'appeler » is the caller's own request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dialogue.french.normalize import normalize_transcript

# Longest first: « petite fille » before « petite », « grand mère » before « mère ».
_RELATIONS = (
    "petite fille", "petit fils", "petite-fille", "petit-fils", "grand mère", "grand-mère",
    "grand père", "grand-père", "belle mère", "belle-mère", "beau père", "beau-père",
    "belle fille", "belle-fille", "beau fils", "beau-fils", "fille", "fils", "enfant", "bébé",
    "petit garçon", "petit dernier", "petite dernière", "garçon", "gamin", "gamine", "fiston",
    "mari", "femme", "épouse",
    "époux", "conjoint", "conjointe", "compagnon", "compagne", "copain", "copine", "mère",
    "père", "maman", "papa", "mamie", "mamy", "papi", "papy", "frère", "sœur", "soeur",
    "oncle", "tante", "neveu", "nièce", "cousin", "cousine", "fiancé", "fiancée", "beau-frère",
    "belle-sœur", "voisin", "voisine", "patient", "patiente", "résident", "résidente",
)
_RELATION = "|".join(re.escape(r).replace(r"\ ", "[ -]").replace(r"\-", "[ -]")
                     for r in sorted(_RELATIONS, key=len, reverse=True))
_MY = r"(?:ma|mon|notre|m')\s*"
_NEEDS = (
    r"(?:a|aurait|avait) besoin|doit|devrait|devait|voudrait|veut|voulait|souhaite|souhaiterait"
    r"|est malade|est souffrant|est souffrante|a de la fièvre|a mal|tousse|vomit"
    r"|a une|a un|a des|a de la|a du|s'est fait mal|s'est blessée?|est tombée?|ne va pas bien"
    r"|va pas bien"
)
# « L'ordonnance de ma mère », « le rendez-vous de mon fils »: the request is theirs.
_WHAT = (
    r"ordonnance|rendez-vous|certificat|arrêt de travail|arrêt maladie|traitement|médicaments?"
    r"|vaccins?|renouvellement|résultats|analyses|dossier"
)
_FOR_RELATIVE = re.compile(
    rf"\bpour {_MY}(?P<a>{_RELATION})\b"
    rf"|\bc'est {_MY}(?P<b>{_RELATION}) qui\b"
    rf"|\b{_MY}(?P<c>{_RELATION}) (?:{_NEEDS})\b"
    rf"|\b(?:concerne|concernant|de la part de|au sujet de|à propos de) {_MY}(?P<d>{_RELATION})\b"
    rf"|\b(?:{_WHAT})(?: \S+){{0,2}}? (?:de|d') ?{_MY}(?P<e>{_RELATION})\b"
)
# « Je suis la maman de Lucas »: the caller's role says who the patient is to them.
_ROLE = re.compile(
    r"\bje suis (?:sa |son |la |le |l')"
    r"(?P<role>maman|mère|papa|père|parent|fille|fils|femme|épouse|mari|époux|conjoint|conjointe"
    r"|compagne|compagnon|aidante|aidant|tutrice|tuteur|infirmière|infirmier|auxiliaire de vie"
    r"|aide à domicile|aide-soignante|aide-soignant|aide soignante|aide soignant|voisine|voisin"
    r"|assistante sociale|assistant social|éducatrice|éducateur)"
    r"\b(?: de\b| d')?"
)
_ROLE_TO_RELATION = {
    "maman": "enfant", "mère": "enfant", "papa": "enfant", "père": "enfant", "parent": "enfant",
    "fille": "parent", "fils": "parent", "femme": "conjoint", "épouse": "conjoint",
    "mari": "conjoint", "époux": "conjoint", "conjoint": "conjoint", "conjointe": "conjoint",
    "compagne": "conjoint", "compagnon": "conjoint",
}
_SOMEONE = re.compile(r"\bquelqu'un d'autre\b|\b(?:une )?autre personne\b|\bpas pour moi\b")
_WHO_WORDS = re.compile(
    rf"\b(?:c'est |et )?(?:pour |concerne )?{_MY}(?:{_RELATION})\b"
    r"|\b(?:il|elle) s'appelle\b|\bson nom (?:c'est|est)\b|\bc'est pour\b|\bpour\b"
)


@dataclass(frozen=True, slots=True)
class Patient:
    """Who the patient is to the caller: ``relation`` is the caller's own word (« fille »,
    « mari »), or None when they only said it is someone else."""

    relation: str | None


def patient_said(text: str) -> Patient | None:
    """The patient named by relation in the caller's words, or None when the words do not say
    the request is for someone else."""
    said = normalize_transcript(text)
    match = _FOR_RELATIVE.search(said)
    if match is not None:
        word = next(g for g in match.groups() if g)
        return Patient(relation=_canonical(word))
    role = _ROLE.search(said)
    if role is not None:
        return Patient(relation=_ROLE_TO_RELATION.get(role.group("role")))
    if _SOMEONE.search(said):
        return Patient(relation=None)
    return None


_SELF = re.compile(
    r"(?<!pas )\bpour moi(?:-même| même)?\b(?! (?:et|aussi|avec)\b)"
    r"|\bc'est moi le patient\b|\bc'est moi\b$"
)


def for_the_caller(text: str) -> bool:
    """Whether the caller says the request is their own after all (« non c'est pour moi »)."""
    said = normalize_transcript(text)
    return patient_said(said) is None and bool(_SELF.search(said))


def patient_named_by_role(text: str) -> str | None:
    """The words after the caller's role (« je suis la maman de Lucas Bernard » → « lucas
    bernard »), for the name; None without a role."""
    said = normalize_transcript(text)
    role = _ROLE.search(said)
    if role is None:
        return None
    words = said[role.end():].split()
    kept: list[str] = []
    for word in words[:4]:
        if word in _AFTER_NAME:
            break
        kept.append(word)
    return " ".join(kept) or None


_AFTER_NAME = frozenset(("il", "elle", "qui", "et", "je", "j'ai", "pour", "lui", "c'est", "a"))


def without_patient_words(text: str) -> str:
    """The words left once who the patient is has been said: « c'est pour ma fille, elle
    s'appelle Léa Martin » → « léa martin »."""
    said = _ROLE.sub(" ", normalize_transcript(text))
    return " ".join(_WHO_WORDS.sub(" ", said).replace(",", " ").split())


def _canonical(word: str) -> str:
    """« grand mère » → « grand-mère », « soeur » → « sœur »: the relation as written."""
    word = word.replace("soeur", "sœur")
    return word.replace(" ", "-") if word in _HYPHENATED else word


_HYPHENATED = frozenset(("petite fille", "petit fils", "grand mère", "grand père", "belle mère",
                         "beau père", "belle fille", "beau fils"))
