"""Agenda test helpers: a small practice with known hours, patients, Paris wall-clock times."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy.orm import Session

import agenda
from core import PracticeConfig, parse_practice

PARIS = ZoneInfo("Europe/Paris")
# Monday 1 March 2027, 07:00 in Paris: the tests' "now" unless they say otherwise.
NOW = dt.datetime(2027, 3, 1, 6, 0, tzinfo=dt.UTC)
BIRTH = dt.date(1961, 4, 12)

_WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday")
PRACTICE: dict[str, Any] = {
    "version": 1,
    "practice": {
        "name": "Cabinet d'essai",
        "address": "1 rue de l'Essai, 69003 Lyon",
        "phone": "+33 4 78 00 00 00",
        "timezone": "Europe/Paris",
    },
    "practitioners": [
        {
            "id": "alpha",
            "name": "Docteure Alpha",
            "hours": {
                day: [{"start": "08:00", "end": "12:00"}, {"start": "14:00", "end": "18:00"}]
                for day in _WEEK
            },
        },
        {
            "id": "beta",
            "name": "Docteur Beta",
            "hours": {
                "monday": [{"start": "09:00", "end": "12:00"}],
                "wednesday": [{"start": "09:00", "end": "12:00"}],
                "sunday": [{"start": "01:00", "end": "04:00"}],
            },
        },
    ],
    "appointment_types": [
        {
            "id": "consultation",
            "label": "consultation",
            "duration_minutes": 20,
            "practitioners": ["alpha", "beta"],
        },
        {
            "id": "longue",
            "label": "consultation longue",
            "duration_minutes": 45,
            "practitioners": ["alpha"],
        },
        {"id": "bilan", "label": "bilan", "duration_minutes": 60, "practitioners": ["beta"]},
        {
            "id": "chirurgie",
            "label": "petite chirurgie",
            "duration_minutes": 30,
            "practitioners": ["beta"],
            "bookable_by_phone": False,
        },
    ],
    "closures": [],
    "booking": {
        "hold_minutes": 5,
        "min_notice_minutes": 60,
        "horizon_days": 60,
        "slot_step_minutes": 5,
    },
}


def make_practice(**sections: Any) -> PracticeConfig:
    """The test practice, with top-level sections replaced (e.g. ``closures=[...]``)."""
    data = copy.deepcopy(PRACTICE)
    data.update(sections)
    return parse_practice(data)


def write_practice(path: Path, practice_data: dict[str, Any] | None = None) -> Path:
    """Write the test practice as YAML (for the app)."""
    path.write_text(yaml.safe_dump(practice_data or PRACTICE, allow_unicode=True), "utf-8")
    return path


def patient(session: Session, last_name: str = "Dupont", **extra: Any) -> agenda.PatientInfo:
    """A patient on file (created by staff unless told otherwise)."""
    values: dict[str, Any] = {
        "first_name": "Jeanne",
        "birth_date": BIRTH,
        "phone": "06 12 34 56 78",
        "source": agenda.Source.STAFF,
    }
    values.update(extra)
    return agenda.register_patient(session, last_name=last_name, **values)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A Paris wall-clock instant."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def next_open_monday(weeks_ahead: int = 1) -> dt.date:
    """A Monday at least ``weeks_ahead`` weeks from today that is not a public holiday."""
    from agenda.schedule import is_public_holiday

    day = dt.date.today() + dt.timedelta(weeks=weeks_ahead)
    day += dt.timedelta(days=(7 - day.weekday()) % 7)
    while is_public_holiday(day):
        day += dt.timedelta(weeks=1)
    return day
