"""How the statistics name an hour and a day of UTC time, in SQL and in Python, whichever the
database: whole hours or days since 1970-01-01 UTC."""

from __future__ import annotations

import calendar
import datetime as dt
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Connection, SQLColumnExpression, func
from sqlalchemy.orm import Session

HOUR_S = 3600
DAY_S = 86400


def utc(moment: dt.datetime) -> dt.datetime:
    """An aware instant in UTC (SQLite stores the wall clock it is given)."""
    if moment.tzinfo is None:
        raise ValueError("period bounds must be timezone-aware")
    return moment.astimezone(dt.UTC)


def _is_sqlite(bind: Session | Connection) -> bool:
    dialect = bind.dialect if isinstance(bind, Connection) else bind.get_bind().dialect
    return dialect.name == "sqlite"


def hour_key(
    session: Session | Connection, column: SQLColumnExpression[dt.datetime]
) -> ColumnElement[Any]:
    """An SQL expression naming the UTC hour of a timestamp; `epoch_hour` reads it back."""
    if _is_sqlite(session):
        # SQLite keeps UTC wall-clock text ('2027-01-04 09:30:00.000000'): its first 13
        # characters are the hour, cheaper to cut than any date function is to parse.
        return func.substr(column, 1, 13)
    # PostgreSQL: a timestamp, not the epoch (EXTRACT's numeric is slow to group on).
    return func.date_trunc("hour", func.timezone("UTC", column))


def day_key(
    session: Session | Connection, column: SQLColumnExpression[dt.datetime]
) -> ColumnElement[Any]:
    """An SQL expression naming the UTC day of a timestamp; `epoch_day` reads it back."""
    if _is_sqlite(session):
        return func.substr(column, 1, 10)
    return func.date_trunc("day", func.timezone("UTC", column))


@lru_cache(maxsize=65536)
def epoch_hour(key: str | dt.datetime) -> int:
    """Whole hours since 1970-01-01 UTC, from a `hour_key` value."""
    if isinstance(key, dt.datetime):
        moment = key.timetuple()[:6]
    else:
        moment = (int(key[0:4]), int(key[5:7]), int(key[8:10]), int(key[11:13]), 0, 0)
    return calendar.timegm(moment) // HOUR_S


@lru_cache(maxsize=8192)
def epoch_day(key: str | dt.datetime) -> int:
    """Whole days since 1970-01-01 UTC, from a `day_key` value."""
    if isinstance(key, dt.datetime):
        moment = key.timetuple()[:3]
    else:
        moment = (int(key[0:4]), int(key[5:7]), int(key[8:10]))
    return calendar.timegm((*moment, 0, 0, 0)) // DAY_S


def day_of(moment: dt.datetime) -> int:
    """The UTC day of an aware instant (`epoch_day`'s numbering)."""
    return int(utc(moment).timestamp() // DAY_S)


def day_start(day: int) -> dt.datetime:
    """Midnight UTC at the start of ``day``."""
    return dt.datetime.fromtimestamp(day * DAY_S, dt.UTC)


def elapsed(
    session: Session | Connection,
    start: SQLColumnExpression[dt.datetime],
    end: SQLColumnExpression[dt.datetime],
) -> ColumnElement[Any]:
    """``end - start`` as an SQL expression that sorts by length; `seconds` reads it back."""
    if _is_sqlite(session):
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return end - start  # an interval: compared as it is, unlike EXTRACT's numeric


def seconds(value: float | dt.timedelta) -> float:
    """An `elapsed` value in seconds."""
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
