"""The days a caller's date words cover: relative days, weekdays, weeks, months, full dates.

`read_dates` turns the date words of prepared text into an earliest day, a latest day and a
weekday constraint. Conventions (a secretary's reading, documented because French is ambiguous
here):

* A bare weekday ("lundi", "jeudi prochain") is its next occurrence after today, one to seven
  days ahead; "jeudi en huit" and "jeudi de la semaine prochaine" are the one after.
  "Le lundi"/"les lundis" is any Monday (a weekday constraint, no date bound).
* "Dans huit jours"/"dans quinze jours"/"dans N semaines" mean the week (Monday–Sunday)
  holding that day; "dans N jours" for other N is that very day.
* A word before a date bounds one side only: "à partir du 12", "après le 12", "avant le 12",
  "jusqu'au 12".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from dialogue.french.date_words import ANY_MONTH, ANY_WEEKDAY, MONTHS, RELATIVE_DAYS, WEEKDAYS

__all__ = ["BOOKING_YEARS_AHEAD", "read_dates"]

# A year said for an appointment ("le 3 mars 2027") is at most this far ahead.
BOOKING_YEARS_AHEAD = 2

_WEEK_PART = re.compile(
    r"\b(?:en |au )?(debut|milieu|fin) de (?:la |cette )?semaine( prochaine)?\b"
    r"|\b(?:ce |le )?(week end)\b"
)
_NEXT_WEEK = re.compile(r"\b(?:la )?semaine (?:prochaine|d apres|suivante)\b")
_THIS_WEEK = re.compile(r"\bcette semaine\b")
_IN_DELAY = re.compile(r"\bdans (\d{1,3}|un|une|quelques) (jours?|semaines?|mois)\b")
_FULL_DATE = re.compile(
    rf"\b(?:(?:le|ce|du|au) )?(?:({ANY_WEEKDAY}) )?(?:le )?(\d{{1,2}})(?:er|ere)? ({ANY_MONTH})"
    rf"(?: (\d{{4}}))?\b"
)
_DAY_ONLY = re.compile(
    rf"\b(?:(?:le|ce|du|au) ({ANY_WEEKDAY} )?|({ANY_WEEKDAY}) )(\d{{1,2}})(?:er|ere)?\b"
    r"(?! heures?\b| ans?\b| jours?\b| semaines?\b| mois\b| minutes?\b)"
)
_MONTH_PART = re.compile(
    rf"\b(?:(debut|mi|milieu|fin|courant)(?: du mois)? (?:de |d )?|(?:en|au mois de|au mois d) )"
    rf"({ANY_MONTH})(?: (\d{{4}}))?\b"
)
_NEXT_MONTH = re.compile(r"\b(?:(?:en |au )?(debut|milieu|fin) (?:du |de )?)?mois prochain\b")
_END_OF_MONTH = re.compile(r"\b(?:en |a la )?(debut|milieu|fin) (?:du |de )mois\b")
_WEEKDAY = re.compile(
    rf"\b(ce |cet |le |les |un |une )?({ANY_WEEKDAY})(s)?"
    rf"( prochain| qui vient| de la semaine prochaine| en (?:huit|8)| en (?:quinze|15))?\b"
)
_MODIFIER = re.compile(
    r"\b(?:(a partir(?: d[eu]?)?|a compter(?: d[eu]?)?|des|pas avant)|(apres|au dela(?: d[eu]?)?)"
    r"|(avant)|(jusqu(?: a| au)?|au plus tard|d ici))(?: (?:le|la|l|du|de|au))? $"
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


def read_dates(text: str, today: date) -> tuple[date | None, date | None, set[int]]:
    """Earliest day, latest day and weekday constraint from the date words in `text`.

    Args:
        text: Prepared text (`dialogue.french.date_words.prepare`).
        today: The practice's current date; no bound is before it.

    Returns:
        (earliest, latest, weekdays): None for a side no word bounds, and the weekdays
        (0 = Monday) asked for, empty for any.
    """
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
    *((pattern, _relative_day(offset)) for pattern, offset in RELATIVE_DAYS),
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
