"""Moments the tests pretend to live at, computed from today so the suite is the same every year.

A conversation test books "jeudi matin" and a fault test holds slots for five minutes: both need a
staffed weekday whose next weeks are ordinary (no public holiday, no closure of the practice file),
and both must agree with the real clock, which the product's housekeeping (hold expiry, purges,
sweeps) still reads. A fixed date in the past breaks the second; a fixed date in the future becomes
the past one day. So the moment is the Tuesday of the first quiet week at least a week ahead.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from core import PROJECT_ROOT, PracticeConfig, load_practice, public_holiday

# How many ordinary weeks a conversation may need: the asked week, a "semaine prochaine", a move.
QUIET_WEEKS = 3


def practice() -> PracticeConfig:
    """The practice file every test's settings point at."""
    return load_practice(PROJECT_ROOT / "config" / "practice.yaml")


def quiet_monday(
    config: PracticeConfig | None = None, *, today: dt.date | None = None, weeks: int = QUIET_WEEKS
) -> dt.date:
    """The Monday of the first week starting a week or more after ``today`` that, with the
    ``weeks - 1`` weeks after it, has no public holiday and no closure on any day."""
    config = config or practice()
    today = today or dt.datetime.now(config.tz).date()
    start = today + dt.timedelta(days=7 - today.weekday() + 7)
    for week in range(104):
        monday = start + dt.timedelta(weeks=week)
        end = monday + dt.timedelta(weeks=weeks)
        days = [monday + dt.timedelta(days=n) for n in range((end - monday).days)]
        # Any closure counts, a single practitioner's too: the tests book "avec le docteur …".
        closed = any(c.start < end and c.end >= monday for c in config.closures)
        if not closed and not any(public_holiday(day) for day in days):
            return monday
    raise AssertionError("no quiet week in two years: is the practice file closed all year?")


def local(day: dt.date, hour: int, minute: int = 0, config: PracticeConfig | None = None) -> str:
    """An ISO moment, aware, in the practice's timezone."""
    config = config or practice()
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=config.tz).isoformat()


@cache
def staffed_tuesday() -> str:
    """Tuesday 10:00 of the quiet week: the secretariat is in, the agenda open for weeks."""
    return local(quiet_monday() + dt.timedelta(days=1), 10)


@cache
def tuesday_night() -> str:
    """The same Tuesday at 22:30: outside every answering hour of the practice file."""
    return local(quiet_monday() + dt.timedelta(days=1), 22, 30)


@cache
def week_start() -> str:
    """The Monday before ``staffed_tuesday`` at midnight: where agenda queries start."""
    return local(quiet_monday(), 0)
