"""Duckling's mentions read for a booking: which days, which clock times (the conventions are
listed in `dialogue.french.time_preference`).

`read_mentions` walks the mentions of one utterance and collects, for each, the days it covers
(a `Span`) and the clock time or window it says; `days` then puts the spans together (days
joined by "ou" each acceptable, others narrowing each other, a correction winning).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dialogue.french.day_parts import shift
from dialogue.french.duckling_time import Mention, time_mentions
from dialogue.french.speech_format import DAY_NAMES

__all__ = ["APPROXIMATE_MINUTES", "BOOKING_YEARS_AHEAD", "Bounds", "Reading", "Span", "days",
           "read_mentions"]

APPROXIMATE_MINUTES = 30
# A day said for an appointment is at most this far ahead; beyond, it was misheard.
BOOKING_YEARS_AHEAD = 2
_ANY_WEEKDAY = "|".join(DAY_NAMES)
_OR = re.compile(r"\bou\b")
_BARE_WEEKDAY = re.compile(rf"\b(?:{_ANY_WEEKDAY})\b")
# Said of today, or of a dated day ("ce mardi", "mardi 5"); clock times are not dates.
_TODAY = re.compile(r"\b(?:ce|cet|cette|aujourd hui)\b|\b\d{1,2}\b")
_CLOCK_TIME = re.compile(r"\b\d{1,2} heures?(?: \d{1,2})?")
_APPROXIMATE = re.compile(r"\b(?:vers|aux alentours|autour|environ|a peu pres)\b")
_DAY_WORDS = re.compile(
    rf"\b(?:{_ANY_WEEKDAY}|janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre"
    r"|novembre|decembre|demain|aujourd|lendemain|surlendemain|semaine|mois|jours?|week|annee"
    r"|prochaine?|ce soir|ce matin|ce midi|cet apres midi|cette|dans|suit"
    r"|le \d+|au \d+|du \d+)\b"
)
_CLOCK_WORDS = re.compile(r"\d+ heures?|(?<!apres )\bmidi\b|\bminuit\b")
_EVENING_SAID = re.compile(r"\b(?:du soir|ce soir|de l apres midi|cet apres midi)\b")
_MORNING_SAID = re.compile(r"\b(?:du matin|ce matin)\b")
_WEEK_PART = re.compile(r"\b(?:debut|milieu|fin) de (?:la )?semaine\b")
_SAID_HOUR = re.compile(r"\b(\d{1,2}) heures?\b")
_FROM_CLOCK = re.compile(r"\b(?:des|a partir de|pas avant) $")




@dataclass
class Span:
    """The days one mention covers; ``bound`` is "from"/"until" when it bounds one side."""

    first: date | None
    last: date | None
    bound: str = ""
    after_or: bool = False
    week_part: bool = False
    """"En fin de semaine": a part of whichever week is named next."""


@dataclass
class Reading:
    """What the mentions said, before the constraints are put together."""

    spans: list[Span] = field(default_factory=list)
    weekdays: set[int] = field(default_factory=set)
    around: time | None = None
    time_from: time | None = None
    time_to: time | None = None



@dataclass
class Bounds:
    """Where words that bound the next mention end ("pas avant", "pas après", "jusqu'au")."""

    not_before: list[int] = field(default_factory=list)
    not_after: list[int] = field(default_factory=list)
    until: list[int] = field(default_factory=list)


def read_mentions(
    hidden: str, flat: str, now: datetime, zone: ZoneInfo, reading: Reading, bounds: Bounds
) -> None:
    """Read every mention Duckling finds in ``hidden`` (the normalised text with what the
    booking layer already read blanked out) into ``reading``; ``flat`` is the same text,
    unblanked and flat, for the words around each mention."""
    today = now.astimezone(zone).date()
    previous_end = 0
    for mention in time_mentions(hidden, now, zone.key):
        between = flat[previous_end : mention.start]
        touching = mention.start <= previous_end + 1
        previous_end = mention.end
        _read_mention(
            mention, flat[mention.start : mention.end], flat[: mention.start], reading, today,
            after_or=bool(_OR.search(between)) and bool(reading.spans),
            bound=_bound(mention.start, bounds), touching=touching,
        )


def _bound(start: int, bounds: Bounds) -> str:
    """How a word just before a mention bounds it ("" when none does)."""
    pairs = ((bounds.not_before, "not_before"), (bounds.not_after, "not_after"),
             (bounds.until, "until"))
    for ends, bound in pairs:
        if any(-3 <= start - end <= 4 for end in ends):
            return bound
    return ""


def _read_mention(
    mention: Mention, words: str, before: str, reading: Reading, today: date, *,
    after_or: bool, bound: str, touching: bool = False,
) -> None:
    """Add what one mention says about days and clock times."""
    if words.strip() == "midi" and before.endswith("apres "):
        return  # Duckling's "midi" inside "après-midi"
    clock = bool(_CLOCK_WORDS.search(words))
    if _DAY_WORDS.search(words):
        span = _days_of(mention, words, today)
        if span is not None and touching and _moves_week_part(reading, span, mention):
            return
        if span is not None:
            span.after_or = after_or
            _apply_bound(span, mention, words, bound)
            reading.spans.append(span)
    if clock:
        _read_clock(mention, words, before, reading, bound)


def _dated(words: str) -> bool:
    return bool(_TODAY.search(_CLOCK_TIME.sub(" ", words)))


def _moves_week_part(reading: Reading, span: Span, mention: Mention) -> bool:
    """"la fin de la semaine prochaine": Duckling reads "la fin de la semaine" (this one) and
    "la semaine prochaine"; the part moves to that week, which says nothing more."""
    last = reading.spans[-1] if reading.spans else None
    if last is None or not last.week_part or mention.grain != "week":
        return False
    if span.last is None or last.first is None:
        return False
    shift = timedelta(weeks=(span.last - last.first).days // 7)
    last.first += shift
    last.last = last.last + shift if last.last is not None else None
    return True


def _days_of(mention: Mention, words: str, today: date) -> Span | None:
    """The days a dated mention covers."""
    if mention.interval:
        first = mention.begin.date() if mention.begin is not None else None
        last = _inclusive_end(mention)
        named_day = any(day in words for day in DAY_NAMES)
        in_hours = mention.grain in ("hour", "minute")
        if in_hours and "semaine" in words and not named_day and first is not None:
            # "la semaine prochaine, l'après-midi": every afternoon of that week, not the
            # Monday Duckling starts it on.
            monday = first - timedelta(days=first.weekday())
            return Span(max(monday, today), monday + timedelta(days=6))
        if _WEEK_PART.search(words) and mention.grain == "day":
            return Span(first, last, week_part=True)
        if first == today and _BARE_WEEKDAY.search(words) and not _dated(words):
            # "mardi en fin de matinée" said on a Tuesday morning is next week's.
            week = timedelta(weeks=1)
            return Span(first + week, last + week if last is not None else None)
        if "week" in words and first is not None:
            # The weekend is Saturday and Sunday (Duckling's starts on Friday evening).
            saturday = first + timedelta(days=(5 - first.weekday()) % 7)
            return Span(saturday, saturday + timedelta(days=1))
        return Span(first, last)
    assert mention.begin is not None
    day = mention.begin.date()
    if mention.grain == "week":
        return Span(max(day, today), day + timedelta(days=6))
    if mention.grain == "month":
        return Span(max(day, today), _add_months(day, 1) - timedelta(days=1))
    if mention.grain == "year":
        return Span(max(day, today), date(day.year, 12, 31))
    if day == today and _BARE_WEEKDAY.search(words) and not _dated(words):
        # "mardi" said on a Tuesday is next week's (today is "aujourd'hui", "ce matin").
        day += timedelta(weeks=1)
    if words.startswith("dans ") and (day - today).days >= 7:
        monday = day - timedelta(days=day.weekday())
        return Span(max(monday, today), monday + timedelta(days=6))
    return Span(day, day)


def _inclusive_end(mention: Mention) -> date | None:
    """An interval's last day: its exclusive end, less one grain (less a minute when open at
    the start, "avant jeudi")."""
    if mention.until is None:
        return None
    if mention.begin is None:
        return (mention.until - timedelta(minutes=1)).date()
    step = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1)}.get(
        mention.grain, timedelta(days=1)
    )
    return (mention.until - step).date()


def _apply_bound(span: Span, mention: Mention, words: str, bound: str) -> None:
    if bound == "until":
        span.first, span.bound = None, "until"
    elif bound == "not_before" and mention.interval and mention.begin is None:
        # "pas avant jeudi": Duckling read "avant jeudi".
        span.first, span.last, span.bound = span.last, None, "from"
        if span.first is not None:
            span.first += timedelta(days=1)
    elif bound == "not_after" and mention.interval and mention.until is None:
        span.first, span.last, span.bound = None, span.first, "until"
    elif mention.interval and (span.first is None or span.last is None):
        span.bound = "until" if span.first is None else "from"
        if words.startswith("apres") and span.first is not None and mention.grain == "day":
            span.first += timedelta(days=1)  # "après le 15": from the 16th


def _read_clock(
    mention: Mention, words: str, before: str, reading: Reading, bound: str
) -> None:
    """A clock time ("vers 10 heures 30") or a window ("entre 14 et 16 heures")."""
    evening, morning = bool(_EVENING_SAID.search(words)), bool(_MORNING_SAID.search(words))
    negated = {"not_before": "avant", "not_after": "apres"}.get(bound)
    if mention.interval and negated and words.startswith(negated):
        # "pas avant 10 heures" is from 10:00; "pas après 16 heures" until 16:00.
        limit = mention.until if negated == "avant" else mention.begin
        if limit is not None:
            clock = _working(limit.time(), words, evening, morning)
            if negated == "avant":
                reading.time_from = clock
            else:
                reading.time_to = clock
        return
    if mention.interval:
        if mention.begin is not None:
            reading.time_from = _working(mention.begin.time(), words, evening, morning)
        if mention.until is not None:
            step = timedelta(hours=1) if mention.grain == "hour" else timedelta(minutes=1)
            if mention.begin is None:
                step = timedelta(minutes=1)
            reading.time_to = _working((mention.until - step).time(), words, evening, morning)
        return
    if reading.around is not None or mention.begin is None:
        return
    said = _working(
        mention.begin.time().replace(second=0, microsecond=0), words, evening, morning
    )
    if _FROM_CLOCK.search(before[-14:]):
        reading.time_from = said  # "dès 14 heures": Duckling reads only "14 heures"
        return
    approximate = bool(_APPROXIMATE.search(words) or _APPROXIMATE.search(before[-16:]))
    margin = APPROXIMATE_MINUTES if approximate else 0
    reading.around = said
    reading.time_from, reading.time_to = shift(said, -margin), shift(said, margin)


def _working(clock: time, words: str, evening: bool, morning: bool) -> time:
    """A clock time read within the working day, whichever twelve hours Duckling chose for it:
    an hour said as 13 to 23 stays; one said as 1 to 7 is in the afternoon, 8 to 12 in the
    morning ("à 2 heures" → 14:00, "à 9 heures" said at 10:00 → 9:00, not 21:00)."""
    if morning or evening or clock.hour in {int(n) for n in _SAID_HOUR.findall(words)}:
        return clock
    hour = clock.hour % 12 or 12
    return clock.replace(hour=hour + 12 if hour <= 7 else hour)


def days(reading: Reading, today: date) -> tuple[date | None, date | None, set[int]]:
    """Earliest day, latest day and weekdays from the mentions' spans."""
    horizon = today + timedelta(days=366 * BOOKING_YEARS_AHEAD)
    spans = [
        s for s in reading.spans
        if (s.last is None or s.last >= today) and (s.first is None or s.first <= horizon)
    ]
    weekdays = set(reading.weekdays)
    plain = [s for s in spans if not s.bound]
    earliest: date | None = None
    latest: date | None = None
    if any(s.after_or for s in plain):
        earliest = min(s.first for s in plain if s.first is not None)
        latest = max(s.last for s in plain if s.last is not None)
        singles = [s.first for s in plain if s.first is not None and s.first == s.last]
        if len(singles) == len(plain) and len(singles) > 1:
            weekdays |= {day.weekday() for day in singles}
    elif plain:
        earliest, latest = plain[0].first, plain[0].last
        for span in plain[1:]:
            first = max(filter(None, (earliest, span.first)), default=None)
            last = min(filter(None, (latest, span.last)), default=None)
            if first is not None and last is not None and first > last:
                first, last = span.first, span.last  # a correction: the last one said wins
            earliest, latest = first, last
    for span in spans:
        if span.bound == "from" and span.first is not None:
            earliest = span.first
        elif span.bound == "until" and span.last is not None:
            latest = span.last
    if earliest is not None and earliest < today:
        earliest = today
    if latest is not None and latest < today:
        latest = None
    return earliest, latest, weekdays


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    return date(day.year + index // 12, index % 12 + 1, 1)
