"""Does the assistant answer now? Practice timezone, French public holidays and closures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import holidays

from core.practice import AnsweringMode, OutsideHoursAction, PracticeConfig


class Decision(StrEnum):
    """Who takes the call."""

    ASSISTANT = "assistant"
    ANNOUNCEMENT = "announcement"
    MESSAGE = "message"
    TRANSFER = "transfer"


@dataclass(frozen=True)
class AnsweringDecision:
    """The decision and why, for logs and the call record."""

    decision: Decision
    reason: str
    local_time: dt.datetime


@lru_cache(maxsize=8)
def _french_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("FR", years=year)


def public_holiday(day: dt.date) -> str | None:
    """The name of the French public holiday on ``day``, if it is one."""
    name = _french_holidays(day.year).get(day)
    return str(name) if name else None


def is_practice_closed(config: PracticeConfig, day: dt.date) -> str | None:
    """Why the whole practice is closed on ``day`` (holiday or closure), else None."""
    holiday = public_holiday(day)
    if holiday:
        return f"public holiday: {holiday}"
    for closure in config.closures:
        if closure.covers(day):
            return f"closure: {closure.reason or f'{closure.start}..{closure.end}'}"
    return None


def decide(config: PracticeConfig, now: dt.datetime) -> AnsweringDecision:
    """Decide who answers a call arriving at ``now`` (an aware datetime)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local = now.astimezone(config.tz)
    mode = config.answering.mode
    if mode is AnsweringMode.ALWAYS:
        return AnsweringDecision(Decision.ASSISTANT, "mode always", local)
    closed = is_practice_closed(config, local.date())
    hours = config.office_hours if mode is AnsweringMode.OFFICE else config.answering.extended_hours
    assert hours is not None  # validated: extended mode has extended_hours
    if closed is None and hours.contains(local):
        return AnsweringDecision(Decision.ASSISTANT, f"inside {mode.value} hours", local)
    reason = closed or f"outside {mode.value} hours"
    action = config.answering.outside_hours.action
    return AnsweringDecision(_OUTSIDE[action], reason, local)


def office_staffed(config: PracticeConfig, now: dt.datetime) -> bool:
    """True when the secretariat is open, so a transfer to a person can be offered."""
    local = now.astimezone(config.tz)
    return is_practice_closed(config, local.date()) is None and config.office_hours.contains(local)


_OUTSIDE = {
    OutsideHoursAction.ANNOUNCEMENT: Decision.ANNOUNCEMENT,
    OutsideHoursAction.MESSAGE: Decision.MESSAGE,
    OutsideHoursAction.TRANSFER: Decision.TRANSFER,
}
