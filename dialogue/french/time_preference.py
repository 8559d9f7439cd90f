"""A caller's wish for an appointment time, as constraints a slot search can apply.

`parse_time_preference` reads days (through `dialogue.french.date_ranges`), parts of the day, clock
times, exclusions ("pas le mercredi", "pas le matin"), urgency and indifference. Conventions
(a secretary's reading, documented because French is ambiguous here):

* "Vers dix heures" is 10:00 ± 30 minutes; "à dix heures" is exactly 10:00.
* Several different parts of day ("le matin ou l'après-midi") constrain nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from dialogue.french.date_ranges import read_dates
from dialogue.french.date_words import (
    ANY_WEEKDAY,
    DAY_PERIOD,
    HOUR,
    WEEKDAYS,
    clock_time,
    in_paris,
    prepare,
)

__all__ = ["APPROXIMATE_MINUTES", "PartOfDay", "TimePreference", "parse_time_preference"]

APPROXIMATE_MINUTES = 30


class PartOfDay(StrEnum):
    """A part of the day a caller may ask for; `window` gives its opening hours."""

    EARLY_MORNING = "early_morning"
    MORNING = "morning"
    LATE_MORNING = "late_morning"
    NOON = "noon"
    EARLY_AFTERNOON = "early_afternoon"
    AFTERNOON = "afternoon"
    LATE_AFTERNOON = "late_afternoon"
    EVENING = "evening"

    @property
    def window(self) -> tuple[time, time]:
        """First and last start times (inclusive) that belong to this part of the day."""
        return _PART_WINDOWS[self]


_PART_WINDOWS = {
    PartOfDay.EARLY_MORNING: (time(7), time(9, 59)),
    PartOfDay.MORNING: (time(7), time(11, 59)),
    PartOfDay.LATE_MORNING: (time(10, 30), time(12, 29)),
    PartOfDay.NOON: (time(11, 30), time(13, 59)),
    PartOfDay.EARLY_AFTERNOON: (time(13), time(14, 59)),
    PartOfDay.AFTERNOON: (time(13), time(17, 59)),
    PartOfDay.LATE_AFTERNOON: (time(16), time(18, 59)),
    PartOfDay.EVENING: (time(17), time(21)),
}

# Most specific first: "en fin de matinée" must win over "matin".
_PARTS = tuple(
    (re.compile(pattern), part)
    for pattern, part in (
        (
            r"\b(?:en )?(?:tout )?debut d (?:apres midi|aprem)\b|\bjuste apres (?:le )?dejeuner\b",
            PartOfDay.EARLY_AFTERNOON,
        ),
        (
            r"\b(?:en )?fin d (?:apres midi|aprem)\b|\b(?:en )?fin de journee\b",
            PartOfDay.LATE_AFTERNOON,
        ),
        (r"\b(?:en )?fin de matin(?:ee)?\b", PartOfDay.LATE_MORNING),
        (
            r"\b(?:en )?debut de matinee\b|\btot le matin\b|\bde bon matin\b|\bpremiere heure\b",
            PartOfDay.EARLY_MORNING,
        ),
        (
            r"\bentre midi et (?:2|deux)\b|\bheure du dejeuner\b"
            r"|\bpause (?:de )?(?:midi|dejeuner)\b",
            PartOfDay.NOON,
        ),
        (r"\bapres midi\b|\baprem\b", PartOfDay.AFTERNOON),
        (r"\bmatin(?:ee)?s?\b", PartOfDay.MORNING),
        (r"\bmidi\b", PartOfDay.NOON),
        (r"\bsoir(?:ee)?s?\b", PartOfDay.EVENING),
    )
)

_ASAP = re.compile(
    r"\b(?:le plus (?:tot|vite|rapidement) possible|des que possible|au plus (?:vite|tot)"
    r"|le plus tot|rapidement|en urgence|tres vite|vite fait|au plus pressant|premier creneau"
    r"|premiere disponibilite|premiere place)\b"
)
_FLEXIBLE = re.compile(
    r"\b(?:n importe quand|peu importe|quand vous voulez|comme vous voulez|ca m est egal"
    r"|pas de preference|je suis disponible tout le temps|je suis libre tout le temps"
    r"|indifferent|n importe quel (?:jour|moment|horaire))\b"
)
_EXCLUDED_WEEKDAY = re.compile(
    rf"\b(?:pas|sauf|surtout pas|excepte|hormis|a part|ni)\s+(?:disponible |dispo |libre )?"
    rf"(?:le |les |ce |un )?({ANY_WEEKDAY})s?\b"
    rf"|\b(?:le |les )?({ANY_WEEKDAY})s? (?:je |on |ca )?(?:ne )?(?:peux|peut|suis|serai|pourrai"
    rf"|pourrais|va|marche|travaille) pas\b"
)
_NOT_PART = re.compile(r"\bpas (?:le |l |les |en )?(matin(?:ee)?|apres midi|soir)s?\b")

_TIME_RULES = (
    (
        "between",
        re.compile(
            rf"\b(?:entre|de) (\d{{1,2}})(?: heures?)?(?: (\d{{2}}))? (?:et|a) {HOUR}{DAY_PERIOD}"
        ),
    ),
    ("before", re.compile(rf"\b(?:avant|au plus tard a|jusqu a) (?:{HOUR}|(midi)){DAY_PERIOD}")),
    # "après midi" is the afternoon, not a time: only "à partir de midi"/"dès midi" are.
    (
        "after",
        re.compile(
            rf"\b(?:(?:apres|a partir de|des|plus tard que) {HOUR}"
            rf"|(?:a partir de|des) (midi)){DAY_PERIOD}"
        ),
    ),
    (
        "around",
        re.compile(
            rf"\b(?:vers|aux alentours de|autour de|environ|a peu pres)"
            rf"(?: a)? (?:{HOUR}|(midi)){DAY_PERIOD}"
        ),
    ),
    ("exact", re.compile(rf"\b(?:a )?(?:{HOUR}|a (midi)){DAY_PERIOD}")),
)


@dataclass(frozen=True, slots=True)
class TimePreference:
    """What a caller wants, as constraints a slot search can apply.

    Attributes:
        earliest: First acceptable day, or None.
        latest: Last acceptable day (inclusive), or None.
        weekdays: Acceptable weekdays (0 = Monday); empty means any.
        excluded_weekdays: Weekdays the caller ruled out ("pas le mercredi").
        part_of_day: The part of day asked for, if one was.
        around: The time asked for ("vers dix heures" → 10:00), if one was.
        time_from: First acceptable start time of day (inclusive), or None.
        time_to: Last acceptable start time of day (inclusive), or None.
        asap: The caller wants the earliest slot ("le plus tôt possible").
        flexible: The caller said any time suits ("n'importe quand").
    """

    earliest: date | None = None
    latest: date | None = None
    weekdays: frozenset[int] = frozenset()
    excluded_weekdays: frozenset[int] = frozenset()
    part_of_day: PartOfDay | None = None
    around: time | None = None
    time_from: time | None = None
    time_to: time | None = None
    asap: bool = False
    flexible: bool = False

    @property
    def understood(self) -> bool:
        """Whether anything at all was understood (else the dialogue should ask again)."""
        return self != TimePreference()

    def accepts(self, start: datetime) -> bool:
        """Whether a slot starting at `start` fits every constraint.

        Args:
            start: Slot start; aware datetimes are read in Europe/Paris time.

        Returns:
            True when the day, weekday and time of day all fit.
        """
        local = in_paris(start)
        day, clock = local.date(), local.time().replace(second=0, microsecond=0)
        return not (
            (self.earliest is not None and day < self.earliest)
            or (self.latest is not None and day > self.latest)
            or (self.weekdays and day.weekday() not in self.weekdays)
            or day.weekday() in self.excluded_weekdays
            or (self.time_from is not None and clock < self.time_from)
            or (self.time_to is not None and clock > self.time_to)
        )


def parse_time_preference(text: str, now: datetime) -> TimePreference:
    """Read a caller's wish for an appointment time.

    Args:
        text: Recognizer or typed text ("jeudi prochain vers dix heures et demie").
        now: The current moment (aware; read in Europe/Paris time).

    Returns:
        The constraints understood; `TimePreference().understood` is False when none were.
    """
    today = in_paris(now).date()
    text = prepare(text)
    asap = bool(_ASAP.search(text))
    flexible = bool(_FLEXIBLE.search(text))
    text = text.replace("pas avant", "a partir de").replace("pas apres", "au plus tard")
    excluded = {
        WEEKDAYS.index(match.group(1) or match.group(2))
        for match in _EXCLUDED_WEEKDAY.finditer(text)
    }
    text = _EXCLUDED_WEEKDAY.sub(" ", text)
    part, text = _part_exclusion(text)
    clock, text = _time_window(text)
    if part is None:
        part = _part_of_day(text)
    earliest, latest, weekdays = read_dates(text, today)
    time_from, time_to = clock[1], clock[2]
    if time_from is None and time_to is None and part is not None:
        time_from, time_to = part.window
    return TimePreference(
        earliest=earliest,
        latest=latest,
        weekdays=frozenset(weekdays - excluded),
        excluded_weekdays=frozenset(excluded),
        part_of_day=part,
        around=clock[0],
        time_from=time_from,
        time_to=time_to,
        asap=asap,
        flexible=flexible,
    )


def _part_exclusion(text: str) -> tuple[PartOfDay | None, str]:
    match = _NOT_PART.search(text)
    if match is None:
        return None, text
    said = match.group(1)
    part = {"apres midi": PartOfDay.MORNING}.get(said, PartOfDay.AFTERNOON)
    # "Pas le soir" leaves the whole day open: evening slots are rare anyway.
    return (None if said.startswith("soir") else part), _NOT_PART.sub(" ", text)


def _part_of_day(text: str) -> PartOfDay | None:
    found: list[PartOfDay] = []
    for pattern, part in _PARTS:
        if pattern.search(text):
            found.append(part)
            text = pattern.sub(" ", text)
    return found[0] if len(set(found)) == 1 else None


def _time_window(text: str) -> tuple[tuple[time | None, time | None, time | None], str]:
    """(around, from, to) from clock times in `text`, and `text` with them blanked."""
    around: time | None = None
    start: time | None = None
    end: time | None = None
    for kind, pattern in _TIME_RULES:
        for match in pattern.finditer(text):
            groups = match.groups()
            if kind == "between":
                first = clock_time(groups[0], groups[1], groups[4])
                second = clock_time(groups[2], groups[3], groups[4])
                if first is not None and second is not None and first < second:
                    start, end = first, second
                continue
            value = time(12) if groups[2] else clock_time(groups[0], groups[1], groups[3])
            if value is None:
                continue
            if kind == "before":
                end = _shift(value, -1)
            elif kind == "after":
                start = value
            elif around is None:
                around = value
                margin = APPROXIMATE_MINUTES if kind == "around" else 0
                start, end = _shift(value, -margin), _shift(value, margin)
        text = pattern.sub(" ", text)
    return (around, start, end), text


def _shift(value: time, minutes: int) -> time:
    moment = datetime.combine(date(2000, 1, 2), value) + timedelta(minutes=minutes)
    if moment.day != 2:
        return time(0) if minutes < 0 else time(23, 59)
    return moment.time()
