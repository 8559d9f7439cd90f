"""A caller's wish for an appointment time, read as a booking secretary would.

Duckling (`dialogue.french.duckling_time`) finds the days and clock times. This layer adds what a
booking needs and Duckling does not do, with the conventions written down because French is
ambiguous here:

* Exclusions: "pas le mercredi", "sauf le lundi", "le mercredi je peux pas", "pas le matin".
* Urgency and indifference: "le plus tôt possible", "n'importe quand".
* "En semaine" is Monday to Friday; "le lundi", "les lundis" any Monday.
* Parts of the day are windows of start times (`PartOfDay`), fitted to the practice's opening
  hours when they are given ("en fin de journée" ends when the practice closes).
* Future only: no day before today; a clock time without "du matin" is read within the working
  day ("à 2 heures" → 14:00, "10 heures" said at 11:00 → 10:00, not 22:00).
* "Vers 10 heures" is 10:00 ± 30 minutes; "à 10 heures" is exactly 10:00.
* "Dans 8 jours", "dans 15 jours", "dans 3 semaines", "dans un mois": the week holding that day.
* "Après le 15" starts on the 16th; "jusqu'au 20", "d'ici le 20", "au plus tard le 20" end on
  the 20th; "pas avant jeudi" starts on Thursday.
* Days joined by "ou" are each acceptable ("mardi ou jeudi"); otherwise they narrow each other
  ("la semaine prochaine, le mardi"), and when they cannot, the last one said wins ("jeudi, non,
  plutôt vendredi").
* Several different parts of the day ("le matin ou l'après-midi") constrain nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import agenda
from dialogue.french.day_parts import FAMILY, PartOfDay, hide, part_exclusion, parts_said
from dialogue.french.normalize import flat_text, normalize_transcript
from dialogue.french.speech_format import DAY_NAMES
from dialogue.french.wish_mentions import (
    APPROXIMATE_MINUTES,
    BOOKING_YEARS_AHEAD,
    Bounds,
    Reading,
    Span,
    days,
    read_mentions,
)

__all__ = [
    "APPROXIMATE_MINUTES",
    "BOOKING_YEARS_AHEAD",
    "PARIS",
    "PartOfDay",
    "TimePreference",
    "parse_time_preference",
]

PARIS = ZoneInfo("Europe/Paris")
_ANY_WEEKDAY = "|".join(DAY_NAMES)
_ASAP = re.compile(
    r"\b(?:le plus (?:tot|vite|rapidement) possible|des que possible|au plus (?:vite|tot)"
    r"|le plus tot|rapidement|en urgence|tres vite|vite fait|au plus pressant|premier creneau"
    r"|premiere disponibilite|premiere place|1ere disponibilite|1ere place|1er creneau)\b"
)
_FLEXIBLE = re.compile(
    r"\b(?:n importe quand|peu importe|quand vous voulez|comme vous voulez|ca m est egal"
    r"|pas de preference|je suis disponible tout le temps|je suis libre tout le temps"
    r"|indifferent|n importe quel (?:jour|moment|horaire))\b"
)
_EXCLUDED_WEEKDAY = re.compile(
    rf"\b(?:pas|sauf|surtout pas|excepte|hormis|a part|ni)\s+(?:disponible |dispo |libre )?"
    rf"(?:le |les |ce |un )?({_ANY_WEEKDAY})s?\b"
    rf"|\b(?:le |les )?({_ANY_WEEKDAY})s? (?:je |on |ca )?(?:ne )?(?:peux|peut|suis|serai|pourrai"
    rf"|pourrais|va|marche|travaille) pas\b"
)
# "Le lundi", "les lundis", "un lundi": any Monday (not followed by what makes it one day).
_ANY_SUCH_WEEKDAY = re.compile(
    rf"\b(?:le|les|un|une) ({_ANY_WEEKDAY})(s)?\b"
    r"(?! \d| 1er| (?:de la |d )?(?:semaine|prochain|qui vient|en \d|d apres|suivant))"
)
_WORKING_WEEK = re.compile(r"\ben semaine\b")
# Said of the past (symptoms, "depuis une semaine"): no wish in it.
_PAST = re.compile(
    r"\bdepuis(?: (?!je\b|j\b|et\b|mais\b|vous\b|est\b|c\b)\S+){1,3}|\bil y a \S+ \S+"
)
_NOT_BEFORE = re.compile(r"\bpas (?=avant\b)")
_NOT_AFTER = re.compile(r"\bpas (?=apres\b)")
_UNTIL = re.compile(r"\b(?:jusqu (?:a la |a l |au |a )?|d ici (?:au |a )?|au plus tard )")
_UNTIL_DAY = re.compile(r"\bjusqu au (?=\d)")
_NOT_NOW = re.compile(r"\bpas (?:cette semaine|aujourd hui)\b")
# "La semaine du 18" without a month: Duckling reads this week. The week holding the next 18th.
_WEEK_OF_DAY = re.compile(
    r"\bsemaine du (\d{1,2})(?: au \d{1,2})?\b(?! (?:janvier|fevrier|mars|avril|mai|juin|juillet"
    r"|aout|septembre|octobre|novembre|decembre)\b)"
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

    def wish(self) -> agenda.TimeWish:
        """The agenda's description of the same wish (the part of the day is already in
        ``time_from``/``time_to``: its window, when no clock time was said)."""
        return agenda.TimeWish(
            earliest=self.earliest,
            latest=self.latest,
            weekdays=self.weekdays,
            excluded_weekdays=self.excluded_weekdays,
            time_from=self.time_from,
            time_to=self.time_to,
            around=self.around,
            asap=self.asap,
            flexible=self.flexible,
        )

    def accepts(self, start: datetime, tz: dt.tzinfo = PARIS) -> bool:
        """Whether a slot starting at ``start`` fits every constraint (aware starts are read in
        ``tz``, naive ones as already local): the agenda's test, so that both agree."""
        local = start if start.tzinfo is not None else start.replace(tzinfo=tz)
        return self.wish().accepts(local, tz)


