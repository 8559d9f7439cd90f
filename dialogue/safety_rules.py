"""The rule language of the emergency net (`emergency_phrases.fr.yaml`): compiling and finding.

A rule is one or more parts joined by `` + `` (said in any order, close together), in segments
joined by `` & `` (each anywhere in the utterance: who it is about, "mon bébé", is often said
long before what happens to them; the last segment is the sign itself); a part is a
sequence of word slots (``a|b``, ``word?``, ``stem*``, ``#``, ``@group``) and gaps (``…``). The
syntax is documented at the top of the YAML file, for its reviewers; this module only makes it
run. Everything is matched on folded words (`fold_words`), so the file is written without
accents or apostrophes and a recognizer's or a typist's text is read the same way.

A finding is a `Span` of word positions, so the net can reason in words: how far a negation or
a "il y a deux ans" is from a sign, whether an exclusion overlaps it.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from dialogue.french.normalize import fold_accents, is_filler, normalize_transcript

GAP_WORDS = 4
"""What ``…`` stands for: zero to this many other words."""
PART_WINDOW = 8
"""Parts of an ``A + B`` rule: at most this many other words between them."""
NEGATIVE_WORDS = frozenset(
    {"ne", "n", "pas", "plus", "rien", "jamais", "sans", "aucun", "aucune", "ni"}
)
_GAP_TOKENS = frozenset({"…", "..."})
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_SUFFIX = "(?:e|s|es|x)?"
_VERB_ENDINGS = "(?:er|ers|e|es|ee|ees|ez|ait|ais|aient)"
"""The forms an -er word is also read as: the verb's that sound like it, and a noun's plural
("courriers", "dossiers")."""
_E_ENDINGS = "(?:e|es|ee|ees|ex|ent|ait|ais|aient|ant|ez|er)"
_CONJUGATED = 5
"""A word of at least this many letters ending in "e" also matches its verb forms."""
_MAX_SPANS = 12
"""Findings kept per part: enough for any utterance, and the combinations stay few."""


class RuleError(ValueError):
    """A rule that cannot be read; the message names the rule and why."""


def fold_words(text: str) -> list[str]:
    """Lowercase, unaccented, punctuation-free words without hesitations.

    Args:
        text: Any text (recognizer output, typed text, a rule of the YAML file).

    Returns:
        The words, in order ("Euh, J'AI mal !" → ["j", "ai", "mal"]).
    """
    words = _NOT_ALNUM.sub(" ", fold_accents(text.lower())).split()
    return [word for word in words if not is_filler(word)]


@dataclass(frozen=True, slots=True)
class Span:
    """Words ``first`` to ``end - 1`` of an utterance."""

    first: int
    end: int

    def overlaps(self, other: Span) -> bool:
        """Whether the two share a word."""
        return self.first < other.end and other.first < self.end

    def distance(self, other: Span) -> int:
        """Words between the two (0 when they touch or overlap)."""
        return max(0, other.first - self.end, self.first - other.end)


_BLOW_NAMED_BY = frozenset(
    {"cause", "suite", "violence", "force", "moment", "endroit", "marque", "trace", "effet", "sous"}
)
"""Words after which « du coup » is a blow (« à cause du coup »), not the filler « so »."""


def _without_du_coup(words: list[str]) -> list[str]:
    # « du coup » ("so") opens half of spoken sentences; read as a blow, « il a la gastro du
    # coup il a mal à la tête et il vomit » was a head injury. A blow keeps its « de » (« du
    # coup de poing ») or a word that names it (« à cause du coup »).
    kept: list[str] = []
    at = 0
    while at < len(words):
        filler = (
            words[at : at + 2] == ["du", "coup"]
            and (at + 2 == len(words) or words[at + 2] not in {"de", "d"})
            and (at == 0 or words[at - 1] not in _BLOW_NAMED_BY)
        )
        if filler:
            at += 2
            continue
        kept.append(words[at])
        at += 1
    return kept


class Utterance:
    """An utterance's folded words, as the rules read them (« du coup » said as « so » left out)."""

    def __init__(self, text: str) -> None:
        self.words = _without_du_coup(fold_words(text))
        self.padded = " " + " ".join(self.words) + " "
        self._starts = list(itertools.accumulate((len(w) + 1 for w in self.words), initial=1))
        self.prefixes = frozenset(w[:n] for w in self.words for n in range(1, len(w) + 1))
        """Every beginning of every word: a rule whose first word begins none is not said."""

    def span(self, start: int, end: int) -> Span:
        """The words covered by characters ``start``..``end`` of `padded`."""
        return Span(bisect_right(self._starts, start) - 1, bisect_right(self._starts, end - 1))


