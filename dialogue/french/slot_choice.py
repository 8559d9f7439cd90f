"""Which of the slots read out to the caller they picked ("le deuxième", "mardi à dix heures").

Positions, refusals and indifference are read here; the days and clock times said ("celui de
deux heures et demie", "le 17", "demain") by Duckling (`dialogue.french.duckling_time`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from dialogue.french.duckling_time import Mention, time_mentions
from dialogue.french.normalize import flat_text, normalize_transcript
from dialogue.french.speech_format import DAY_NAMES
from dialogue.french.time_preference import PARIS

__all__ = ["choose_slot"]

_MONTHS = (
    "janvier", "fevrier", "mars", "avril", "mai", "juin",
    "juillet", "aout", "septembre", "octobre", "novembre", "decembre",
)
_ANY_MONTH = "|".join(_MONTHS)
_NONE_OF_THEM = re.compile(
    r"\b(?:aucun|aucune|ni l un ni l autre|ni l une ni l autre|rien|autre chose|d autres"
    r"|un autre|une autre|autres)\b"
)
_ANY_OF_THEM = re.compile(
    r"\b(?:n importe lequel|n importe laquelle|peu importe|l un ou l autre|l une ou l autre"
    r"|ca m est egal|comme vous voulez|le plus tot)\b"
)
_LATEST = re.compile(r"\ble plus tard\b")
_ORDINAL = re.compile(
    rf"\b(pas )?(?:le |la |l )?(?:(avant )?(dernier|derniere)|(\d{{1,2}})(?:er|ere|eme|e|nd|nde)"
    rf"(?! (?:{_ANY_MONTH})\b)|(second|seconde)|numero (\d{{1,2}}))\b"
)
_WAIT_A_SECOND = re.compile(r"\b(?:une|1) seconde\b")
_BARE_NUMBER = re.compile(r"(?:celui |celle |le |la |numero )*(\d{1,2})")
_BARE_DAY = re.compile(r"(?:le|du) (\d{1,2})")
_RELATIVE = re.compile(r"\b(?:aujourd hui|demain|apres demain|lendemain|ce (?:matin|soir))\b")
_CLOCK_WORDS = re.compile(r"\d+ heures?|(?<!apres )\bmidi\b")
_CLOCK = re.compile(r"\b\d+ heures?(?: \d+)?")
_CHOICE_PARTS = (
    (re.compile(r"\bapres midi\b|\baprem\b"), (time(12), time(17, 59))),
    (re.compile(r"\bmatin(?:ee)?\b"), (time(0), time(11, 59))),
    (re.compile(r"\bsoir(?:ee)?\b"), (time(17), time(23, 59))),
)
_Test = Callable[[datetime], bool]


def choose_slot(text: str, slots: Sequence[datetime], now: datetime | None = None) -> int | None:
    """Which of the proposed slots the caller picked.

    Understands positions ("le premier", "le deuxième", "le second", "le dernier",
    "pas le premier" among two), times ("celui de dix heures", "à 14 h 30"), days ("mardi",
    "le 2", "demain" when `now` is given), parts of day ("celui de l'après-midi") and their
    combinations ("mardi à dix heures", "le deuxième de l'après-midi"). "Le 2" is the slot on
    the 2nd when there is one, else the second slot.

    Args:
        text: Recognizer, typed or DTMF text.
        slots: The proposed slot starts (aware), in the order they were read out.
        now: The current moment, needed for "aujourd'hui"/"demain".

    Returns:
        The index in `slots`, or None when the answer refuses them all, is ambiguous, or
        names no slot.
    """
    said = normalize_transcript(text)
    flat = flat_text(said)
    zone = _zone(now, slots)
    local = [slot.astimezone(zone) for slot in slots]
    if not local or _NONE_OF_THEM.search(flat):
        return None
    if _ANY_OF_THEM.search(flat):
        return local.index(min(local))
    if _LATEST.search(flat):
        return local.index(max(local))
    bare = _BARE_NUMBER.fullmatch(flat)
    if bare is not None and not flat.startswith(("le ", "la ")):
        return _position(int(bare[1]) - 1, list(range(len(local))))
    hidden = list(said)
    for pattern in (_WAIT_A_SECOND, _ORDINAL):
        for match in pattern.finditer(flat):
            hidden[match.start() : match.end()] = [" "] * (match.end() - match.start())
    wanted, excluded = _ordinals(flat)
    tests, day_number = _said_tests("".join(hidden), flat, local, now, zone)
    candidates = [
        i for i, slot in enumerate(local) if i not in excluded and all(t(slot) for t in tests)
    ]
    if wanted is not None:
        absolute = _position(wanted, list(range(len(local))))
        if absolute in candidates:
            # "le deuxième, mardi": the position and the day agree.
            return absolute
        return _position(wanted, candidates)
    if day_number is not None and not candidates and not excluded:
        return _position(day_number - 1, list(range(len(local))))
    if (tests or excluded) and len(candidates) == 1:
        return candidates[0]
    return None


def _zone(now: datetime | None, slots: Sequence[datetime]) -> ZoneInfo:
    for moment in (now, *slots):
        if moment is not None and isinstance(moment.tzinfo, ZoneInfo):
            return moment.tzinfo
    return PARIS


def _position(wanted: int, candidates: list[int]) -> int | None:
    if -len(candidates) <= wanted < len(candidates):
        return candidates[wanted]
    return None


def _ordinals(flat: str) -> tuple[int | None, set[int]]:
    """(wanted position, excluded positions); -1 is the last."""
    wanted: int | None = None
    excluded: set[int] = set()
    for match in _ORDINAL.finditer(_WAIT_A_SECOND.sub(" ", flat)):
        negated, before_last, last, number, second, numbered = match.groups()
        if last:
            position = -2 if before_last else -1
        elif second:
            position = 1
        else:
            position = int(number or numbered) - 1
        if negated:
            excluded.add(position)
        elif wanted is None:
            wanted = position
    return wanted, excluded


def _said_tests(
    hidden: str, flat: str, local: list[datetime], now: datetime | None, zone: ZoneInfo
) -> tuple[list[_Test], int | None]:
    """Tests for the days, clock times and parts of day said; the bare day number ("le 2")."""
    tests: list[_Test] = []
    day_number: int | None = None
    reference = now or min(local)
    for mention in time_mentions(hidden, reference, zone.key):
        words = flat[mention.start : mention.end].strip()
        if _RELATIVE.search(words) and now is None:
            continue
        if _CLOCK_WORDS.search(words):
            tests.append(_at_time(mention, local, words))
        day = _on_day(mention, words)
        if day is not None:
            tests.append(day)
            bare = _BARE_DAY.fullmatch(words)
            day_number = int(bare[1]) if bare is not None else day_number
    for pattern, window in _CHOICE_PARTS:
        if pattern.search(flat):
            tests.append(_within(window))
    return tests, day_number


def _at_time(mention: Mention, local: list[datetime], words: str) -> _Test:
    """The slot at the time said: the occurrence Duckling lists that a slot has, else the
    whole hour ("celui de 10 heures" is 10:15 when that is the only one at 10)."""
    said = {m.astimezone(local[0].tzinfo).time().replace(second=0) for m in mention.alternatives}
    starts = {slot.time().replace(second=0, microsecond=0) for slot in local}
    exact = said & starts
    if exact:
        return lambda slot: slot.time().replace(second=0, microsecond=0) in exact
    if re.search(r"\d+ heures? \d", words):
        return lambda slot: False
    hours = {t.hour for t in said}
    return lambda slot: slot.hour in hours


def _on_day(mention: Mention, words: str) -> _Test | None:
    """The slot on the day said: a weekday, a day of the month, or a relative day."""
    named = [i for i, name in enumerate(DAY_NAMES) if re.search(rf"\b{name}\b", words)]
    number = re.search(r"\b(\d{1,2})(?:er)?\b", _CLOCK.sub(" ", words))
    month = next((i + 1 for i, name in enumerate(_MONTHS) if name in words), None)
    if number is not None:
        day = int(number[1])
        return lambda slot: slot.day == day and month in (None, slot.month)
    if named:
        return lambda slot: slot.weekday() in named
    if _RELATIVE.search(words) and mention.begin is not None:
        target: date = mention.begin.date()
        return lambda slot: slot.date() == target
    return None


def _within(window: tuple[time, time]) -> _Test:
    return lambda slot: window[0] <= slot.time() <= window[1]
