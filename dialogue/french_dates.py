"""French dates and times as callers say them: time preferences, dates of birth, slot choices.

Every parser takes recognizer text (words or digits, normalised or not: it normalises again,
which is idempotent) and, where words are relative ("demain", "jeudi prochain"), the current
moment. Nothing here does I/O; results are small frozen dataclasses.

Conventions (a secretary's reading, documented because French is ambiguous here):

* A bare weekday ("lundi", "jeudi prochain") is its next occurrence after today, one to seven
  days ahead; "jeudi en huit" and "jeudi de la semaine prochaine" are the one after.
  "Le lundi"/"les lundis" is any Monday (a weekday constraint, no date bound).
* "Dans huit jours"/"dans quinze jours"/"dans N semaines" mean the week (Monday–Sunday)
  holding that day; "dans N jours" for other N is that very day.
* An hour from 1 to 7 without "du matin" is in the afternoon ("à deux heures" → 14:00).
* "Vers dix heures" is 10:00 ± 30 minutes; "à dix heures" is exactly 10:00.
* Several different parts of day ("le matin ou l'après-midi") constrain nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from dialogue.normalize import fold_accents, normalize_transcript

__all__ = [
    "PARIS",
    "PartOfDay",
    "TimePreference",
    "choose_slot",
    "parse_birth_date",
    "parse_time_preference",
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
_WD = "|".join(WEEKDAYS)
_MONTH = "|".join(MONTHS)
APPROXIMATE_MINUTES = 30
BOOKING_YEARS_AHEAD = 2


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
    rf"(?:le |les |ce |un )?({_WD})s?\b"
    rf"|\b(?:le |les )?({_WD})s? (?:je |on |ca )?(?:ne )?(?:peux|peut|suis|serai|pourrai"
    rf"|pourrais|va|marche|travaille) pas\b"
)
_NOT_PART = re.compile(r"\bpas (?:le |l |les |en )?(matin(?:ee)?|apres midi|soir)s?\b")

_HOUR = r"(\d{1,2}) heures?(?: (\d{2}))?"
_DAY_PERIOD = r"(?: (du matin|du soir|de l apres midi))?"
_TIME_RULES = (
    (
        "between",
        re.compile(
            rf"\b(?:entre|de) (\d{{1,2}})(?: heures?)?(?: (\d{{2}}))? (?:et|a) {_HOUR}{_DAY_PERIOD}"
        ),
    ),
    ("before", re.compile(rf"\b(?:avant|au plus tard a|jusqu a) (?:{_HOUR}|(midi)){_DAY_PERIOD}")),
    # "après midi" is the afternoon, not a time: only "à partir de midi"/"dès midi" are.
    (
        "after",
        re.compile(
            rf"\b(?:(?:apres|a partir de|des|plus tard que) {_HOUR}"
            rf"|(?:a partir de|des) (midi)){_DAY_PERIOD}"
        ),
    ),
    (
        "around",
        re.compile(
            rf"\b(?:vers|aux alentours de|autour de|environ|a peu pres)"
            rf"(?: a)? (?:{_HOUR}|(midi)){_DAY_PERIOD}"
        ),
    ),
    ("exact", re.compile(rf"\b(?:a )?(?:{_HOUR}|a (midi)){_DAY_PERIOD}")),
)
_RELATIVE_DAYS = (
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
_WEEK_PART = re.compile(
    r"\b(?:en |au )?(debut|milieu|fin) de (?:la |cette )?semaine( prochaine)?\b"
    r"|\b(?:ce |le )?(week end)\b"
)
_NEXT_WEEK = re.compile(r"\b(?:la )?semaine (?:prochaine|d apres|suivante)\b")
_THIS_WEEK = re.compile(r"\bcette semaine\b")
_IN_DELAY = re.compile(r"\bdans (\d{1,3}|un|une|quelques) (jours?|semaines?|mois)\b")
_FULL_DATE = re.compile(
    rf"\b(?:(?:le|ce|du|au) )?(?:({_WD}) )?(?:le )?(\d{{1,2}})(?:er|ere)? ({_MONTH})"
    rf"(?: (\d{{4}}))?\b"
)
_DAY_ONLY = re.compile(
    rf"\b(?:(?:le|ce|du|au) ({_WD} )?|({_WD}) )(\d{{1,2}})(?:er|ere)?\b"
    r"(?! heures?\b| ans?\b| jours?\b| semaines?\b| mois\b| minutes?\b)"
)
_MONTH_PART = re.compile(
    rf"\b(?:(debut|mi|milieu|fin|courant)(?: du mois)? (?:de |d )?|(?:en|au mois de|au mois d) )"
    rf"({_MONTH})(?: (\d{{4}}))?\b"
)
_NEXT_MONTH = re.compile(r"\b(?:(?:en |au )?(debut|milieu|fin) (?:du |de )?)?mois prochain\b")
_END_OF_MONTH = re.compile(r"\b(?:en |a la )?(debut|milieu|fin) (?:du |de )mois\b")
_WEEKDAY = re.compile(
    rf"\b(ce |cet |le |les |un |une )?({_WD})(s)?( prochain| qui vient| de la semaine prochaine"
    rf"| en (?:huit|8)| en (?:quinze|15))?\b"
)
_MODIFIER = re.compile(
    r"\b(?:(a partir(?: d[eu]?)?|a compter(?: d[eu]?)?|des|pas avant)|(apres|au dela(?: d[eu]?)?)"
    r"|(avant)|(jusqu(?: a| au)?|au plus tard|d ici))(?: (?:le|la|l|du|de|au))? $"
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
        local = start.astimezone(PARIS) if start.tzinfo is not None else start
        day, clock = local.date(), local.time().replace(second=0, microsecond=0)
        return not (
            (self.earliest is not None and day < self.earliest)
            or (self.latest is not None and day > self.latest)
            or (self.weekdays and day.weekday() not in self.weekdays)
            or day.weekday() in self.excluded_weekdays
            or (self.time_from is not None and clock < self.time_from)
            or (self.time_to is not None and clock > self.time_to)
        )


@dataclass(frozen=True, slots=True)
class _Span:
    """Days one date expression covers.

    `modifier` is "from"/"after"/"before"/"until" when a word before it bounds one side only;
    `weekday_only` marks "le lundi" (a constraint, no date); `bare_weekday` marks "lundi",
    which becomes a constraint when a range is also said ("lundi, la semaine prochaine").
    """

    first: date
    last: date
    modifier: str = ""
    weekday_only: int | None = None
    is_range: bool = False
    bare_weekday: bool = False


def parse_time_preference(text: str, now: datetime) -> TimePreference:
    """Read a caller's wish for an appointment time.

    Args:
        text: Recognizer or typed text ("jeudi prochain vers dix heures et demie").
        now: The current moment (aware; read in Europe/Paris time).

    Returns:
        The constraints understood; `TimePreference().understood` is False when none were.
    """
    today = now.astimezone(PARIS).date() if now.tzinfo is not None else now.date()
    text = _prepare(text)
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
    earliest, latest, weekdays = _dates(text, today)
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


def _prepare(text: str) -> str:
    """Normalise, then fold accents, apostrophes and hyphens to spaces for the grammars."""
    folded = fold_accents(normalize_transcript(text))
    return " ".join(folded.replace("'", " ").replace("-", " ").split())


def _to_hour(hour: int, period: str | None) -> int:
    """The 24-hour clock hour for "<hour> heures [du matin|du soir|de l'après-midi]"."""
    if period == "du matin":
        return hour % 12 if hour == 12 else hour
    if period in ("du soir", "de l apres midi") or 1 <= hour <= 7:
        return hour + 12 if hour < 12 else hour
    return hour


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
                first = _clock(groups[0], groups[1], groups[4])
                second = _clock(groups[2], groups[3], groups[4])
                if first is not None and second is not None and first < second:
                    start, end = first, second
                continue
            value = time(12) if groups[2] else _clock(groups[0], groups[1], groups[3])
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


def _clock(hour_text: str | None, minute_text: str | None, period: str | None) -> time | None:
    if hour_text is None:
        return None
    hour = _to_hour(int(hour_text), period)
    minute = int(minute_text) if minute_text else 0
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _shift(value: time, minutes: int) -> time:
    moment = datetime.combine(date(2000, 1, 2), value) + timedelta(minutes=minutes)
    if moment.day != 2:
        return time(0) if minutes < 0 else time(23, 59)
    return moment.time()


def _dates(text: str, today: date) -> tuple[date | None, date | None, set[int]]:
    """Earliest day, latest day and weekday constraint from the date words in `text`."""
    spans: list[_Span] = []
    for pattern, read in _DATE_RULES:
        for match in pattern.finditer(text):
            span = read(match, today)
            if span is not None:
                spans.append(replace(span, modifier=_modifier(text[: match.start()])))
        text = pattern.sub(lambda m: " " * len(m[0]), text)
    weekdays = {span.weekday_only for span in spans if span.weekday_only is not None}
    dated = [span for span in spans if span.weekday_only is None]
    if any(span.is_range and not span.modifier for span in dated):
        # "mardi, la semaine prochaine": the weekday narrows the week, it is not its own date.
        weekdays |= {span.first.weekday() for span in dated if span.bare_weekday}
        dated = [span for span in dated if not span.bare_weekday]
    elif len({span.first for span in dated if span.bare_weekday}) > 1:
        # "mardi ou jeudi": the days between are not wanted.
        weekdays |= {span.first.weekday() for span in dated if span.bare_weekday}
    plain = [span for span in dated if not span.modifier]
    earliest = min((span.first for span in plain), default=None)
    latest = max((span.last for span in plain), default=None)
    for span in dated:
        if span.modifier == "from":
            earliest = span.first
        elif span.modifier == "after":
            earliest = span.last + timedelta(days=1)
        elif span.modifier == "before":
            latest = span.first - timedelta(days=1)
        elif span.modifier == "until":
            latest = span.last
    if earliest is not None and earliest < today:
        earliest = today
    if latest is not None and latest < today:
        latest = None
    return earliest, latest, weekdays


def _modifier(before: str) -> str:
    match = _MODIFIER.search(before.rstrip() + " ")
    if match is None:
        return ""
    return ("from", "after", "before", "until")[
        next(index for index, group in enumerate(match.groups()) if group)
    ]


def _relative_day(offset: int) -> _Reader:
    def read(match: re.Match[str], today: date) -> _Span:
        day = today + timedelta(days=offset)
        return _Span(day, day)

    return read


def _week_part(match: re.Match[str], today: date) -> _Span:
    which, next_week, _weekend = match.groups()
    first_day, last_day = {"debut": (0, 1), "milieu": (1, 3), "fin": (3, 5)}.get(
        which or "", (5, 6)
    )
    monday = today - timedelta(days=today.weekday())
    start = monday + timedelta(weeks=1) if next_week else monday
    if not next_week and start + timedelta(days=last_day) < today:
        start += timedelta(weeks=1)
    first = max(today, start + timedelta(days=first_day))
    return _Span(first, start + timedelta(days=last_day), is_range=True)


def _whole_week(weeks: int) -> _Reader:
    def read(match: re.Match[str], today: date) -> _Span:
        start = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks)
        return _Span(max(today, start), start + timedelta(days=6), is_range=True)

    return read


def _delay(match: re.Match[str], today: date) -> _Span:
    amount_text, unit = match.groups()
    if amount_text == "quelques":
        return _Span(today + timedelta(days=2), today + timedelta(days=6), is_range=True)
    amount = 1 if amount_text in ("un", "une") else int(amount_text)
    if unit.startswith("mois"):
        target = _add_months(today, amount)
    elif unit.startswith("semaine"):
        target = today + timedelta(weeks=amount)
    else:
        target = today + timedelta(days=amount)
        if amount not in (8, 15):
            return _Span(target, target)
    monday = target - timedelta(days=target.weekday())
    return _Span(max(monday, today), monday + timedelta(days=6), is_range=True)


def _full_date(match: re.Match[str], today: date) -> _Span | None:
    day, month = int(match.group(2)), MONTHS.index(match.group(3)) + 1
    year = _booking_year(match.group(4), today)
    if year == 0:
        return None
    resolved = _resolve(today, day, month, year)
    return None if resolved is None else _Span(resolved, resolved)


def _booking_year(year_text: str | None, today: date) -> int | None:
    """The year said for an appointment: None if none was, 0 if it cannot be one."""
    if year_text is None:
        return None
    year = int(year_text)
    return year if today.year <= year <= today.year + BOOKING_YEARS_AHEAD else 0


def _day_only(match: re.Match[str], today: date) -> _Span | None:
    day = int(match.group(3))
    for months_ahead in range(3):
        month_start = _add_months(today.replace(day=1), months_ahead)
        candidate = _resolve(today, day, month_start.month, month_start.year)
        if candidate is not None and candidate >= today:
            return _Span(candidate, candidate)
    return None


def _month_part(match: re.Match[str], today: date) -> _Span | None:
    which, month_name, year_text = match.groups()
    month = MONTHS.index(month_name) + 1
    year = _booking_year(year_text, today)
    if year == 0:
        return None
    year = year or today.year
    first, last = _month_slice(date(year, month, 1), which)
    if year_text is None and last < today:
        first, last = _month_slice(date(year + 1, month, 1), which)
    return _Span(max(first, today), last, is_range=True)


def _relative_month(months_ahead: int) -> _Reader:
    def read(match: re.Match[str], today: date) -> _Span | None:
        first, last = _month_slice(_add_months(today.replace(day=1), months_ahead), match[1])
        return _Span(max(first, today), last, is_range=True) if last >= today else None

    return read


def _weekday(match: re.Match[str], today: date) -> _Span:
    article, name, plural, suffix = match.groups()
    weekday = WEEKDAYS.index(name)
    if plural or (article in ("le ", "les ", "un ", "une ") and not suffix):
        return _Span(today, today, weekday_only=weekday)
    day = today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    if suffix in (" en huit", " en 8"):
        day += timedelta(weeks=1)
    elif suffix in (" en quinze", " en 15"):
        day += timedelta(weeks=2)
    elif suffix == " de la semaine prochaine":
        day = today - timedelta(days=today.weekday()) + timedelta(weeks=1, days=weekday)
    return _Span(day, day, bare_weekday=suffix in (None, " prochain", " qui vient"))


_Reader = Callable[[re.Match[str], date], "_Span | None"]
# Order matters: each rule blanks what it read, so "après-demain" is not read again as "demain".
_DATE_RULES: tuple[tuple[re.Pattern[str], _Reader], ...] = (
    *((pattern, _relative_day(offset)) for pattern, offset in _RELATIVE_DAYS),
    (_WEEK_PART, _week_part),
    (_NEXT_WEEK, _whole_week(1)),
    (_THIS_WEEK, _whole_week(0)),
    (_IN_DELAY, _delay),
    (_FULL_DATE, _full_date),
    (_MONTH_PART, _month_part),
    (_NEXT_MONTH, _relative_month(1)),
    (_END_OF_MONTH, _relative_month(0)),
    (_DAY_ONLY, _day_only),
    (_WEEKDAY, _weekday),
)


def _resolve(today: date, day: int, month: int, year: int | None) -> date | None:
    """The date for day/month (next occurrence from today when no year is given)."""
    for candidate_year in [year] if year is not None else [today.year, today.year + 1]:
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            continue
        if year is not None or candidate >= today:
            return candidate
    return None


def _month_slice(first_of_month: date, which: str | None) -> tuple[date, date]:
    last = _add_months(first_of_month, 1) - timedelta(days=1)
    if which == "debut":
        return first_of_month, first_of_month.replace(day=10)
    if which in ("mi", "milieu"):
        return first_of_month.replace(day=11), first_of_month.replace(day=20)
    if which == "fin":
        return first_of_month.replace(day=21), last
    return first_of_month, last


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate_day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


# Dates of birth ----------------------------------------------------------------------------

MAX_AGE_YEARS = 130
_BIRTH_WITH_MONTH = re.compile(
    rf"\b(\d{{1,2}})(?:er|ere)? ({_MONTH})(?: (?:de l annee|en|annee))? (\d{{4}}|\d{{2}})\b"
)
_BIRTH_NUMERIC = re.compile(r"\b(\d{1,2}) (\d{1,2}) (\d{4}|\d{2})\b")
_BIRTH_COMPACT = re.compile(r"\b(\d{2})(\d{2})(\d{4}|\d{2})\b")


def parse_birth_date(text: str, today: date) -> date | None:
    """Read a date of birth, said or keyed.

    Accepts "le douze mars mille neuf cent cinquante quatre", "né le 1er avril 1980",
    "12 03 1954", "douze trois cinquante quatre" and keypad digits "12031954" (DDMMYYYY) or
    "120354" (DDMMYY). A two-digit year is the most recent one not in the future ("54" →
    1954, "12" → 2012 when today is later than that birthday in 2012).

    Args:
        text: Recognizer, typed or DTMF text.
        today: The practice's current date; a birth date cannot be after it.

    Returns:
        The date, or None when no complete (day, month, year), possible and past date was
        given (no year, 31 February, a future date, more than 130 years ago).
    """
    text = _prepare(text)
    match = _BIRTH_WITH_MONTH.search(text)
    if match is not None:
        return _birth(today, match[1], str(MONTHS.index(match[2]) + 1), match[3])
    if any(month in text.split() for month in MONTHS):
        return None
    digits = "".join(char for char in text if char.isdigit())
    if len(digits) == 8:
        # Digit by digit ("un deux zéro trois…") or keyed: DDMMYYYY whatever the grouping.
        return _birth(today, digits[:2], digits[2:4], digits[4:])
    for pattern in (_BIRTH_NUMERIC, _BIRTH_COMPACT):
        match = pattern.search(text)
        if match is not None:
            return _birth(today, match[1], match[2], match[3])
    if len(digits) == 6:
        return _birth(today, digits[:2], digits[2:4], digits[4:])
    return None


def _birth(today: date, day_text: str, month_text: str, year_text: str) -> date | None:
    day, month, year = int(day_text), int(month_text), int(year_text)
    if len(year_text) == 2:
        year += 2000
        try:
            if date(year, month, day) > today:
                year -= 100
        except ValueError:
            return None
    try:
        born = date(year, month, day)
    except ValueError:
        return None
    if born > today or born.year < today.year - MAX_AGE_YEARS:
        return None
    return born


# Choosing among proposed slots -------------------------------------------------------------

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
    rf"(?! (?:{_MONTH})\b)|(second|seconde)|numero (\d{{1,2}}))\b"
)
_WAIT_A_SECOND = re.compile(r"\b(?:une|1) seconde\b")
_CHOICE_DAY = re.compile(rf"\b(?:le|du) (\d{{1,2}})(?:er)?(?: ({_MONTH}))?\b(?! heures?\b| h\b)")
_CHOICE_TIME = re.compile(rf"\b(?:{_HOUR}|(?<!apres )(midi)){_DAY_PERIOD}")
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
    text = _prepare(text)
    local = [slot.astimezone(PARIS) if slot.tzinfo is not None else slot for slot in slots]
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
        said = time(12) if match[3] else _clock(match[1], match[2], match[4])
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
        today = now.astimezone(PARIS).date() if now.tzinfo is not None else now.date()
        for pattern, offset in _RELATIVE_DAYS:
            if pattern.search(text):
                tests.append(_on_date(today + timedelta(days=offset)))
                text = pattern.sub(" ", text)
    said_days = frozenset(WEEKDAYS.index(name) for name in re.findall(rf"\b({_WD})\b", text))
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
