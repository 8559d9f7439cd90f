"""The figures of the statistics page, gathered from the transcripts' and the agenda's counts.

Everything here is counts: no name, no number, no words of a caller. The database does the
counting (`transcripts.call_stats`, `transcripts.message_stats`, `agenda.booking_stats`,
`transcripts.review_counts`); this module turns UTC hour buckets into the practice's days and
hours and derives the shares and the time saved.

Text messages (SMS) are another component's: it plugs its counts in with
`register_sms_figures`, and the page shows an SMS section only when one is registered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

import agenda
import transcripts
from core import Database, PracticeConfig
from staff import labels_fr
from transcripts import Handling, OutcomeGroup, ReviewReason

_T = TypeVar("_T")
WEB_CHAT_PREFIX = "chat-"
"""How the ids of web chat conversations begin (``dialogue``'s ``/api/chat``); other ids are
Twilio CallSids. Checked against the chat channel by the tests."""
TROUBLE_KEYS: transcripts.TroubleKeys = {
    "utter_take_message_instead": ReviewReason.NOT_UNDERSTOOD,
    "utter_silence_goodbye": ReviewReason.GAVE_UP,
    "utter_technical_problem": ReviewReason.TECHNICAL,
}
"""The assistant's replies (keys of ``dialogue/rasa/domain/responses.yml``) that say a call
went wrong: not understood a second time, silence until goodbye, a technical problem."""
MAX_DAYS = 731
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2999, 12, 31)
"""Dates outside these are typing mistakes (and year 1 or 9999 would overflow in UTC)."""
DEFAULT_MINUTES_PER_CALL = 4.0
"""Staff minutes a call would take without the assistant, unless the practice file says
(``statistics.minutes_per_call``)."""
WEEKLY_FROM_DAYS = 63
"""Longer periods are charted week by week (a bar a day would be too thin to read)."""


class Preset(StrEnum):
    """The periods offered."""

    WEEK = "week"
    LAST_30_DAYS = "30d"
    CUSTOM = "custom"


class Channel(StrEnum):
    """Which conversations are counted."""

    VOICE = "voice"
    CHAT = "chat"
    ALL = "all"

    @property
    def only(self) -> str | None:
        """The call records' channel to filter on (None: all)."""
        return None if self is Channel.ALL else self.value


class PeriodError(ValueError):
    """A period that cannot be shown (the message is French, for the page)."""


@dataclass(frozen=True)
class Period:
    """Whole local days, both ends included."""

    first: dt.date
    last: dt.date
    preset: Preset

    @property
    def days(self) -> int:
        """How many days."""
        return (self.last - self.first).days + 1

    def bounds(self, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        """From the first day's midnight to the midnight after the last day, local time."""
        start = dt.datetime.combine(self.first, dt.time(0), tz)
        end = dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(0), tz)
        return start, end


def period_of(
    preset: str, first: dt.date | None, last: dt.date | None, today: dt.date
) -> Period:
    """The period asked for; ``first``/``last`` count for a custom one.

    Raises:
        PeriodError: a custom period without both dates, in the wrong order, or too long.
    """
    try:
        chosen = Preset(preset)
    except ValueError:
        chosen = Preset.LAST_30_DAYS
    if chosen is Preset.WEEK:
        return Period(today - dt.timedelta(days=today.weekday()), today, chosen)
    if chosen is Preset.LAST_30_DAYS:
        return Period(today - dt.timedelta(days=29), today, chosen)
    if first is None or last is None:
        raise PeriodError(labels_fr.PERIOD_NEEDS_DATES)
    return custom_period(first, last)


def custom_period(first: dt.date, last: dt.date) -> Period:
    """The days from ``first`` to ``last``.

    Raises:
        PeriodError: in the wrong order, too long, or out of the years the page can count.
    """
    if not (EARLIEST <= first <= LATEST and EARLIEST <= last <= LATEST):
        raise PeriodError(labels_fr.PERIOD_OUT_OF_RANGE.format(
            first=EARLIEST.year, last=LATEST.year
        ))
    if last < first:
        raise PeriodError(labels_fr.PERIOD_ORDER)
    if (last - first).days + 1 > MAX_DAYS:
        raise PeriodError(labels_fr.PERIOD_TOO_LONG.format(days=MAX_DAYS))
    return Period(first, last, Preset.CUSTOM)


@dataclass(frozen=True)
class SmsFigures:
    """What the text-message component reports for a period."""

    confirmations_sent: int
    confirmations_delivered: int
    reminders_sent: int


SmsFiguresSource = Callable[[Session, dt.datetime, dt.datetime], SmsFigures | None]
"""Counts texts sent in ``[start, end)``; None when texts are off for the practice."""
_SMS_SOURCES: list[SmsFiguresSource] = []


def register_sms_figures(source: SmsFiguresSource) -> None:
    """Let the statistics show text-message figures (idempotent; the last one registered wins)."""
    if source not in _SMS_SOURCES:
        _SMS_SOURCES.append(source)


def _sms_figures(session: Session, start: dt.datetime, end: dt.datetime) -> SmsFigures | None:
    return _SMS_SOURCES[-1](session, start, end) if _SMS_SOURCES else None


@dataclass(frozen=True)
class Bucket:
    """One bar of the calls chart: a day, or a week for long periods."""

    first: dt.date
    counts: dict[Handling, int]

    @property
    def total(self) -> int:
        """Calls of the bucket."""
        return sum(self.counts.values())


@dataclass(frozen=True)
class Figures:
    """Every figure of the page for one period."""

    period: Period
    channel: Channel
    calls: transcripts.CallStats
    buckets: list[Bucket]
    weekly: bool
    heat: list[list[int]]
    """Calls by local weekday (0 = Monday) and hour of the day."""
    messages: transcripts.MessageStats
    bookings: agenda.BookingStats
    sms: SmsFigures | None
    to_review: int
    reviewed: int
    minutes_per_call: float
    purged_before: dt.date | None
    """Calls before this day are already deleted by the retention (None: none of the period)."""

    @property
    def total(self) -> int:
        """Calls of the period."""
        return self.calls.total

    def handled(self, who: Handling) -> int:
        """Calls handled by ``who``."""
        return self.calls.handled_by(who)

    def group(self, group: OutcomeGroup) -> int:
        """Calls of one outcome group."""
        return self.calls.by_group.get(group, 0)

    @property
    def resolved(self) -> int:
        """Calls the assistant settled with nothing left for the staff to do."""
        return sum(self.group(g) for g in transcripts.RESOLVED_GROUPS)

    @property
    def taken_in_charge(self) -> int:
        """Calls the assistant saw through with nobody at the practice on the line."""
        return sum(self.group(g) for g in transcripts.TAKEN_IN_CHARGE_GROUPS)

    @property
    def minutes_saved(self) -> float:
        """Estimated staff time saved: calls taken in charge × minutes per call."""
        return self.taken_in_charge * self.minutes_per_call

    @property
    def transfers_unanswered(self) -> int:
        """Transfers that reached nobody."""
        return self.group(OutcomeGroup.TRANSFER_UNANSWERED)


def share(part: int, whole: int) -> float | None:
    """``part / whole`` (None when there is no whole)."""
    return part / whole if whole else None


def minutes_per_call(config: PracticeConfig) -> float:
    """The practice's estimate, or `DEFAULT_MINUTES_PER_CALL`."""
    section = config.statistics
    return section.minutes_per_call if section is not None else DEFAULT_MINUTES_PER_CALL


_QUERIES = ThreadPoolExecutor(max_workers=2, thread_name_prefix="stats-queries")
"""The calls' counts and the messages' run beside the others, each on its own connection:
the database works on two cores at once (SQLite, like psycopg, lets go of the GIL)."""


def gather(
    db: Database,
    config: PracticeConfig,
    period: Period,
    channel: Channel,
    *,
    now: dt.datetime,
    minutes: float | None = None,
) -> Figures:
    """Count everything for ``period``: a handful of GROUP BY queries, three at a time."""
    tz = config.tz
    start, end = period.bounds(tz)
    only = channel.only

    def in_session(work: Callable[[Session], _T]) -> _T:
        with db.session() as session:
            return work(session)

    calls_job = _QUERIES.submit(
        in_session, lambda s: transcripts.call_stats(s, start, end, channel=only, now=now)
    )
    messages_job = _QUERIES.submit(
        in_session, lambda s: transcripts.message_stats(s, start, end, now=now, channel=only)
    )
    with db.session() as session:
        to_review, reviewed = transcripts.review_counts(
            session, start, end, trouble_keys=TROUBLE_KEYS, channel=only
        )
        bookings = agenda.booking_stats(session, start, end, web_chat_prefix=WEB_CHAT_PREFIX)
        sms = _sms_figures(session, start, end)
    calls = calls_job.result()
    buckets, heat = _spread(calls, period, tz)
    kept_from = (now - dt.timedelta(days=config.retention.transcripts_days)).astimezone(tz)
    return Figures(
        period=period,
        channel=channel,
        calls=calls,
        buckets=buckets,
        weekly=period.days >= WEEKLY_FROM_DAYS,
        heat=heat,
        messages=messages_job.result(),
        bookings=bookings,
        sms=sms,
        to_review=to_review,
        reviewed=reviewed,
        minutes_per_call=minutes if minutes is not None else minutes_per_call(config),
        purged_before=kept_from.date() if kept_from > start else None,
    )


_HOUR_S = 3600
"""`transcripts.CallStats.by_hour` counts calls by UTC hour since 1970."""


@lru_cache(maxsize=65536)
def _local(hour: int, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.fromtimestamp(hour * _HOUR_S, tz)


def _spread(
    calls: transcripts.CallStats, period: Period, tz: ZoneInfo
) -> tuple[list[Bucket], list[list[int]]]:
    """Hour buckets → local days (or weeks) and the weekday × hour grid."""
    weekly = period.days >= WEEKLY_FROM_DAYS
    starts: list[dt.date] = []
    day = period.first
    while day <= period.last:
        if not starts or not weekly or day.weekday() == 0:
            starts.append(day)
        day += dt.timedelta(days=1)
    sums: dict[dt.date, list[int]] = {s: [0, 0, 0] for s in starts}
    heat = [[0] * 24 for _ in range(7)]
    for hour, counts in calls.by_hour.items():
        local = _local(hour, tz)
        date = local.date()
        first = max(period.first, date - dt.timedelta(days=date.weekday())) if weekly else date
        bucket = sums.get(first)
        if bucket is not None:
            bucket[0] += counts[0]
            bucket[1] += counts[1]
            bucket[2] += counts[2]
        heat[local.weekday()][local.hour] += sum(counts)
    order = transcripts.HANDLING_ORDER
    return [Bucket(s, dict(zip(order, sums[s], strict=True))) for s in starts], heat
