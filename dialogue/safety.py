"""Emergency safety net: spots emergency words in a transcript before, and without, the NLU.

It is a router, not a diagnosis: a hit means "answer with the emergency numbers now, book
nothing". The phrase list lives in `emergency_phrases.fr.yaml` (syntax documented there), so it
can be reviewed as a whole.

Negation: a phrase preceded by "pas de", "aucun(e)", "sans", "jamais" ("il n'a pas de douleur
dans la poitrine") still gives a hit, with `negated=True`. Callers in distress deny and affirm
in the same breath and the recognizer drops words, so we err on the side of safety: the hit is
reported and the dialogue decides (it may confirm with the caller before redirecting). Phrases
whose own words are negative ("ne respire plus") are never marked negated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from dialogue.french.normalize import fold_accents, is_filler

__all__ = ["EmergencyCategory", "EmergencyHit", "EmergencyKind", "check_emergency"]

PHRASES_FILE = Path(__file__).with_name("emergency_phrases.fr.yaml")
GAP_WORDS = 4
_NEGATION_WINDOW = 4
_NEGATORS = re.compile(r"\b(?:pas de|pas d|aucun|aucune|sans|jamais)\b")
_NEGATIVE_PHRASE_WORDS = frozenset({"ne", "pas", "plus", "rien", "jamais", "sans"})
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_GAP_TOKENS = frozenset({"…", "..."})


class EmergencyKind(StrEnum):
    """Which answer the caller needs: 15/112 (and 114 by SMS), or 3114."""

    MEDICAL = "medical"
    SUICIDAL = "suicidal"


class EmergencyCategory(StrEnum):
    """What the caller described, in the YAML file's priority order."""

    UNCONSCIOUS = "unconscious"
    BREATHING = "breathing"
    CHEST_PAIN = "chest_pain"
    STROKE = "stroke"
    BLEEDING = "bleeding"
    SEIZURE = "seizure"
    ALLERGY = "allergy"
    POISONING = "poisoning"
    SUICIDAL = "suicidal"


@dataclass(frozen=True, slots=True)
class EmergencyHit:
    """An emergency phrase found in a transcript.

    Attributes:
        category: The highest-priority category found.
        kind: Which answer it calls for.
        phrase: The phrase of the list that matched (as written in the YAML file; never the
            caller's words, so it may be logged).
        negated: The phrase was preceded by a negation ("pas de …"); see the module docstring.
        categories: Every category found (e.g. poisoning and suicidal together).
    """

    category: EmergencyCategory
    kind: EmergencyKind
    phrase: str
    negated: bool = False
    categories: frozenset[EmergencyCategory] = frozenset()


@dataclass(frozen=True, slots=True)
class _Phrase:
    text: str
    pattern: re.Pattern[str]
    can_be_negated: bool


@dataclass(frozen=True, slots=True)
class _Category:
    category: EmergencyCategory
    kind: EmergencyKind
    phrases: tuple[_Phrase, ...]
    excludes: tuple[re.Pattern[str], ...]


def check_emergency(text: str) -> EmergencyHit | None:
    """Look for emergency words in one caller turn.

    Args:
        text: Recognizer or typed text, as received (no prior normalisation needed).

    Returns:
        The hit, or None when nothing in the list was said.
    """
    padded = f" {fold_for_matching(text)} "
    hits: list[tuple[_Category, _Phrase, bool]] = []
    for entry in phrasebook():
        for phrase in entry.phrases:
            for match in phrase.pattern.finditer(padded):
                if _excluded(entry, padded, match.start(), match.end()):
                    continue
                negated = phrase.can_be_negated and _negated(padded[: match.start()])
                hits.append((entry, phrase, negated))
                break
    if not hits:
        return None
    affirmed = [hit for hit in hits if not hit[2]]
    chosen = affirmed or hits
    entry, phrase, negated = chosen[0]
    return EmergencyHit(
        category=entry.category,
        kind=entry.kind,
        phrase=phrase.text,
        negated=negated,
        categories=frozenset(hit[0].category for hit in chosen),
    )