def parse_time_preference(
    text: str, now: datetime, *, opening: tuple[time, time] | None = None
) -> TimePreference:
    """Read a caller's wish for an appointment time.

    Args:
        text: Recognizer or typed text ("jeudi prochain vers dix heures et demie").
        now: The current moment, aware, in the practice's timezone.
        opening: The practice's first opening and last closing time, to fit the parts of the
            day to; None for a day from 7:00 to 21:00.

    Returns:
        The constraints understood; `TimePreference().understood` is False when none were.
    """
    said = normalize_transcript(text)
    flat = flat_text(said)
    hidden = list(said)
    asap = bool(_ASAP.search(flat))
    flexible = bool(_FLEXIBLE.search(flat))
    excluded = {
        DAY_NAMES.index(match.group(1) or match.group(2))
        for match in hide(_EXCLUDED_WEEKDAY, flat, hidden)
    }
    part = part_exclusion(flat, hidden)
    reading = Reading()
    any_such = hide(_ANY_SUCH_WEEKDAY, flat, hidden)
    reading.weekdays |= {DAY_NAMES.index(m.group(1)) for m in any_such}
    if hide(_WORKING_WEEK, flat, hidden):
        reading.weekdays |= {0, 1, 2, 3, 4}
    hide(_PAST, flat, hidden)
    bounds = Bounds(
        not_before=[m.end() for m in hide(_NOT_BEFORE, flat, hidden)],
        not_after=[m.end() for m in hide(_NOT_AFTER, flat, hidden)],
        until=[m.end() for m in hide(_UNTIL, flat, hidden)],
    )
    for match in _UNTIL_DAY.finditer(flat):
        # "jusqu'au 20" names no day for Duckling; "le 20" does.
        hidden[match.end() - 3 : match.end() - 1] = ["l", "e"]
    found_parts = parts_said(flat, hidden)
    families = {FAMILY.get(p, p) for p in found_parts}
    if part is None and len(families) == 1:
        part = found_parts[0]  # the most specific: "le matin, de bonne heure" is early
    # "le matin ou l'après-midi": an answer, and it is that any part of the day suits.
    flexible = flexible or len(families) > 1
    tz = _zone(now)
    today = now.astimezone(tz).date()
    for match in hide(_NOT_NOW, flat, hidden):
        monday = today - timedelta(days=today.weekday())
        later = monday + timedelta(weeks=1) if "semaine" in match[0] else today + timedelta(1)
        reading.spans.append(Span(later, None, bound="from"))
    for match in hide(_WEEK_OF_DAY, flat, hidden):
        day = _next_day_numbered(int(match.group(1)), today)
        if day is not None:
            monday = day - timedelta(days=day.weekday())
            reading.spans.append(Span(max(monday, today), monday + timedelta(days=6)))
    read_mentions("".join(hidden), flat, now, tz, reading, bounds)
    earliest, latest, weekdays = days(reading, today)
    time_from, time_to = reading.time_from, reading.time_to
    if time_from is not None and time_to is not None and time_from > time_to:
        time_from = time_to = reading.around = None  # misheard: no window is better than none
    if time_from is None and time_to is None and part is not None:
        time_from, time_to = part.within(opening)
    return TimePreference(
        earliest=earliest,
        latest=latest,
        weekdays=frozenset(weekdays - excluded),
        excluded_weekdays=frozenset(excluded),
        part_of_day=part,
        around=reading.around,
        time_from=time_from,
        time_to=time_to,
        asap=asap,
        flexible=flexible,
    )


def _next_day_numbered(number: int, today: date) -> date | None:
    """The first day numbered ``number`` from ``today`` on (this month's, else the next's)."""
    year, month = today.year, today.month
    for _ in range(3):
        try:
            day = date(year, month, number)
        except ValueError:
            day = None
        if day is not None and day >= today:
            return day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _zone(now: datetime) -> ZoneInfo:
    tzinfo = now.tzinfo
    return tzinfo if isinstance(tzinfo, ZoneInfo) else PARIS
