"""Normalisation of speech-recognition text before NLU and the French grammars.

The recognizer gives lowercase words without punctuation ("euh le douze mars mille neuf cent
cinquante quatre"); the chat channel gives typed text ("Le 12/03/1954, 10h30 ?"). Both end up in
one canonical form: lowercase, no fillers, single spaces, numbers as digits ("le 12 mars 1954"),
clock times as "10 heures 30". The function is pure and deterministic, and idempotent:
normalising twice gives the same text, so the grammars may normalise again safely.

`text2num` does the number conversion; this module works around the places where it is wrong
for our callers (see `_segments`).
"""

from __future__ import annotations

import re
import unicodedata

from text_to_num import alpha2digit

__all__ = ["flat_text", "fold_accents", "is_filler", "normalize_transcript"]

# Hesitations the recognizer writes out. Single letters are never fillers: callers spell names.
# "eu" (past participle of avoir) is a word, so the "euh" family needs its final "h".
_FILLER = re.compile(
    r"(?:e+u+h+|h+e+u+h*|e+h+|h+u+m+|h+m+|m+h+m*|mm+h*|b+e+n+|b+a+h+|b+e+h+|hein|p+f+t*|unk)"
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NUMBER_WORDS = _words(
    "zéro zero un une deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze "
    "quinze seize vingt vingts trente quarante cinquante soixante septante huitante octante "
    "nonante cent cents mille mil"
)
_TENS = _words("vingt trente quarante cinquante soixante")
# "à une heure", "vers une heure": here "une" is the hour, elsewhere an article.
_BEFORE_HOUR = _words("à a vers avant après apres de entre et dès des pour jusqu'à")
_HOUR_WORDS = frozenset({"heure", "heures", "h"})

_TYPED_CLOCK = re.compile(r"\b(\d{1,2})\s*[:h]\s*(\d{2})\b")
_TYPED_HOUR = re.compile(r"\b(\d{1,2})\s*h\b")
_APOSTROPHES = re.compile(r"[’‘`´ʼ]")
_NOT_WORD = re.compile(r"[^\w\s'+-]|_")
_LOOSE_PLUS = re.compile(r"\+(?!\d)")
_LOOSE_HYPHEN = re.compile(r"(?<!\w)-|-(?!\w)|(?<=\d)-(?=\d)")
_LOOSE_APOSTROPHE = re.compile(r"(?<!\w)'|'(?!\w)")
_SPACES = re.compile(r"\s+")
_UNACCENTED_ORDINAL = re.compile(r"(\w)ieme(s?)\b")
_COMPOUNDS = (
    (re.compile(r"\brendez vous\b"), "rendez-vous"),
    (re.compile(r"\baprès midi\b"), "après-midi"),
)

_NINE_OCLOCK = re.compile(r"(?<![\w-])(?<!dix )(?<!vingt )neuf(?= (?:heures?|h)\b)")
_MAX_PASSES = 3
_HALF = re.compile(r"\b(\d{1,2}) (heures?) et demie?\b")
_QUARTER = re.compile(r"\b(\d{1,2}) (heures?) et quart\b")
_TO_QUARTER = re.compile(r"\b(\d{1,2}) (heures?) moins (?:le )?quart\b")
_TO_MINUTES = re.compile(r"\b(\d{1,2}) (heures?) moins (\d{1,2})\b(?! heures?)")
_NOON = re.compile(r"\bmidi (et demie?|et quart|moins (?:le )?quart)\b")
_NOON_MINUTES = {
    "et demi": "12 heures 30",
    "et demie": "12 heures 30",
    "et quart": "12 heures 15",
    "moins le quart": "11 heures 45",
    "moins quart": "11 heures 45",
}


def normalize_transcript(text: str) -> str:
    """Turn recognizer (or typed) text into the canonical form the NLU and grammars read.

    Lowercases, drops hesitations ("euh", "ben", "bah", "hum"…) and punctuation (keeping
    apostrophes and hyphens inside words), writes numbers as digits with `text2num`, and clock
    times as "<h> heures <mm>" ("dix heures et demie", "10h30" and "10:30" all give
    "10 heures 30").

    Args:
        text: One recognizer result or typed message.

    Returns:
        The normalised text; empty when nothing but fillers was said.
    """
    # text2num reads some mixes of digits and words only once they are partly digits
    # ("un 12 neuf" → "1 12 neuf" → "1 12 9"): a few passes make the result a fixed point.
    result = _normalize_once(text)
    for _ in range(_MAX_PASSES):
        again = _normalize_once(result)
        if again == result:
            break
        result = again
    return result


def _normalize_once(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower()
    text = _APOSTROPHES.sub("'", text)
    text = text.replace("œ", "oe").replace("æ", "ae")
    text = _TYPED_CLOCK.sub(r" \1 heures \2 ", text)
    text = _TYPED_HOUR.sub(r" \1 heures ", text)
    text = _NOT_WORD.sub(" ", text)
    text = _LOOSE_PLUS.sub(" ", text)
    text = _LOOSE_HYPHEN.sub(" ", text)
    text = _LOOSE_APOSTROPHE.sub(" ", text)
    text = _UNACCENTED_ORDINAL.sub(r"\1ième\2", text)
    # text2num keeps "neuf" as the adjective after "le matin" ("le matin à neuf heures").
    text = _NINE_OCLOCK.sub("9", text)
    tokens = ["zéro" if word == "zero" else word for word in text.split() if not is_filler(word)]
    text = " ".join(_convert_numbers(tokens))
    text = _clock_minutes(text)
    for pattern, replacement in _COMPOUNDS:
        text = pattern.sub(replacement, text)
    return _SPACES.sub(" ", text).strip()


def fold_accents(text: str) -> str:
    """Remove diacritics and ligatures ("après-midi" → "apres-midi", "œdème" → "oedeme").

    Args:
        text: Any text.

    Returns:
        The same text without combining marks.
    """
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def flat_text(normalized: str) -> str:
    """Normalised text for the French grammars: accents folded, apostrophes and hyphens as
    spaces ("l'après-midi" → "l apres midi").

    Every character stays in its place (same length), so an offset found in the flat text is
    the same in the normalised one, which is what Duckling reads.

    Args:
        normalized: Text from `normalize_transcript`.

    Returns:
        The flat text, as long as ``normalized``.
    """
    return "".join(
        " " if char in "'-" else (folded if len(folded := fold_accents(char)) == 1 else char)
        for char in normalized
    )


def is_filler(word: str) -> bool:
    """Whether a lowercase word is a hesitation the recognizer wrote out ("euh", "ben"…).

    Args:
        word: One lowercase token.

    Returns:
        True for fillers; never for single letters (spelled names) nor for "eu".
    """
    return _FILLER.fullmatch(word) is not None


def _convert_numbers(tokens: list[str]) -> list[str]:
    """Run `alpha2digit` over the token runs that may hold numbers, not over articles."""
    out: list[str] = []
    for segment, protected in _segments(tokens):
        if protected:
            out.extend(segment)
        else:
            out.append(alpha2digit(" ".join(segment), "fr", threshold=0))
    return out


def _segments(tokens: list[str]) -> list[tuple[list[str], bool]]:
    """Split tokens into runs converted separately; protected runs are left as they are.

    Two text2num pitfalls are handled here, because a run boundary stops it from joining words:

    * threshold 0 is needed so "le deux mars" gives "le 2 mars", but then the article in
      "un rendez-vous" would become "1": "un"/"une" are protected unless a number word is next
      to them ("vingt et un", "zéro un", "un deux trois") or they are the hour in "à une heure".
    * a date of birth said "douze trois mille neuf cent cinquante quatre" would become "12 3954"
      ("trois mille…"): a run ends before "mille neuf cent"/"mille huit cent", so it gives
      "12 3 1954".
    """
    runs: list[tuple[list[str], bool]] = []
    current: list[str] = []
    for index, token in enumerate(tokens):
        previous = tokens[index - 1] if index > 0 else ""
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if token in ("un", "une") and not _numeric_un(tokens, index):
            if current:
                runs.append((current, False))
                current = []
            runs.append(([token], True))
            continue
        if (
            token in ("mille", "mil")
            and _is_number(previous)
            and following in ("neuf", "huit")
            and tokens[index + 2 : index + 3] in (["cent"], ["cents"])
            and current
        ):
            runs.append((current, False))
            current = []
        current.append(token)
    if current:
        runs.append((current, False))
    return runs


def _numeric_un(tokens: list[str], index: int) -> bool:
    """Whether "un"/"une" at `index` is a number rather than an article."""
    previous = tokens[index - 1] if index > 0 else ""
    following = tokens[index + 1] if index + 1 < len(tokens) else ""
    before_previous = tokens[index - 2] if index > 1 else ""
    if _is_number(following) or _is_number(previous):
        return True
    if previous == "et" and before_previous in _TENS:
        return True
    return following in _HOUR_WORDS and previous in _BEFORE_HOUR


def _is_number(token: str) -> bool:
    if token.isdigit() or token in _NUMBER_WORDS:
        return True
    parts = token.split("-")
    return len(parts) > 1 and all(part in _NUMBER_WORDS or part == "et" for part in parts)


def _clock_minutes(text: str) -> str:
    """Write "10 heures et demie", "11 heures moins le quart" as "<h> heures <mm>"."""
    # Again after number conversion: "dix h trente" only becomes "10 h 30" there.
    text = _TYPED_CLOCK.sub(r"\1 heures \2", text)
    text = _TYPED_HOUR.sub(r"\1 heures", text)
    text = _HALF.sub(r"\1 \2 30", text)
    text = _QUARTER.sub(r"\1 \2 15", text)
    text = _TO_QUARTER.sub(lambda m: _minus(int(m.group(1)), 15), text)
    text = _TO_MINUTES.sub(
        lambda m: _minus(int(m.group(1)), int(m.group(3))) if 0 < int(m.group(3)) < 60 else m[0],
        text,
    )
    return _NOON.sub(lambda m: _NOON_MINUTES[m.group(1)], text)


def _minus(hour: int, minutes: int) -> str:
    hour = (hour - 1) % 24
    return f"{hour} heures {60 - minutes:02d}"
