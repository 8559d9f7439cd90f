"""Dates, times and opening hours written the way the assistant says them.

This is number and calendar formatting (day and month names, "8 heures 30"), the French
counterpart of `strftime`; whole sentences stay in the domain's responses.
"""

from __future__ import annotations

import datetime as dt

from core import WEEKDAYS, TimeRange, WeeklyHours

DAY_NAMES = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTH_NAMES = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)


def say_time(value: dt.time) -> str:
    """``8 heures 30``, ``12 heures`` (read well by speech synthesis)."""
    if value.minute == 0:
        return f"{value.hour} heures" if value.hour != 1 else "1 heure"
    return f"{value.hour} heures {value.minute:02d}"


def say_date(value: dt.date) -> str:
    """``mardi 3 mars`` (``1er`` on the first day of a month)."""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{DAY_NAMES[value.weekday()]} {day} {MONTH_NAMES[value.month - 1]}"


def say_moment(value: dt.datetime) -> str:
    """``mardi 3 mars à 10 heures 30`` (in the datetime's own timezone)."""
    return f"{say_date(value.date())} à {say_time(value.time())}"


def say_ranges(ranges: list[TimeRange]) -> str:
    """``de 8 heures 30 à 12 heures et de 14 heures à 19 heures``."""
    parts = [f"de {say_time(r.start)} à {say_time(r.end)}" for r in ranges]
    return " et ".join(parts)


def say_weekly_hours(hours: WeeklyHours) -> str:
    """Days with the same hours said together: ``le lundi et le mardi de 8 heures 30 à …``."""
    groups: list[tuple[list[str], str]] = []
    for index in range(len(WEEKDAYS)):
        ranges = hours.for_weekday(index)
        if not ranges:
            continue
        said = say_ranges(ranges)
        for names, existing in groups:
            if existing == said:
                names.append(DAY_NAMES[index])
                break
        else:
            groups.append(([DAY_NAMES[index]], said))
    pieces = [f"{_join([f'le {n}' for n in names])} {said}" for names, said in groups]
    return ", ".join(pieces)


def say_list(items: list[str], conjunction: str | None) -> str:
    """``a, b ou c`` with ``conjunction="ou"``; only commas with None."""
    if conjunction is None or len(items) <= 1:
        return ", ".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " et " + items[-1]
