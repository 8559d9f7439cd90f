"""The emergency net as its file defines it: categories, levels, and what weighs on a sign.

`emergency_phrases.fr.yaml` is read once, validated and compiled (`emergency_net`); a malformed
file is refused with a message naming the file, the place and why. `dialogue.safety` applies it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from core import load_yaml
from dialogue.safety_rules import Compiler, Rule, RuleError, Span, Utterance

PHRASES_FILE = Path(__file__).with_name("emergency_phrases.fr.yaml")
CUE_LISTS = ("not_now", "background", "since", "over", "lasting", "mild", "acute", "routine")


class EmergencyKind(StrEnum):
    """Which answer the caller needs: 15/112 (and 114 by SMS), or 3114."""

    MEDICAL = "medical"
    SUICIDAL = "suicidal"


class EmergencyLevel(IntEnum):
    """How sure the net is: the emergency answer at once, or one question first."""

    POSSIBLE = 1
    CERTAIN = 2

    @property
    def label(self) -> str:
        """The level's name, as logged and stored."""
        return self.name.lower()


class EmergencyCategory(StrEnum):
    """What the caller described, in the YAML file's priority order."""

    UNCONSCIOUS = "unconscious"
    BREATHING = "breathing"
    CHEST_PAIN = "chest_pain"
    STROKE = "stroke"
    BLEEDING = "bleeding"
    PREGNANCY = "pregnancy"
    INFANT = "infant"
    SEIZURE = "seizure"
    ALLERGY = "allergy"
    POISONING = "poisoning"
    SUICIDAL = "suicidal"
    BURNS = "burns"
    FALL_INJURY = "fall_injury"
    SEVERE_PAIN = "severe_pain"
    GENERAL = "general"


class Lowering(StrEnum):
    """Why a sign was lowered a step."""

    NEGATED = "negated"
    NOT_NOW = "not_now"
    OVER = "over"
    """Said to be over ("ça va mieux"): apart from `NOT_NOW` so that a category can refuse it
    (a stroke's signs that went away still call for the 15)."""
    LASTING = "lasting"
    MILD = "mild"
    ROUTINE = "routine"


@dataclass(frozen=True, slots=True)
class CategoryRules:
    """One category of the file, compiled."""

    category: EmergencyCategory
    kind: EmergencyKind
    certain: tuple[Rule, ...]
    possible: tuple[Rule, ...]
    excludes: tuple[Rule, ...]
    floor: EmergencyLevel | None
    lowered_by: frozenset[Lowering]
    always_asked: tuple[Rule, ...] = ()
    """Certain rules never lowered below the question but by a negation or a past cue."""


@dataclass(frozen=True, slots=True)
class EmergencyNet:
    """The compiled file: categories in priority order, and what weighs on them."""

    categories: tuple[CategoryRules, ...]
    not_emergencies: tuple[Rule, ...]
    negators: frozenset[str]
    verb_negators: frozenset[str]
    negation_openers: frozenset[str]
    after_sign_unless: frozenset[str]
    plus_after_sign_before: frozenset[str]
    absence_stems: tuple[str, ...]
    not_negations: tuple[Rule, ...]
    negation_window: int
    clause_breaks: frozenset[str]
    subjects: frozenset[str]
    """Subject pronouns: a new one starts a new clause (they are clause breaks too)."""
    cues: dict[str, tuple[Rule, ...]]
    cue_window: int
    cue_breaks: tuple[Rule, ...]
    not_cues: dict[str, tuple[Rule, ...]]
    """Per cue list, what reads like one of its cues and is none ("née en 1960" dates a
    birth, not the sign)."""

    def cue_spans(self, utterance: Utterance) -> dict[str, list[Span]]:
        """Where each list's cues are said in ``utterance``, less those overlapping one of
        the list's `not_cues`."""
        found = {}
        for name, rules in self.cues.items():
            not_cues = [s for r in self.not_cues.get(name, ()) for s in r.spans(utterance)]
            found[name] = [s for r in rules for s in r.spans(utterance)
                           if not any(s.overlaps(n) for n in not_cues)]
        return found


@cache
def emergency_net() -> EmergencyNet:
    """The compiled file (loaded once from the package).

    Raises:
        ValueError: The file is malformed; the message names the file, the place and why.
    """
    raw = PHRASES_FILE.read_text(encoding="utf-8")
    return parse_net(load_yaml(raw), PHRASES_FILE.name)


