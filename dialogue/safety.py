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

from collections.abc import Sequence
from dataclasses import dataclass, replace

from dialogue.french.normalize import normalize_transcript
from dialogue.safety_model import classifier_opinion, safety_model
from dialogue.safety_net import (
    PHRASES_FILE,
    CategoryRules,
    EmergencyCategory,
    EmergencyKind,
    EmergencyLevel,
    EmergencyNet,
    Lowering,
    emergency_net,
    parse_net,
)
from dialogue.safety_rules import Rule, Span, Utterance, fold_words, negative_words

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

_TIMED_AWAY = ("not_now", "over", "lasting", "mild")
"""The cue lists that keep the classifier quiet (see `open_to_classifier`)."""
_CLASSIFIER_WORDS = 5
_MILD_REACH = 3
"""A mild word lowers a sign it is part of, or at most this many words away from."""
_SINCE_REACH = 1
"""A "since" cue ("depuis son", "suite à mon") makes past the event it introduces, said right
after it ("depuis son AVC", "depuis son gros AVC"), not a sign said before it, which is
happening since then ("elle saigne depuis son opération")."""

_DENIAL_REACH = 2
"""A negation denies the context of a sign (who or what it is about) only this close before it:
"je suis pas allergique", not "il a pas de fièvre mon bébé ne boit plus"."""

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