@dataclass(frozen=True, slots=True)
class Rule:
    """One compiled rule of the file."""

    text: str
    """As written in the file (it may be logged: it holds none of the caller's words)."""
    parts: tuple[re.Pattern[str], ...]
    segments: tuple[tuple[int, ...], ...] = ((0,),)
    """The parts said close together (``A + B``), segment by segment (``… & …``): the context
    segments first (who it is about), the sign last."""
    anchors: tuple[frozenset[str] | None, ...] = ()
    """Per part, how its first word may begin (None: anyhow); a cheap test before the search."""

    def find(
        self, utterance: Utterance, holds: Callable[[Span], bool] | None = None
    ) -> list[tuple[Span, tuple[Span, ...]]]:
        """Where the rule's sign is said (its last segment: the whole span and each part's,
        narrowest first), when its context segments are said elsewhere in the utterance (and,
        with ``holds``, where it accepts them: "pas allergique" is no allergy)."""
        for anchor in self.anchors:
            if anchor is not None and anchor.isdisjoint(utterance.prefixes):
                return []
        found = []
        for part in self.parts:
            spans = [utterance.span(m.start(1), m.end(1)) for m in part.finditer(utterance.padded)]
            if not spans:
                return []
            found.append(spans[:_MAX_SPANS])
        said = [_close_together([found[i] for i in segment]) for segment in self.segments]
        *context, sign = said
        return [
            (whole, parts)
            for whole, parts in sign
            if all(
                any(not other.overlaps(whole) and (holds is None or holds(other))
                    for other, _ in hits)
                for hits in context
            )
        ]

    def spans(self, utterance: Utterance) -> list[Span]:
        """Only the whole spans of `find`."""
        return [whole for whole, _ in self.find(utterance)]


def _close_together(found: list[list[Span]]) -> list[tuple[Span, tuple[Span, ...]]]:
    """The ways the parts are said apart from each other and close together, narrowest first."""
    if len(found) == 1:
        return [(span, (span,)) for span in found[0]]
    hits = []
    for combo in itertools.product(*found):
        ordered = sorted(combo, key=lambda s: s.first)
        if any(a.end > b.first for a, b in itertools.pairwise(ordered)):
            continue
        whole = Span(ordered[0].first, ordered[-1].end)
        between = (whole.end - whole.first) - sum(s.end - s.first for s in ordered)
        if between <= PART_WINDOW:
            hits.append((whole, combo))
    return sorted(hits, key=lambda hit: hit[0].end - hit[0].first)


