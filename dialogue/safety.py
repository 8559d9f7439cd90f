"""Emergency safety net: spots an emergency in a transcript before, and without, the NLU.

It is a router, not a diagnosis: a hit means "give the emergency numbers" (``certain``) or "ask
whether it is an emergency now" (``possible``), and book nothing. The rules live in
`emergency_phrases.fr.yaml` (syntax and levels documented there) so that they can be reviewed as
a whole; `dialogue.safety_rules` runs them.

The net reads concepts, not whole phrases: a body part and what it does ("@pain + @chest" finds
"j'ai mal à la poitrine", "la poitrine me serre", "une douleur qui me serre très fort dans la
poitrine"), then weighs the context: a negation in the same clause ("pas de douleur"), a cue
that it is past or lasting ("il y a deux ans", "depuis trois semaines") unless a nearer cue says
it is happening now, a mild word ("un peu"), and a routine request. Each lowers the level one
step; callers in distress deny and affirm in one breath and recognizers drop words, so a lowered
sign is asked about rather than ignored, unless two cues agree.

Where the rules find nothing, the classifier of `dialogue.safety_model` may still ask: a second
opinion for phrasings the rules were not written from. Only where it is sure (a score no routine
text of the dev split reaches) does it give the emergency answer at once, or raise the rules'
question to it; it never lowers nor replaces what the rules found.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from dialogue.french.normalize import normalize_transcript
from dialogue.safety_context import SignContext
from dialogue.safety_model import classifier_opinion, safety_model
from dialogue.safety_net import (
    PHRASES_FILE,
    CategoryRules,
    EmergencyCategory,
    EmergencyKind,
    EmergencyLevel,
    Lowering,
    emergency_net,
    parse_net,
)
from dialogue.safety_rules import Rule, Span, Utterance, fold_words

__all__ = [
    "CLASSIFIER_PHRASE",
    "PHRASES_FILE",
    "EmergencyCategory",
    "EmergencyHit",
    "EmergencyKind",
    "EmergencyLevel",
    "Lowering",
    "check_emergency",
    "emergency_in",
    "emergency_net",
    "fold_for_matching",
    "open_to_classifier",
    "parse_net",
    "prepare_safety_net",
    "routine_request",
]

_TIMED_AWAY = ("not_now", "background", "over", "lasting", "mild")
"""The cue lists that keep the classifier quiet (see `open_to_classifier`)."""
_CLASSIFIER_WORDS = 5
CLASSIFIER_PHRASE = "(classifieur)"
"""The `phrase` of a hit raised by the classifier alone: no rule matched, and the caller's own
words are never put there."""


@dataclass(frozen=True, slots=True)
class EmergencyHit:
    """An emergency sign found in a transcript.

    Attributes:
        category: The highest-priority category found at the hit's level.
        kind: Which answer it calls for.
        phrase: The rule that matched, as written in the YAML file (never the caller's words,
            so it may be logged).
        level: Certain (answer at once) or possible (ask first).
        negated: A negation lowered it ("pas de douleur dans la poitrine").
        categories: Every category found at that level (e.g. poisoning and suicidal together).
        lowered: Why the rule's own level was lowered, if it was.
        raised: The classifier, sure of an emergency, raised the rules' question to the
            emergency answer at once.
    """

    category: EmergencyCategory
    kind: EmergencyKind
    phrase: str
    level: EmergencyLevel = EmergencyLevel.CERTAIN
    negated: bool = False
    categories: frozenset[EmergencyCategory] = frozenset()
    lowered: tuple[Lowering, ...] = ()
    raised: bool = False

    @property
    def certain(self) -> bool:
        """Whether the emergency answer is due at once."""
        return self.level is EmergencyLevel.CERTAIN


def check_emergency(text: str, *, doubt: bool = True) -> EmergencyHit | None:
    """Look for an emergency in one caller turn.

    Args:
        text: Recognizer or typed text, as received or normalised.
        doubt: Whether the classifier's doubt (a score short of sure) may ask the question.
            Not in the answer to a question for a name, a date of birth or a number: letter
            groups read « il s'appelle » as in « il sait plus comment il s'appelle ». Sure, the
            classifier still answers at once there, and the rules weigh every turn.

    Returns:
        The hit, or None when nothing (or only a sign lowered below "possible") was said.
    """
    # Numbers as digits whatever the mode: the assistant hands the net "en 1960", message
    # taking "en mille neuf cent soixante", and a cue may read only one of them.
    said = normalize_transcript(text)
    utterance = Utterance(said)
    if not utterance.words:
        return None
    reading = _read_rules(utterance)
    found = reading.hit
    if (found is not None and found.certain) or not _open_to_classifier(utterance):
        return found
    # The rules are the reviewable floor; the classifier adds to them, never takes away.
    opinion = classifier_opinion(said)
    if opinion is None:
        return found
    # Letter groups do not read a negation: in a turn where the caller denied a sign ("il a pas
    # de fièvre"), they read the sign, so the classifier may ask but never answers at once.
    sure = opinion.sure and not reading.denied
    if not (sure or doubt):
        return found
    if found is not None:
        return replace(found, level=EmergencyLevel.CERTAIN, raised=True) if sure else found
    category = (
        EmergencyCategory.SUICIDAL
        if opinion.kind is EmergencyKind.SUICIDAL
        else EmergencyCategory.GENERAL
    )
    return EmergencyHit(
        category=category,
        kind=opinion.kind,
        phrase=CLASSIFIER_PHRASE,
        level=EmergencyLevel.CERTAIN if sure else EmergencyLevel.POSSIBLE,
        categories=frozenset({category}),
    )


@dataclass(frozen=True, slots=True)
class _RulesReading:
    hit: EmergencyHit | None
    """What the rules find at "possible" or above (None: nothing)."""
    denied: bool
    """A sign of some rule was said with a negation, whatever level that left it."""


def _rules_verdict(text: str) -> EmergencyHit | None:
    """What the rules of the YAML file alone find in ``text`` (None: nothing at "possible")."""
    return _read_rules(Utterance(normalize_transcript(text))).hit


def denies_a_sign(text: str) -> bool:
    """Whether the caller denies a sign the rules know ("il a pas de fièvre"): where the
    classifier may ask, never answer at once."""
    return _read_rules(Utterance(normalize_transcript(text))).denied


@dataclass(frozen=True, slots=True)
class _Said:
    """A rule of a category said in the utterance, before the context weighs on it."""

    order: int
    """The category's place in the file (the earlier wins a tie)."""
    entry: CategoryRules
    base: EmergencyLevel
    rule: Rule
    asked: bool
    """From ``always_asked``: never lowered below the question but by a denial or a past."""
    matches: list[tuple[Span, tuple[Span, ...], bool]]
    """Where it is said: the whole, its parts, and whether an exclusion takes it."""


