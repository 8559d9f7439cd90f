"""Words and patterns the French date grammars share: days, months, clock times.

Grammars match prepared text (`prepare`): normalised, accents folded, apostrophes and hyphens
turned into spaces, so "après-midi" and "l'après-midi" are both "l apres midi".

Convention (a secretary's reading): an hour from 1 to 7 without "du matin" is in the afternoon
("à deux heures" → 14:00).
"""

from __future__ import annotations

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

from dialogue.french.normalize import fold_accents, normalize_transcript

__all__ = [
    "ANY_MONTH",
    "ANY_WEEKDAY",
    "DAY_PERIOD",
    "HOUR",
    "MONTHS",
    "PARIS",
    "RELATIVE_DAYS",
    "WEEKDAYS",
    "clock_time",
    "in_paris",
    "prepare",
]

PARIS = ZoneInfo("Europe/Paris")

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier",
    "fevrier",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "aout",
    "septembre",
    "octobre",
    "novembre",
    "decembre",
)
ANY_WEEKDAY = "|".join(WEEKDAYS)
ANY_MONTH = "|".join(MONTHS)

# "<hour> heures [<minutes>]" then an optional period of the day; groups: hour, minutes, period.
HOUR = r"(\d{1,2}) heures?(?: (\d{2}))?"
DAY_PERIOD = r"(?: (du matin|du soir|de l apres midi))?"
# Days named relative to today, with their offset; "après-demain" before "demain".
RELATIVE_DAYS = (
    (re.compile(r"\bapres demain\b"), 2),
    (
        re.compile(
            r"\baujourd hui\b|\bce (?:matin|midi|soir)\b|\bcet(?:te)? apres midi\b"
            r"|\bdans la journee\b|\bce jour\b"
        ),
        0,
    ),
    (re.compile(r"\bdemain\b"), 1),
)


def prepare(text: str) -> str:
    """Normalise, then fold accents, apostrophes and hyphens to spaces for the grammars."""
    folded = fold_accents(normalize_transcript(text))
    return " ".join(folded.replace("'", " ").replace("-", " ").split())


def in_paris(moment: datetime) -> datetime:
    """An aware moment in Europe/Paris time; a naive one is taken as already local."""
    return moment.astimezone(PARIS) if moment.tzinfo is not None else moment


def clock_time(hour_text: str | None, minute_text: str | None, period: str | None) -> time | None:
    """The time of day for the groups of `HOUR` and `DAY_PERIOD`, or None if impossible."""
    if hour_text is None:
        return None
    hour = _to_hour(int(hour_text), period)
    minute = int(minute_text) if minute_text else 0
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _to_hour(hour: int, period: str | None) -> int:
    """The 24-hour clock hour for "<hour> heures [du matin|du soir|de l'après-midi]"."""
    if period == "du matin":
        return hour % 12 if hour == 12 else hour
    if period in ("du soir", "de l apres midi") or 1 <= hour <= 7:
        return hour + 12 if hour < 12 else hour
    return hour
