"""Which of the slots read out to the caller they picked ("le deuxième", "mardi à dix heures")."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta

from dialogue.french.date_words import (
    ANY_MONTH,
    ANY_WEEKDAY,
    DAY_PERIOD,
    HOUR,
    MONTHS,
    RELATIVE_DAYS,
    WEEKDAYS,
    clock_time,
    in_paris,
    prepare,
)

__all__ = ["choose_slot"]

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
    rf"(?! (?:{ANY_MONTH})\b)|(second|seconde)|numero (\d{{1,2}}))\b"
)
_WAIT_A_SECOND = re.compile(r"\b(?:une|1) seconde\b")
_CHOICE_DAY = re.compile(rf"\b(?:le|du) (\d{{1,2}})(?:er)?(?: ({ANY_MONTH}))?\b(?! heures?\b| h\b)")
_CHOICE_TIME = re.compile(rf"\b(?:{HOUR}|(?<!apres )(midi)){DAY_PERIOD}")
_BARE_NUMBER = re.compile(r"(?:celui |celle |le |la |numero )*(\d{1,2})")
_CHOICE_PARTS = (
    (re.compile(r"\bapres midi\b|\baprem\b"), (time(12), time(17, 59))),
    (re.compile(r"\bmatin(?:ee)?\b"), (time(0), time(11, 59))),
    (re.compile(r"\bsoir(?:ee)?\b"), (time(17), time(23, 59))),
)


def choose_slot(text: str, slots: Sequence[datetime], now: datetime | None = None) -> int | None:
    """Which of the proposed slots the caller picked.

    Understands positions ("le premier", "le deuxième", "le second", "le dernier",
    "pas le premier" among two), times ("celui de dix heures", "à 14 h 30"), days ("mardi",
    "le 2", "demain" when `now` is given), parts of day ("celui de l'après-midi") and their
    combinations ("mardi à dix heures", "le deuxième de l'après-midi"). "Le 2" is the slot on
    the 2nd when there is one, else the second slot.

    Args:
        text: Recognizer, typed or DTMF text.
        slots: The proposed slot starts, in the order they were read out.
        now: The current moment, needed for "aujourd'hui"/"demain".

    Returns:
        The index in `slots`, or None when the answer refuses them all, is ambiguous, or
        names no slot.
    """
    text = prepare(text)
    local = [in_paris(slot) for slot in slots]
    if not local or _NONE_OF_THEM.search(text):
        return None
    if _ANY_OF_THEM.search(text):
        return local.index(min(local))
    if _LATEST.search(text):
        return local.index(max(local))
    bare = _BARE_NUMBER.fullmatch(text)
    if bare is not None and not text.startswith(("le ", "la ")):
        return _position(int(bare[1]) - 1, list(range(len(local))))
    wanted, excluded, text = _ordinals(_WAIT_A_SECOND.sub(" ", text))
    candidates, filtered, day_number = _filter(text, local, now)
    candidates = [index for index in candidates if index not in excluded]
    if wanted is not None:
        absolute = _position(wanted, list(range(len(local))))
        if absolute in candidates:
            # "le deuxième, mardi": the position and the day agree.
            return absolute
        return _position(wanted, candidates)
    if day_number is not None and not candidates and not excluded:
        return _position(day_number - 1, list(range(len(local))))
    if (filtered or excluded) and len(candidates) == 1:
        return candidates[0]
    return None


def _position(wanted: int, candidates: list[int]) -> int | None:
    if -len(candidates) <= wanted < len(candidates):
        return candidates[wanted]
    return None


def _ordinals(text: str) -> tuple[int | None, set[int], str]:
    """(wanted position, excluded positions, text without them); -1 is the last."""
    wanted: int | None = None
    excluded: set[int] = set()
    for match in _ORDINAL.finditer(text):
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
    return wanted, excluded, _ORDINAL.sub(" ", text)


def _filter(
    text: str, local: list[datetime], now: datetime | None
) -> tuple[list[int], bool, int | None]:
    """(indices fitting every day/time words, whether any applied, day number said)."""
    tests: list[Callable[[datetime], bool]] = []
    for match in _CHOICE_TIME.finditer(text):
        said = time(12) if match[3] else clock_time(match[1], match[2], match[4])
        if said is not None:
            exact = any(slot.time().replace(second=0) == said for slot in local)
            tests.append(_at_time(said, whole_hour=not (exact or match[2])))
    text = _CHOICE_TIME.sub(" ", text)
    day_number: int | None = None
    for match in _CHOICE_DAY.finditer(text):
        month = MONTHS.index(match[2]) + 1 if match[2] else None
        tests.append(_on_day(int(match[1]), month))
        # Only a bare "le 2" may also be a position.
        day_number = int(match[1]) if month is None else None
    if now is not None:
        today = in_paris(now).date()
        for pattern, offset in RELATIVE_DAYS:
            if pattern.search(text):
                tests.append(_on_date(today + timedelta(days=offset)))
                text = pattern.sub(" ", text)
    said_days = frozenset(
        WEEKDAYS.index(name) for name in re.findall(rf"\b({ANY_WEEKDAY})\b", text)
    )
    if said_days:
        tests.append(lambda slot: slot.weekday() in said_days)
    for pattern, window in _CHOICE_PARTS:
        if pattern.search(text):
            tests.append(_within(window))
            text = pattern.sub(" ", text)
    candidates = [index for index, slot in enumerate(local) if all(test(slot) for test in tests)]
    return candidates, bool(tests), day_number


def _at_time(said: time, *, whole_hour: bool) -> Callable[[datetime], bool]:
    if whole_hour:
        return lambda slot: slot.hour == said.hour
    return lambda slot: slot.time().replace(second=0, microsecond=0) == said


def _on_day(day: int, month: int | None) -> Callable[[datetime], bool]:
    return lambda slot: slot.day == day and month in (None, slot.month)


def _on_date(day: date) -> Callable[[datetime], bool]:
    return lambda slot: slot.date() == day


def _within(window: tuple[time, time]) -> Callable[[datetime], bool]:
    return lambda slot: window[0] <= slot.time() <= window[1]