def check_emergency(text: str) -> EmergencyHit | None:
    """Look for an emergency in one caller turn.

    Args:
        text: Recognizer or typed text, as received or normalised.

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


def _read_rules(utterance: Utterance) -> _RulesReading:
    net = emergency_net()
    context = _Context(net, utterance)
    found: list[tuple[EmergencyLevel, int, CategoryRules, Rule, bool, tuple[Lowering, ...]]] = []
    denied = False
    for order, entry in enumerate(net.categories):
        blocked = [*context.blocked, *(s for r in entry.excludes for s in r.spans(utterance))]
        for base, rules, asked in (
            (EmergencyLevel.CERTAIN, entry.certain, False),
            (EmergencyLevel.POSSIBLE, entry.possible, False),
            (EmergencyLevel.CERTAIN, entry.always_asked, True),
        ):
            for rule in rules:
                # Where a rule is said more than once, the place it counts most is kept: "pour
                # le cœur" lowered as past does not hide "et il est tout bizarre" said now.
                best_here: tuple[int, tuple[Lowering, ...]] | None = None
                for whole, parts in rule.find(utterance, context.affirmed):
                    if any(whole.overlaps(b) for b in blocked):
                        continue
                    reasons = context.lowering(whole, parts, entry.lowered_by)
                    denied = denied or Lowering.NEGATED in reasons
                    level = base - len(reasons)
                    if entry.floor is not None:
                        level = max(level, entry.floor)
                    if asked and not {Lowering.NEGATED, Lowering.NOT_NOW} & set(reasons):
                        level = max(level, EmergencyLevel.POSSIBLE)
                    if level >= EmergencyLevel.POSSIBLE and (
                        best_here is None or level > best_here[0]
                    ):
                        best_here = (level, reasons)
                        if level == base:
                            break
                if best_here is not None:
                    level, reasons = best_here
                    negated = Lowering.NEGATED in reasons
                    found.append((EmergencyLevel(level), order, entry, rule, negated, reasons))
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


class _Context:
    """What in an utterance weighs on every sign found in it (computed once per utterance)."""

    def __init__(self, net: EmergencyNet, utterance: Utterance) -> None:
        self._net = net
        self._utterance = utterance
        self.blocked = [s for r in net.not_emergencies for s in r.spans(utterance)]
        kept = [s for r in net.not_negations for s in r.spans(utterance)]
        self._negators = [
            (i, word in net.verb_negators)
            for i, word in enumerate(utterance.words)
            if (word in net.negators or word in net.verb_negators)
            and not any(s.first <= i < s.end for s in kept)
        ]
        self._cues = net.cue_spans(utterance)
        self._breaks = [s for r in net.cue_breaks for s in r.spans(utterance)]

    def affirmed(self, said: Span) -> bool:
        """Whether the context of a sign is said without a denial right before it: "je suis pas
        allergique", "elle est plus enceinte", "aucune allergie" take the context away, whereas
        a sign keeps its level one step down (a caller in distress denies and affirms at once)."""
        return not any(
            said.first - _DENIAL_REACH <= index < said.first
            and not any(word in self._net.clause_breaks
                        for word in self._utterance.words[index + 1 : said.first])
            for index, _ in self._negators
        )

    def lowering(
        self, whole: Span, parts: Sequence[Span], allowed: frozenset[Lowering]
    ) -> tuple[Lowering, ...]:
        """Why a sign found at ``whole`` (its parts at ``parts``) counts one step less, each
        (only the ``allowed`` reasons)."""
        found = {
            Lowering.NEGATED: self._negated(whole, parts),
            Lowering.NOT_NOW: self._earlier(whole, "not_now")
            or self._introduced(parts)
            or self._over(whole),
            Lowering.LASTING: self._earlier(whole, "lasting"),
            # An absence ("il répond plus") has no degree: "un peu bizarre, il répond plus".
            Lowering.MILD: not negative_words(self._utterance, parts)
            and any(self._mild_of(whole, cue) for cue in self._cues["mild"]),
        }
        reasons = [reason for reason, present in found.items() if present and reason in allowed]
        if reasons and Lowering.ROUTINE in allowed and self._cues["routine"]:
            reasons.append(Lowering.ROUTINE)
        return tuple(reasons)

    def _mild_of(self, whole: Span, cue: Span) -> bool:
        """Whether a mild word is said of the sign: close to it and, said before it, in its
        clause ("j'ai un peu peur il a mal à la poitrine": the fear is mild, not the pain; but
        "il est tombé il a une petite plaie" tells how the fall went)."""
        if whole.distance(cue) > _MILD_REACH:
            return False
        between = self._utterance.words[cue.end : whole.first]
        return not any(word in self._net.clause_breaks for word in between)

    def _negated(self, whole: Span, parts: Sequence[Span]) -> bool:
        if negative_words(self._utterance, parts):
            return False
        words = self._utterance.words
        start = max(0, whole.first - self._net.negation_window)
        for index in range(whole.first - 1, start - 1, -1):
            if words[index] in self._net.clause_breaks:
                start = index + 1
                break
        in_parts = {i for p in parts for i in range(p.first, p.end)}
        for index, verbal in self._negators:
            if not (
                start <= index < whole.first
                or (whole.first < index < whole.end and index not in in_parts)
            ):
                continue
            # "pas" and "plus" follow the verb they deny: "il ne pleure plus, il gémit" denies
            # the crying, not the moaning; they deny the sign when it, or "de", "la"…, follows.
            follower = index + 1
            if (
                not verbal
                or follower in in_parts
                or (follower < len(words) and words[follower] in self._net.negation_openers)
            ):
                return True
        # Only a sign said in one piece: in "il tremble de partout et il répond plus" the rule's
        # "répond" stands for the absence that "plus" completes.
        return len(parts) == 1 and self._denied_after(parts[0].end, in_parts)

    def _denied_after(self, at: int, in_parts: set[int]) -> bool:
        """Whether "pas" or "plus" at ``at``, right after a part of the sign, denies it: spoken
        French drops the "ne" ("elle saigne pas", "il vomit plus"), unless a degree or a
        comparison follows ("saigne pas beaucoup", "saigne plus fort")."""
        words = self._utterance.words
        if at >= len(words) or at in in_parts or not any(
            i == at and verbal for i, verbal in self._negators
        ):
            return False
        # A rule may name a sign by the verb whose absence it is ("répond" for "répond pas").
        said = words[at - 1]
        if any(said.startswith(stem) for stem in self._net.absence_stems):
            return False
        follower = words[at + 1] if at + 1 < len(words) else None
        if follower in self._net.after_sign_unless:
            return False
        if words[at] == "plus":
            # "plus" also compares ("saigne plus abondamment"): a denial only at a clause's end.
            return follower is None or follower in self._net.clause_breaks or (
                follower in self._net.plus_after_sign_before)
        return True

    def _introduced(self, parts: Sequence[Span]) -> bool:
        """Whether the sign is the past event a "since" cue introduces ("depuis son AVC")."""
        # Weighed part by part: in "mal au crâne depuis qu'on a allumé le chauffage" the cue
        # stands between two parts of the sign and introduces neither; in "un pacemaker depuis
        # son malaise" it introduces the end of one part.
        return any(
            cue.end < part.end and max(0, part.first - cue.end) <= _SINCE_REACH
            for cue in self._cues["since"]
            for part in parts
        )

    def _earlier(self, whole: Span, cues: str) -> bool:
        """Whether a past (or lasting) cue is nearer the sign than any "now" cue."""
        past = self._distances(whole, self._cues[cues])
        now = self._distances(whole, self._cues["acute"])
        nearest_past = min(past, default=None)
        nearest_now = min(now, default=None)
        return nearest_past is not None and (nearest_now is None or nearest_past < nearest_now)

    def _over(self, whole: Span) -> bool:
        """Whether a cue that it is over ("ça s'est arrêté") is said in the sign's own clause."""
        # Said after the sign, it is about it ("il a fait un malaise il faisait chaud il va
        # bien"). Said before it, spoken without punctuation, a new subject starts another
        # clause: in "il a convulsé ça s'est arrêté il se réveille pas" what stopped is the fit,
        # not the waking. (Not so for a past cue: "l'an dernier il a fait un infarctus" dates
        # the infarction.)
        return bool(self._distances(whole, self._cues["over"], new_subject_breaks=True))

    def _distances(
        self, whole: Span, cues: Sequence[Span], *, new_subject_breaks: bool = False
    ) -> list[int]:
        """How far each cue is from the sign, for the cues in reach and in its clause (with
        ``new_subject_breaks``, a subject pronoun between a cue and the sign after it also ends
        the clause)."""
        found = []
        words = self._utterance.words
        for cue in cues:
            distance = whole.distance(cue)
            if distance > self._net.cue_window:
                continue
            gap = Span(min(whole.end, cue.end), max(whole.first, cue.first))
            if gap.end > gap.first and any(
                gap.first <= b.first and b.end <= gap.end for b in self._breaks
            ):
                continue
            between = words[gap.first : gap.end]
            if (
                new_subject_breaks
                and cue.end <= whole.first
                and any(w in self._net.clause_breaks for w in between)
            ):
                continue
            found.append(distance)
        return found


def prepare_safety_net() -> None:
    """Compile the rule file and train the classifier now: both are kept for the process, and
    a caller's first words must not wait for them (about 0.4 s, on the event loop)."""
    emergency_net()
    safety_model()