def parse_net(document: Any, source: str = "emergency_phrases.fr.yaml") -> EmergencyNet:
    """Validate and compile a rule document (the YAML file's content).

    Raises:
        ValueError: Missing or unknown section or category, unknown kind or level, a rule that
            cannot be read; the message starts with ``source`` and names the place.
    """
    try:
        return _parse(document)
    except RuleError as exc:
        raise ValueError(f"{source}: emergency phrases: {exc}") from None
    except KeyError as exc:
        raise ValueError(f"{source}: emergency phrases: missing {exc.args[0]!r}") from None
    except (TypeError, AttributeError, ValueError) as exc:
        raise ValueError(f"{source}: emergency phrases: malformed ({exc})") from None


def _parse(document: Any) -> EmergencyNet:
    if not isinstance(document, dict) or not isinstance(document.get("categories"), dict):
        raise RuleError("a top-level 'categories' mapping is required")
    categories: dict[str, Any] = document["categories"]
    names = [member.value for member in EmergencyCategory]
    if list(categories) != names:
        unknown = sorted(set(categories) - set(names))
        missing = sorted(set(names) - set(categories))
        raise RuleError(
            f"categories must be, in this order, {names} (unknown {unknown}, missing {missing})"
        )
    compiler = Compiler(document.get("words") or {})
    compiler.check_groups()
    negation = document["negation"]
    lowering = document["lowering"]
    return EmergencyNet(
        categories=tuple(_category(c, categories[c.value], compiler) for c in EmergencyCategory),
        not_emergencies=_rules(document.get("not_emergencies"), compiler, "not_emergencies"),
        negators=frozenset(negation["negators"]),
        verb_negators=frozenset(negation["verb_negators"]),
        negation_openers=frozenset(negation["openers"]),
        after_sign_unless=frozenset(negation.get("after_sign_unless") or ()),
        plus_after_sign_before=frozenset(negation.get("plus_after_sign_before") or ()),
        absence_stems=tuple(negation.get("absence_stems") or ()),
        not_negations=_rules(negation.get("not_negations"), compiler, "negation.not_negations"),
        negation_window=int(negation["window"]),
        clause_breaks=frozenset(
            [*(negation.get("clause_breaks") or ()), *(negation.get("subjects") or ())]
        ),
        subjects=frozenset(negation.get("subjects") or ()),
        cues={name: _rules(lowering[name], compiler, f"lowering.{name}") for name in CUE_LISTS},
        cue_window=int(lowering["window"]),
        cue_breaks=_rules(lowering.get("clause_breaks"), compiler, "lowering.clause_breaks"),
        not_cues=_not_cues(lowering.get("not_cues") or {}, compiler),
    )


def _not_cues(lists: Any, compiler: Compiler) -> dict[str, tuple[Rule, ...]]:
    if not isinstance(lists, dict) or not set(lists) <= set(CUE_LISTS):
        raise RuleError(f"lowering.not_cues: a mapping of cue lists ({', '.join(CUE_LISTS)}) "
                        "to rules")
    return {name: _rules(rules, compiler, f"lowering.not_cues.{name}")
            for name, rules in lists.items()}


def _category(category: EmergencyCategory, body: Any, compiler: Compiler) -> CategoryRules:
    where = f"categories.{category.value}"
    if not isinstance(body, dict):
        raise RuleError(f"{where}: expected a mapping")
    if body.get("kind") not in {kind.value for kind in EmergencyKind}:
        raise RuleError(f"{where}.kind: {body.get('kind')!r} is not medical or suicidal")
    floor = body.get("floor")
    if floor not in (None, "possible"):
        raise RuleError(f"{where}.floor: only 'possible' is allowed")
    lowered_by = body.get("lowered_by", [reason.value for reason in Lowering])
    known = {reason.value for reason in Lowering}
    if not isinstance(lowered_by, list) or not set(lowered_by) <= known:
        raise RuleError(f"{where}.lowered_by: a list among {sorted(known)}")
    certain = _rules(body.get("certain"), compiler, f"{where}.certain")
    always_asked = _rules(body.get("always_asked"), compiler, f"{where}.always_asked")
    possible = _rules(body.get("possible"), compiler, f"{where}.possible")
    if not certain:
        raise RuleError(f"{where}.certain: at least one rule is needed")
    return CategoryRules(
        category=category,
        kind=EmergencyKind(body["kind"]),
        certain=certain,
        possible=possible,
        excludes=_rules(body.get("exclude"), compiler, f"{where}.exclude"),
        floor=EmergencyLevel.POSSIBLE if floor else None,
        lowered_by=frozenset(Lowering(reason) for reason in lowered_by),
        always_asked=always_asked,
    )


def _rules(entries: Any, compiler: Compiler, where: str = "") -> tuple[Rule, ...]:
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise RuleError(f"{where}: expected a list of rules")
    try:
        return tuple(compiler.rule(entry) for entry in entries)
    except RuleError as exc:
        raise RuleError(f"{where}: {exc}") from None