def fold_for_matching(text: str) -> str:
    """Lowercase, unaccented, punctuation-free words without hesitations.

    Args:
        text: Any text.

    Returns:
        The words the phrase list is matched against, separated by single spaces.
    """
    words = _NOT_ALNUM.sub(" ", fold_accents(text.lower())).split()
    return " ".join(word for word in words if not is_filler(word))


@cache
def phrasebook() -> tuple[_Category, ...]:
    """The compiled phrase list, in priority order (loaded once from the package).

    Returns:
        One entry per category.

    Raises:
        ValueError: The YAML file is malformed (unknown category or kind, empty phrase).
    """
    raw = PHRASES_FILE.read_text(encoding="utf-8")
    return parse_phrasebook(yaml.safe_load(raw))


def parse_phrasebook(document: Any) -> tuple[_Category, ...]:
    """Validate and compile a phrase list document (the YAML file's content).

    Args:
        document: The loaded YAML.

    Returns:
        One entry per category, sorted in `EmergencyCategory` order.

    Raises:
        ValueError: Unknown category or kind, missing category, or empty phrase.
    """
    if not isinstance(document, dict) or not isinstance(document.get("categories"), dict):
        raise ValueError("emergency phrases: a top-level 'categories' mapping is required")
    categories: dict[str, Any] = document["categories"]
    unknown = set(categories) - {member.value for member in EmergencyCategory}
    missing = {member.value for member in EmergencyCategory} - set(categories)
    if unknown or missing:
        raise ValueError(f"emergency phrases: unknown {sorted(unknown)}, missing {sorted(missing)}")
    entries = []
    for category in EmergencyCategory:
        body = categories[category.value]
        phrases = body.get("phrases") or []
        if not phrases or not all(isinstance(p, str) and p.strip() for p in phrases):
            raise ValueError(f"emergency phrases: {category.value} needs non-empty phrases")
        if body.get("kind") not in {kind.value for kind in EmergencyKind}:
            raise ValueError(f"emergency phrases: {category.value} has an unknown kind")
        entries.append(
            _Category(
                category=category,
                kind=EmergencyKind(body["kind"]),
                phrases=tuple(
                    _Phrase(phrase, compile_phrase(phrase), _can_be_negated(phrase))
                    for phrase in phrases
                ),
                excludes=tuple(compile_phrase(phrase) for phrase in body.get("exclude") or []),
            )
        )
    return tuple(entries)


def compile_phrase(phrase: str) -> re.Pattern[str]:
    """Compile one phrase of the list (syntax in the YAML file) to a regular expression.

    The expression matches inside `" " + fold_for_matching(text) + " "`.

    Args:
        phrase: A phrase such as "arrive|arrives pas|plus à? respirer".

    Returns:
        The compiled expression.

    Raises:
        ValueError: The phrase has no word.
    """
    parts = []
    for token in _phrase_tokens(phrase):
        if token in _GAP_TOKENS:
            parts.append(rf"(?:\S+ ){{0,{GAP_WORDS}}}")
            continue
        optional = token.endswith("?")
        alternatives = "|".join(
            re.escape(word) + ("(?:e|s|es)?" if len(word) >= 4 and word.isalpha() else "")
            for word in token.rstrip("?").split("|")
            if word
        )
        parts.append(f"(?:(?:{alternatives}) )?" if optional else f"(?:{alternatives}) ")
    if not any(token not in _GAP_TOKENS for token in _phrase_tokens(phrase)):
        raise ValueError(f"emergency phrase without words: {phrase!r}")
    return re.compile(" " + "".join(parts))


def _phrase_tokens(phrase: str) -> list[str]:
    folded = fold_accents(phrase.lower()).replace("'", " ").replace("-", " ")
    return folded.replace("…", " … ").split()


def _can_be_negated(phrase: str) -> bool:
    words = {word.rstrip("?") for token in _phrase_tokens(phrase) for word in token.split("|")}
    return not words & _NEGATIVE_PHRASE_WORDS


def _negated(before: str) -> bool:
    return _NEGATORS.search(" ".join(before.split()[-_NEGATION_WINDOW:])) is not None


def _excluded(entry: _Category, padded: str, start: int, end: int) -> bool:
    return any(
        match.start() < end and start < match.end()
        for pattern in entry.excludes
        for match in pattern.finditer(padded)
    )