class Compiler:
    """Compiles rules against the file's word groups (``@name``)."""

    def __init__(self, groups: Mapping[str, Sequence[str]]) -> None:
        self._raw = {name: list(entries) for name, entries in groups.items()}
        self._compiled: dict[str, str] = {}
        self._anchors: dict[str, frozenset[str] | None] = {}
        self._compiling: set[str] = set()

    def rule(self, text: str) -> Rule:
        """Compile one rule (``A & B + C``: segments of parts of word sequences).

        Raises:
            RuleError: Empty part, unknown group, or a part without a word that must be said.
        """
        if not isinstance(text, str) or not text.strip():
            raise RuleError(f"empty rule {text!r}")
        if {"+", "&"} & {text.split()[0], text.split()[-1]}:
            # YAML cuts an unquoted rule at " #" (a comment): "a + #|deux b" arrives as "a +".
            raise RuleError(
                f"rule {text!r}: '+' and '&' need a part on each side (in the YAML file, a '#' "
                "after a space starts a comment: quote a rule that holds one)"
            )
        parts: list[re.Pattern[str]] = []
        anchors: list[frozenset[str] | None] = []
        segments: list[tuple[int, ...]] = []
        for segment in text.split(" & "):
            indexes = []
            for part in segment.split(" + "):
                body = self.sequence(part, text)
                indexes.append(len(parts))
                parts.append(re.compile(f"(?= ({body}))"))
                anchors.append(self._first_words(part))
            segments.append(tuple(indexes))
        return Rule(
            text=text, parts=tuple(parts), segments=tuple(segments), anchors=tuple(anchors)
        )

    def _first_words(self, part: str) -> frozenset[str] | None:
        """How the first word a part needs may begin (None when it is not known: digits, an
        optional or gap first)."""
        tokens = _tokens(part)
        if not tokens or tokens[0] in _GAP_TOKENS or tokens[0].endswith("?"):
            return None
        beginnings: set[str] = set()
        for choice in tokens[0].split("|"):
            if choice.startswith("@"):
                found = self._anchors.get(choice[1:])
                if found is None:
                    return None
                beginnings |= found
                continue
            core = choice.rstrip("*!")
            if "#" in core or not core:
                return None
            if _sounds_like_verb(choice):
                core = core[:-2]
            elif not choice.endswith("!") and _conjugates(core):
                core = core[:-1]
            beginnings.add(core)
        return frozenset(beginnings)

    def sequence(self, part: str, rule: str) -> str:
        """The expression of one part: its slots one after the other, each with its space."""
        tokens = _tokens(part)
        if not any(t not in _GAP_TOKENS and not t.endswith("?") for t in tokens):
            raise RuleError(f"rule {rule!r}: {part!r} has no word that must be said")
        for before, after in itertools.pairwise(tokens):
            # "depuis hier|avant hier" reads "depuis (hier|avant) hier": a slant bar takes one
            # word each side, so a word repeated next to its slot is a reviewer's trap.
            left, right = before.rstrip("?").split("|"), after.rstrip("?").split("|")
            shared = len(left) > 1 and len(right) > 1 and set(left) & set(right)
            if (len(left) > 1 and after in left) or (len(right) > 1 and before in right) or shared:
                raise RuleError(
                    f"rule {rule!r}: {before} {after}: a|b takes one word each side; put longer "
                    "alternatives in a word group or in separate rules"
                )
        pieces = []
        for token in tokens:
            if token in _GAP_TOKENS:
                pieces.append(rf"(?:\S+ ){{0,{GAP_WORDS}}}?")
                continue
            optional = token.endswith("?")
            choices = [self._choice(c, rule) for c in token.rstrip("?").split("|") if c]
            if not choices:
                raise RuleError(f"rule {rule!r}: empty word slot in {part!r}")
            slot = "(?:" + "|".join(choices) + ")"
            pieces.append(f"{slot}?" if optional else slot)
        return "".join(pieces)

    def _choice(self, word: str, rule: str) -> str:
        if word.startswith("@"):
            return self._group(word[1:], rule)
        stem, exact = word.endswith("*"), word.endswith("!")
        core = word.rstrip("*!")
        if not core:
            raise RuleError(f"rule {rule!r}: a lone '*' or '!'")
        # A caller's "deux" reaches the rules as "2" (`normalize_transcript`): a number word
        # in a rule would silently never match (a stem, "cent*", may still begin "centre").
        digits = None if stem else _said_in_digits(core)
        if digits is not None:
            raise RuleError(
                f"rule {rule!r}: {core!r} reaches the rules as {digits!r} (numbers are "
                "matched in digits): write it so"
            )
        expression = re.escape(core).replace(r"\#", r"\d+").replace("#", r"\d+")
        if stem and _conjugates(core):
            # "gonfle*" (gonflé, gonflée…) also reads "gonflait", "gonflent", "gonfler", not
            # every word that begins "gonfl".
            return f"(?:{expression}|{re.escape(core[:-1])}{_E_ENDINGS})" + r"\S* "
        if stem:
            return expression + r"\S* "
        if _sounds_like_verb(word):
            # Recognizers write "respiré" for "respirer" (they sound alike): any -er verb form
            # that sounds like it.
            return re.escape(core[:-2]) + _VERB_ENDINGS + " "
        if not exact and _conjugates(core):
            # "tremble" is also said "tremblait", "tremblent", "trembler": the other forms of
            # a verb written as its present (a noun gains nothing it could be mistaken for).
            return re.escape(core[:-1]) + _E_ENDINGS + " "
        if not exact and len(core) >= 4 and core.isalpha():
            return expression + _SUFFIX + " "
        return expression + " "

    def _group(self, name: str, rule: str) -> str:
        if name in self._compiled:
            return self._compiled[name]
        if name not in self._raw:
            raise RuleError(f"rule {rule!r}: unknown word group @{name}")
        if name in self._compiling:
            raise RuleError(f"word group @{name} contains itself")
        self._compiling.add(name)
        entries = [self.sequence(str(entry), f"@{name}: {entry}") for entry in self._raw[name]]
        self._compiling.discard(name)
        if not entries:
            raise RuleError(f"word group @{name} is empty")
        self._compiled[name] = "(?:" + "|".join(entries) + ")"
        firsts = [self._first_words(str(entry)) for entry in self._raw[name]]
        known = [first for first in firsts if first is not None]
        self._anchors[name] = frozenset().union(*known) if len(known) == len(firsts) else None
        return self._compiled[name]

    def check_groups(self) -> None:
        """Compile every group once, so a broken one is reported even when unused."""
        for name in self._raw:
            self._group(name, f"@{name}")


def _sounds_like_verb(word: str) -> bool:
    """An -er verb written plainly: it also matches the forms that sound like it."""
    return len(word) >= 5 and word.isalpha() and word.endswith("er")


def _conjugates(core: str) -> bool:
    """A word written as a verb's present or past participle ("tremble", "gonfle"): it also
    reads as the verb's other forms (see `_E_ENDINGS`)."""
    return len(core) >= _CONJUGATED and core.isalpha() and core.endswith("e")


@cache
def _said_in_digits(word: str) -> str | None:
    """How a number word of a rule reaches the rules ("deux" → "2", "premiere" → "1ere"), or
    None for any other word. The recognizer writes accents, so ordinals are tried accented."""
    if not word.isalpha():
        return None
    for spoken in (word, word.replace("ieme", "ième").replace("premiere", "première")):
        folded = fold_words(normalize_transcript(spoken))
        if folded != [word] and any(character.isdigit() for w in folded for character in w):
            return " ".join(folded)
    return None


def _tokens(part: str) -> list[str]:
    folded = fold_accents(part.lower()).replace("'", " ").replace("-", " ")
    return folded.replace("…", " … ").split()


def negative_words(utterance: Utterance, spans: Sequence[Span]) -> bool:
    """Whether the words found are negative themselves ("ne respire plus"): then the
    negation is the sign, not a denial of it."""
    return any(
        word in NEGATIVE_WORDS for span in spans for word in utterance.words[span.first : span.end]
    )