def _read_rules(utterance: Utterance) -> _RulesReading:
    net = emergency_net()
    context = SignContext(net, utterance)
    found: list[tuple[EmergencyLevel, int, CategoryRules, Rule, bool, tuple[Lowering, ...]]] = []
    denied = False
    # Every sign first, then how much each counts: a mild word said after a sign, in another
    # clause, measures the sign nearest to it ("tout dur et je perds un peu de sang").
    said: list[_Said] = []
    for order, entry in enumerate(net.categories):
        blocked = [*context.blocked, *(s for r in entry.excludes for s in r.spans(utterance))]
        for base, rules, asked in (
            (EmergencyLevel.CERTAIN, entry.certain, False),
            (EmergencyLevel.POSSIBLE, entry.possible, False),
            (EmergencyLevel.CERTAIN, entry.always_asked, True),
        ):
            for rule in rules:
                matches = [
                    (whole, parts, any(whole.overlaps(b) for b in blocked))
                    for whole, parts in rule.find(utterance, context.affirmed)
                ]
                if matches:
                    said.append(_Said(order, entry, base, rule, asked, matches))
    signs = [whole for one in said for whole, _, out in one.matches if not out]
    for one in said:
        entry, base = one.entry, one.base
        # Where a rule is said more than once, the place it counts most is kept: "pour
        # le cœur" lowered as past does not hide "et il est tout bizarre" said now.
        best_here: tuple[int, tuple[Lowering, ...]] | None = None
        for whole, parts, out in one.matches:
            reasons = context.lowering(whole, parts, entry.lowered_by, signs)
            # Denied, a sign stays denied where an exclusion takes it ("bébé … pas de
            # fièvre"): the classifier's letter groups still read it.
            denied = denied or Lowering.NEGATED in reasons
            if out:
                continue
            level = base - len(reasons)
            if entry.floor is not None:
                level = max(level, entry.floor)
            if one.asked and not {Lowering.NEGATED, Lowering.NOT_NOW, Lowering.OVER} & set(reasons):
                level = max(level, EmergencyLevel.POSSIBLE)
            if level >= EmergencyLevel.POSSIBLE and (best_here is None or level > best_here[0]):
                best_here = (level, reasons)
                if level == base:
                    break
        if best_here is not None:
            level, reasons = best_here
            negated = Lowering.NEGATED in reasons
            found.append((EmergencyLevel(level), one.order, entry, one.rule, negated, reasons))
    if not found:
        return _RulesReading(None, denied)
    best = max(found, key=lambda f: (f[0], -f[1]))
    level, _, entry, rule, negated, reasons = best
    hit = EmergencyHit(
        category=entry.category,
        kind=entry.kind,
        phrase=rule.text,
        level=level,
        negated=negated,
        categories=frozenset(f[2].category for f in found if f[0] is level),
        lowered=reasons,
    )
    return _RulesReading(hit, denied)


