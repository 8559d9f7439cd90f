"""The date layer's corpus (`benchmarks/dates.py`) read in process: its floor, and the spoken
forms the hand-written grammar got wrong in ways that changed a booking."""

from __future__ import annotations

import datetime as dt

import pytest

from benchmarks import dates
from dialogue.french.time_preference import PARIS, parse_time_preference

# Issue 21: read as 08:00, 11:00, 11:30, or not at all.
ONCE_WRONG = (
    "huit heures ce soir", "onze heures trois quarts", "midi quinze", "le lendemain",
    "deux jours plus tard", "la semaine qui suit", "mercredi d'après", "au début du mois",
    "en semaine", "vous auriez quelque chose mardi en fin de matinée",
)


def test_the_corpus_is_read_as_a_secretary_would() -> None:
    verdicts = dates.evaluate()
    misses = [(v.said, v.expected, v.got) for v in verdicts if not v.right]
    score = 1 - len(misses) / len(verdicts)
    assert score >= dates.GOAL, misses
    assert {v.said for v in verdicts} >= set(ONCE_WRONG)
    assert [m for m in misses if m[0] in ONCE_WRONG] == []


@pytest.mark.parametrize("shift_days", [0, 200, 400])
def test_the_reading_moves_with_the_reference(shift_days: int) -> None:
    """Nothing is pinned to the corpus's Wednesday: "demain" is the day after any now."""
    now = dates.NOW + dt.timedelta(days=shift_days)
    tomorrow = (now + dt.timedelta(days=1)).date()
    assert parse_time_preference("demain matin", now).earliest == tomorrow
    thursday = parse_time_preference("jeudi", now).earliest
    assert thursday is not None and thursday.weekday() == 3
    assert 0 < (thursday - now.date()).days <= 7


def test_parts_of_the_day_fit_the_practice_hours() -> None:
    now = dt.datetime(2026, 3, 11, 10, 0, tzinfo=PARIS)
    late = parse_time_preference("en fin de journée", now, opening=(dt.time(8), dt.time(20)))
    assert late.time_to == dt.time(19, 55)
    default = parse_time_preference("en fin de journée", now)
    assert default.time_to == dt.time(18, 59)
