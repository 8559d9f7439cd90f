"""Time in the agenda: the 5-minute grid, parts of the day and half-days, local ↔ UTC.

Every instant the agenda stores is UTC; every rule a practice states (opening hours, parts of
the day) is local wall-clock time in the practice timezone. Conversions happen here, one day at
a time, so that the offset is the one in force on that very day (DST changes included).

Appointments start on a grid of ``GRANULE_MINUTES`` (UTC minutes since the epoch; every current
zone offset is a multiple of it, so the grid is also whole local minutes). An appointment
occupies the granules from its start up to its end rounded up to the grid.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from enum import StrEnum
from zoneinfo import ZoneInfo

GRANULE_MINUTES = 5
UTC = dt.UTC
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)


class PartOfDay(StrEnum):
    """Parts of the day a caller may ask for; the hour ranges are in `PART_OF_DAY_HOURS`."""

    MORNING = "matin"
    MIDDAY = "midi"
    AFTERNOON = "apres-midi"
    EVENING = "soir"

    @classmethod
    def parse(cls, text: str) -> PartOfDay:
        """Read ``matin``, ``midi``, ``après-midi``/``apres midi``, ``soir`` (or the English name).

        Raises:
            ValueError: when the text names no part of the day.
        """
        folded = fold(text).replace(" ", "-")
        for part in cls:
            if folded in (part.value, part.name.lower()):
                return part
        raise ValueError(f"unknown part of day {text!r}")


# Local start (included) and end (excluded) of each part of the day: the one place they live.
PART_OF_DAY_HOURS: dict[PartOfDay, tuple[dt.time, dt.time | None]] = {
    PartOfDay.MORNING: (dt.time(0, 0), dt.time(12, 0)),
    PartOfDay.MIDDAY: (dt.time(12, 0), dt.time(14, 0)),
    PartOfDay.AFTERNOON: (dt.time(14, 0), dt.time(18, 0)),
    PartOfDay.EVENING: (dt.time(18, 0), None),
}
# Where a day's second half starts, for spreading proposals over half-days.
AFTERNOON_STARTS = dt.time(13, 0)


def in_part_of_day(local: dt.datetime, part: PartOfDay) -> bool:
    """True when the local wall-clock moment falls in ``part``."""
    start, end = PART_OF_DAY_HOURS[part]
    moment = local.time()
    return start <= moment and (end is None or moment < end)


def half_day(local: dt.datetime) -> tuple[dt.date, int]:
    """The half-day of a local moment: (date, 0 for the morning, 1 for the afternoon)."""
    return local.date(), 0 if local.time() < AFTERNOON_STARTS else 1


def fold(text: str) -> str:
    """Lower case without accents and with single spaces, for lenient comparisons."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().split())


def to_minute(moment: dt.datetime) -> int:
    """Whole UTC minutes since the epoch (the moment must be timezone-aware)."""
    return int((moment - _EPOCH).total_seconds()) // 60


def from_minute(minute: int) -> dt.datetime:
    """The UTC instant of an epoch minute."""
    return _EPOCH + dt.timedelta(minutes=minute)


def ceil_granule(minutes: int) -> int:
    """``minutes`` rounded up to the grid."""
    return -(-minutes // GRANULE_MINUTES) * GRANULE_MINUTES


def granules(start: dt.datetime, duration_minutes: int) -> range:
    """The epoch minutes of the granules an appointment starting at ``start`` occupies."""
    first = to_minute(start)
    return range(first, first + ceil_granule(duration_minutes), GRANULE_MINUTES)


def on_grid(moment: dt.datetime) -> bool:
    """True when the moment is a whole minute on the 5-minute grid."""
    whole = moment.second == 0 and moment.microsecond == 0
    return whole and to_minute(moment) % GRANULE_MINUTES == 0


def local_instant(day: dt.date, wall: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The UTC instant of a local wall-clock time on ``day``.

    A wall time skipped by a DST change (02:30 on the spring day in Paris) maps to the instant
    an hour later, as clocks show it (03:30); a repeated one maps to its first occurrence.
    """
    return dt.datetime.combine(day, wall, tzinfo=tz).astimezone(UTC)


def aware(moment: dt.datetime) -> dt.datetime:
    """Reject naive datetimes: the agenda never guesses a timezone.

    Raises:
        ValueError: when ``moment`` has no timezone.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    return moment


def utcnow() -> dt.datetime:
    """The current UTC instant."""
    return dt.datetime.now(UTC)