def open_to_classifier(text: str) -> bool:
    """Whether the classifier may weigh ``text``: not a turn of fewer than `_CLASSIFIER_WORDS`
    words, nor one holding a figure of speech of the file ("mort de rire"), nor one whose cues say
    that what is told is past, over, lasting or mild ("il y a trois ans", "ça va mieux", "depuis
    deux jours", "un peu") unless a cue says it is happening now ("depuis une heure")."""
    # Letter groups know what is said, not when nor how seriously: the rules' cues do, and they
    # stay reviewable. A word or two is too little for letter groups; the rules judge those.
    return _open_to_classifier(Utterance(normalize_transcript(text)))


def _open_to_classifier(utterance: Utterance) -> bool:
    if len(utterance.words) < _CLASSIFIER_WORDS:
        return False
    net = emergency_net()
    if any(rule.spans(utterance) for rule in net.not_emergencies):
        return False
    cues = net.cue_spans(utterance)
    if cues["acute"]:
        return True
    return not any(cues[name] for name in _TIMED_AWAY)


def emergency_in(text: str) -> EmergencyLevel | None:
    """How sure the net is that ``text`` describes an emergency (None: it does not).

    A pure function for channels that must decide without a conversation, e.g. the voice
    channel on the partial words of a long utterance.
    """
    hit = check_emergency(text)
    return hit.level if hit is not None else None


def routine_request(text: str) -> bool:
    """Whether ``text`` asks for something routine (a renewal, an appointment, a certificate:
    the file's `lowering.routine` cues)."""
    utterance = Utterance(text)
    return any(rule.spans(utterance) for rule in emergency_net().cues["routine"])


def fold_for_matching(text: str) -> str:
    """The words the rules are matched against, separated by single spaces."""
    return " ".join(fold_words(text))


def prepare_safety_net() -> None:
    """Compile the rule file and train the classifier now: both are kept for the process, and
    a caller's first words must not wait for them (about 0.4 s, on the event loop)."""
    emergency_net()
    safety_model()
