"""Answering hours: inside, outside, public holidays, closures and daylight-saving days."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from core import (
    PROJECT_ROOT,
    Decision,
    PracticeConfig,
    decide,
    load_practice,
    office_staffed,
    public_holiday,
)

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def practice() -> PracticeConfig:
    # Office mode: the union of the practitioners' hours (Mon 08:30-12:30, 14:00-20:00, ...).
    return _with_answering(load_practice(PROJECT_ROOT / "config" / "practice.yaml"), mode="office")


def _with_answering(base: PracticeConfig, **answering: object) -> PracticeConfig:
    data = base.model_dump(mode="json")
    data["answering"] = {**data["answering"], **answering}
    return PracticeConfig.model_validate(data)


def _at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (_at(2026, 11, 23, 9, 0), Decision.ASSISTANT),  # Monday morning
        (_at(2026, 11, 23, 12, 45), Decision.MESSAGE),  # Monday lunch break
        (_at(2026, 11, 23, 8, 29), Decision.MESSAGE),  # one minute before opening
        (_at(2026, 11, 23, 20, 0), Decision.MESSAGE),  # closing time is excluded
        (_at(2026, 11, 29, 10, 0), Decision.MESSAGE),  # Sunday
        (_at(2026, 11, 11, 10, 0), Decision.MESSAGE),  # Armistice (Wednesday)
        (_at(2026, 5, 25, 10, 0), Decision.MESSAGE),  # Whit Monday
        (_at(2026, 12, 28, 10, 0), Decision.MESSAGE),  # closure (congés de fin d'année)
        (_at(2027, 1, 4, 10, 0), Decision.ASSISTANT),  # first Monday after the closure
    ],
)
def test_office_mode(practice: PracticeConfig, moment: dt.datetime, expected: Decision) -> None:
    assert decide(practice, moment).decision is expected


def test_holiday_names_come_from_the_holidays_package() -> None:
    assert public_holiday(dt.date(2026, 7, 14)) is not None
    assert public_holiday(dt.date(2026, 7, 15)) is None


def test_the_holiday_table_covers_the_next_decades() -> None:
    # The `holidays` package computes a limited range of years: a practice must not start
    # answering on Bastille Day or Christmas some year because the table ran out.
    this_year = dt.date.today().year
    for year in range(this_year, this_year + 30):
        assert public_holiday(dt.date(year, 7, 14)) is not None, year
        assert public_holiday(dt.date(year, 12, 25)) is not None, year


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        # 2026-03-30 is the Monday after the spring change (29 March): 06:45 UTC = 08:45 CEST.
        (dt.datetime(2026, 3, 30, 6, 45, tzinfo=dt.UTC), Decision.ASSISTANT),
        (dt.datetime(2026, 3, 30, 6, 15, tzinfo=dt.UTC), Decision.MESSAGE),  # 08:15 CEST
        # 2026-10-26, the Monday after the autumn change: 07:45 UTC = 08:45 CET.
        (dt.datetime(2026, 10, 26, 7, 45, tzinfo=dt.UTC), Decision.ASSISTANT),
        (dt.datetime(2026, 10, 26, 7, 15, tzinfo=dt.UTC), Decision.MESSAGE),  # 08:15 CET
    ],
)
def test_local_time_is_right_after_dst_changes(
    practice: PracticeConfig, utc: dt.datetime, expected: Decision
) -> None:
    assert decide(practice, utc).decision is expected


def test_on_the_change_days_themselves(practice: PracticeConfig) -> None:
    cfg = _with_answering(
        practice, mode="extended", extended_hours={"sunday": [{"start": "01:00", "end": "04:00"}]}
    )
    # Spring forward, Sunday 29 March 2026: 02:00 CET jumps to 03:00 CEST.
    assert decide(cfg, dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)).local_time.hour == 1
    assert decide(cfg, dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC)).local_time.hour == 3
    assert (
        decide(cfg, dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC)).decision is Decision.ASSISTANT
    )
    assert decide(cfg, dt.datetime(2026, 3, 29, 2, 30, tzinfo=dt.UTC)).decision is Decision.MESSAGE
    # Fall back, Sunday 25 October 2026: 03:00 CEST goes back to 02:00 CET; 03:30 local = 02:30 UTC.
    assert (
        decide(cfg, dt.datetime(2026, 10, 25, 2, 30, tzinfo=dt.UTC)).decision is Decision.ASSISTANT
    )
    assert decide(cfg, dt.datetime(2026, 10, 25, 3, 30, tzinfo=dt.UTC)).decision is Decision.MESSAGE


def test_always_mode_answers_on_holidays(practice: PracticeConfig) -> None:
    cfg = _with_answering(practice, mode="always")
    assert decide(cfg, _at(2026, 12, 25, 3, 0)).decision is Decision.ASSISTANT


def test_extended_mode_uses_extended_hours() -> None:
    cfg = load_practice(PROJECT_ROOT / "config" / "practice.yaml")  # extended 07:30-20:30
    assert decide(cfg, _at(2026, 11, 23, 7, 45)).decision is Decision.ASSISTANT
    assert decide(cfg, _at(2026, 11, 23, 20, 45)).decision is Decision.MESSAGE
    assert not office_staffed(cfg, _at(2026, 11, 23, 7, 45))
    assert office_staffed(cfg, _at(2026, 11, 23, 9, 0))


def test_naive_datetimes_are_refused(practice: PracticeConfig) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        decide(practice, dt.datetime(2026, 11, 23, 9, 0))
