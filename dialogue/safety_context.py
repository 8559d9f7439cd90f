"""What in an utterance weighs on every emergency sign found in it: negations, cues that it is
past, over, lasting, mild or happening now, and a routine request (see the levels in
`emergency_phrases.fr.yaml`). `dialogue.safety` finds the signs; this module says how much each
one counts."""

from __future__ import annotations

from collections.abc import Sequence

from dialogue.safety_net import EmergencyNet, Lowering
from dialogue.safety_rules import Span, Utterance, negative_words

_MILD_REACH = 3
"""A mild word lowers a sign it is part of, or at most this many words away from."""
_SINCE_REACH = 1
"""A "since" cue ("depuis son", "suite à mon") makes past the event it introduces, said right
after it ("depuis son AVC", "depuis son gros AVC"), not a sign said before it, which is
happening since then ("elle saigne depuis son opération")."""

_PAST = ("not_now", "background", "since")
"""The cue lists that say a sign is past, or a condition already known."""

_DENIAL_REACH = 2
"""A negation denies the context of a sign (who or what it is about) only this close before it:
"je suis pas allergique", not "il a pas de fièvre mon bébé ne boit plus"."""


class SignContext:
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
        cues = net.cue_spans(utterance)
        # Words are weighed once: « séquelles » is past and lasting, not two steps down.
        past = [s for name in _PAST for s in cues[name]]
        cues["lasting"] = [s for s in cues["lasting"] if not any(s.overlaps(p) for p in past)]
        # A "now" that says it is over is the now of a recovery, not of the sign: in « l'an
        # dernier il parlait plus, maintenant ça va » the year still dates the sign.
        over = cues["over"]
        cues["acute"] = [s for s in cues["acute"] if not any(s.overlaps(o) for o in over)]
        self._cues = cues
        self._breaks = [s for r in net.cue_breaks for s in r.spans(utterance)]

    def affirmed(self, said: Span) -> bool:
        """Whether the context of a sign is said without a denial right before it: "je suis pas
        allergique", "elle est plus enceinte", "aucune allergie" take the context away, whereas
        a sign keeps its level one step down (a caller in distress denies and affirms at once)."""
        return not any(
            said.first - _DENIAL_REACH <= index < said.first
            and not self._clause_break(index + 1, said.first)
            for index, _ in self._negators
        )

    def _clause_break(self, start: int, end: int) -> bool:
        """Whether a word that ends a clause ("et", "mais", a subject pronoun…) is said
        between word positions ``start`` and ``end``."""
        return any(word in self._net.clause_breaks for word in self._utterance.words[start:end])

    def lowering(
        self,
        whole: Span,
        parts: Sequence[Span],
        allowed: frozenset[Lowering],
        others: Sequence[Span] = (),
    ) -> tuple[Lowering, ...]:
        """Why a sign found at ``whole`` (its parts at ``parts``) counts one step less, each
        (only the ``allowed`` reasons); ``others`` are the other signs found in the utterance."""
        past_here = (
            self._earlier(whole, "not_now")
            or self._earlier(whole, "background", breaks=self._net.subjects)
            or self._introduced(parts)
        )
        over = self._over(whole)
        # A condition or a subject told before a new subject frames what that subject reports:
        # one step down, to the question, and no further for a routine request besides.
        framed = not (past_here or over) and self._earlier(whole, "background")
        found = {
            Lowering.NEGATED: self._negated(whole, parts),
            Lowering.NOT_NOW: past_here or framed,
            # Past and over are one step, not two: « il y a deux ans, ça s'est arrêté ».
            Lowering.OVER: over and not past_here,
            Lowering.LASTING: self._earlier(whole, "lasting"),
            # An absence ("il répond plus") has no degree: "un peu bizarre, il répond plus".
            Lowering.MILD: not negative_words(self._utterance, parts)
            and any(self._mild_of(whole, cue, others) for cue in self._cues["mild"]),
        }
        reasons = [reason for reason, present in found.items() if present and reason in allowed]
        weighed = [r for r in reasons if not (framed and r is Lowering.NOT_NOW)]
        if weighed and Lowering.ROUTINE in allowed and self._cues["routine"]:
            reasons.append(Lowering.ROUTINE)
        return tuple(reasons)

    def _mild_of(self, whole: Span, cue: Span, others: Sequence[Span]) -> bool:
        """Whether a mild word is said of the sign: close to it and, said before it, in its
        clause ("j'ai un peu peur il a mal à la poitrine": the fear is mild, not the pain; but
        "il est tombé il a une petite plaie" tells how the fall went). Said after it in another
        clause, it measures the sign nearer to it, if there is one: in "le ventre est tout dur
        et je perds un peu de sang" the blood is little, the hard belly is not."""
        distance = whole.distance(cue)
        if distance > _MILD_REACH:
            return False
        if cue.end <= whole.first:
            return not self._clause_break(cue.end, whole.first)
        if not self._clause_break(whole.end, cue.first):
            return True
        return not any(
            not other.overlaps(whole) and other.distance(cue) < distance for other in others
        )

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

    def _earlier(self, whole: Span, cues: str, *, breaks: frozenset[str] = frozenset()) -> bool:
        """Whether a past (or lasting) cue is nearer the sign than any "now" cue (a cue said
        before the sign counts only where none of the ``breaks`` is said between them)."""
        past = self._distances(whole, self._cues[cues], breaks=breaks)
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
        return bool(self._distances(whole, self._cues["over"], breaks=self._net.clause_breaks))

    def _distances(
        self, whole: Span, cues: Sequence[Span], *, breaks: frozenset[str] = frozenset()
    ) -> list[int]:
        """How far each cue is from the sign, for the cues in reach and in its clause (one of
        the ``breaks`` between a cue and the sign after it also ends the clause)."""
        found = []
        for cue in cues:
            distance = whole.distance(cue)
            if distance > self._net.cue_window:
                continue
            gap = Span(min(whole.end, cue.end), max(whole.first, cue.first))
            if gap.end > gap.first and any(
                gap.first <= b.first and b.end <= gap.end for b in self._breaks
            ):
                continue
            if cue.end <= whole.first and not breaks.isdisjoint(
                self._utterance.words[gap.first:gap.end]
            ):
                continue
            found.append(distance)
        return found
