"""When practitioners see patients: weekly hours minus closures and French public holidays.

`Schedule` loads, once per search, the hours and closures of the practitioners concerned and
answers "at which instants may an appointment of this length start on this day", in UTC.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from agenda.models import Closure, OpeningHours
from agenda.timegrid import GRANULE_MINUTES, ceil_granule, local_instant, to_minute

HOLIDAY_COUNTRY = "FR"


@lru_cache(maxsize=16)
def _holidays_of(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays(HOLIDAY_COUNTRY, years=year).keys())


def is_public_holiday(day: dt.date) -> bool:
    """True on a French public holiday (national list; no closure needed for these)."""
    return day in _holidays_of(day.year)


def step_minutes(configured: int) -> int:
    """The distance between proposed starts: the configured step, on the 5-minute grid."""
    return max(GRANULE_MINUTES, ceil_granule(configured))


class Schedule:
    """Opening hours and closures of some practitioners over a span of days."""

    def __init__(
        self,
        session: Session,
        practitioner_ids: Iterable[str],
        tz: ZoneInfo,
        first_day: dt.date,
        last_day: dt.date,
    ) -> None:
        self.tz = tz
        ids = list(practitioner_ids)
        self._hours: dict[str, dict[int, list[tuple[dt.time, dt.time]]]] = {
            pid: defaultdict(list) for pid in ids
        }
        rows = session.execute(
            select(
                OpeningHours.practitioner_id,
                OpeningHours.weekday,
                OpeningHours.start,
                OpeningHours.end,
            )
            .where(OpeningHours.practitioner_id.in_(ids))
            .order_by(OpeningHours.start)
        )
        for pid, weekday, start, end in rows:
            self._hours[pid][weekday].append((start, end))
        closures = session.execute(
            select(Closure.start, Closure.end, Closure.practitioner_id).where(
                Closure.start <= last_day,
                Closure.end >= first_day,
                or_(Closure.practitioner_id.is_(None), Closure.practitioner_id.in_(ids)),
            )
        )
        self._closures = [(start, end, pid) for start, end, pid in closures]

    def is_closed(self, day: dt.date, practitioner_id: str | None = None) -> bool:
        """Closed on ``day``: a holiday, a practice closure, or the practitioner's own."""
        if is_public_holiday(day):
            return True
        return any(
            start <= day <= end and (pid is None or pid == practitioner_id)
            for start, end, pid in self._closures
        )

    def may_have_starts(
        self, duration_minutes: int, window: Window | None, weekdays: set[int] | None
    ) -> bool:
        """False when no practitioner's week has room for the appointment in ``window``.

        A quick check on wall-clock hours that spares scanning a whole horizon for a part of
        the day nobody works (an hour of slack covers night spans on the long day of a DST
        change).
        """
        lo_window, hi_window = _window_minutes(window)
        for hours in self._hours.values():
            for weekday, spans in hours.items():
                if weekdays is not None and weekday not in weekdays:
                    continue
                for start, end in spans:
                    # Only night spans can hold a DST change and last an hour longer.
                    slack = _DST_SLACK if _minutes(start) < _DST_HOURS_END else 0
                    lo = max(_minutes(start), lo_window)
                    hi = min(_minutes(end) - duration_minutes + slack, hi_window - 1)
                    if lo <= hi:
                        return True
        return False

    def starts(
        self,
        practitioner_id: str,
        day: dt.date,
        duration_minutes: int,
        step: int,
        window: Window | None = None,
    ) -> Iterator[int]:
        """Epoch minutes at which an appointment of ``duration_minutes`` may start on ``day``.

        Starts are on the grid, ``step`` apart from the (grid-rounded) start of each span, start
        inside ``window`` (local wall-clock, end excluded) and end inside the span. Spans are
        measured in real elapsed minutes, so a span that contains a DST change is an hour
        shorter or longer, as it is on the clock.
        """
        if self.is_closed(day, practitioner_id):
            return
        tz = self.tz
        for start, end in self._hours[practitioner_id].get(day.weekday(), []):
            first = ceil_granule(to_minute(local_instant(day, start, tz)))
            last = to_minute(local_instant(day, end, tz)) - duration_minutes
            if window is not None:
                lo_time, hi_time = window
                if hi_time is not None and hi_time <= start:
                    continue
                if lo_time > start:
                    lo = to_minute(local_instant(day, lo_time, tz))
                    if lo > first:
                        first += -(-(lo - first) // step) * step
                if hi_time is not None and hi_time < end:
                    last = min(last, to_minute(local_instant(day, hi_time, tz)) - 1)
            yield from range(first, last + 1, step)


Window = tuple[dt.time, dt.time | None]
"""A local wall-clock range of start times, end excluded (None: until midnight)."""
_DST_SLACK = 60
# DST changes happen between midnight and 04:00 local time in every zone that has them.
_DST_HOURS_END = 4 * 60
_DAY_MINUTES = 24 * 60


def _minutes(moment: dt.time) -> int:
    return moment.hour * 60 + moment.minute


def _window_minutes(window: Window | None) -> tuple[int, int]:
    if window is None:
        return 0, _DAY_MINUTES
    start, end = window
    return _minutes(start), _DAY_MINUTES if end is None else _minutes(end)
