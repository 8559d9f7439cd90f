"""Reading the settings forms: hours as text, answering, closures, bookable types."""

from __future__ import annotations

import datetime as dt

import pytest

from core import PROJECT_ROOT, AnsweringMode, OutsideHoursAction, PracticeConfig, load_practice
from staff.settings_forms import (
    FormProblemsError,
    apply_answering,
    apply_booking,
    apply_closures,
    apply_hours,
    parse_ranges,
)


@pytest.fixture
def practice() -> PracticeConfig:
    return load_practice(PROJECT_ROOT / "config" / "practice.yaml")


def test_ranges_accept_french_ways_of_writing_hours() -> None:
    assert parse_ranges("08:30-12:00, 14h-19h", "lundi") == [
        {"start": "08:30", "end": "12:00"},
        {"start": "14:00", "end": "19:00"},
    ]
    assert parse_ranges("14h30 à 18h et 9h-12h", "x") == [
        {"start": "09:00", "end": "12:00"},
        {"start": "14:30", "end": "18:00"},
    ]
    assert parse_ranges("  ", "x") == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("8h", "n'est pas une plage"), ("12:00-08:00", "précède"), ("8-12, 11-14", "chevauchent"),
     ("25:00-26:00", "n'est pas une plage")],
)
def test_bad_ranges_are_explained(text: str, fragment: str) -> None:
    with pytest.raises(FormProblemsError) as caught:
        parse_ranges(text, "Lundi")
    assert fragment in caught.value.problems[0] and "Lundi" in caught.value.problems[0]


def _hours_form(practice: PracticeConfig, **overrides: str) -> dict[str, list[str]]:
    form: dict[str, list[str]] = {}
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"):
        form[f"extended_{day}"] = ["07:30-20:30"]
        for p in practice.practitioners:
            form[f"hours_{p.id}_{day}"] = ["09:00-12:00"]
    for key, value in overrides.items():
        form[key] = [value]
    return form


def test_hours_form_changes_office_extended_and_practitioners(practice: PracticeConfig) -> None:
    form = _hours_form(practice, office_custom="1", office_monday="08:00-12:00, 14:00-18:00")
    changed = apply_hours(practice, form)
    assert changed.office_hours.for_weekday(0)[1].end == dt.time(18, 0)
    assert changed.office_hours.for_weekday(1) == []  # empty field: closed
    assert changed.answering.extended_hours is not None
    assert changed.answering.extended_hours.for_weekday(6)[0].start == dt.time(7, 30)
    assert changed.practitioner("martin").hours.for_weekday(5)[0].start == dt.time(9, 0)
    without_custom = apply_hours(practice, _hours_form(practice))
    assert without_custom.answering.office_hours is None  # union of the practitioners' hours


def test_extended_mode_cannot_lose_its_hours(practice: PracticeConfig) -> None:
    form = _hours_form(practice)
    for key in list(form):
        if key.startswith("extended_"):
            form[key] = [""]
    with pytest.raises(FormProblemsError) as caught:
        apply_hours(practice, form)
    assert any("étendus" in p for p in caught.value.problems)


def test_answering_form(practice: PracticeConfig) -> None:
    form = {
        "mode": ["always"], "outside_action": ["transfer"], "announcement": [""],
        "outside_transfer_number": ["04 78 00 00 09"], "transfer_number": ["0478000001"],
        "greeting": ["  Bonjour,   cabinet des Tilleuls. "],
    }
    changed = apply_answering(practice, form)
    assert changed.answering.mode is AnsweringMode.ALWAYS
    assert changed.answering.outside_hours.action is OutsideHoursAction.TRANSFER
    assert changed.answering.outside_hours.transfer_number == "+33 4 78 00 00 09"
    assert changed.answering.transfer_number == "+33 4 78 00 00 01"
    assert changed.answering.greeting == "Bonjour, cabinet des Tilleuls."
    bad = dict(form, outside_transfer_number=[""], transfer_number=["pas un numéro"])
    with pytest.raises(FormProblemsError) as caught:
        apply_answering(practice, bad)
    assert len(caught.value.problems) == 2


@pytest.mark.parametrize(
    ("announcement", "missing"),
    [("Le cabinet est fermé, rappelez demain.", "15 et 112"),
     ("Le cabinet est fermé. En cas d'urgence, appelez le 15.", "112"),
     ("Fermé. Urgences : 1150 ou 1120.", "15 et 112")],
)
def test_an_announcement_without_the_emergency_numbers_is_refused(
    practice: PracticeConfig, announcement: str, missing: str
) -> None:
    form = {"mode": ["office"], "outside_action": ["announcement"],
            "announcement": [announcement]}
    with pytest.raises(FormProblemsError) as caught:
        apply_answering(practice, form)
    [problem] = caught.value.problems
    assert problem.startswith("Annonce hors horaires : elle doit indiquer les numéros d'urgence")
    assert missing in problem and "appelez le 15 ou le 112" in problem
    fine = "Le cabinet est fermé. En cas d'urgence, appelez le 15 ou le 112."
    saved = apply_answering(practice, dict(form, announcement=[fine]))
    assert saved.answering.outside_hours.announcement == fine


def test_closures_form_adds_and_removes(practice: PracticeConfig) -> None:
    added = apply_closures(
        practice,
        {"new_start": ["2027-02-15"], "new_end": ["2027-02-19"], "new_reason": ["congés"],
         "new_scope": ["durand"]},
    )
    assert len(added.closures) == len(practice.closures) + 1
    new = next(c for c in added.closures if c.start == dt.date(2027, 2, 15))
    assert new.practitioners == ["durand"] and new.reason == "congés"
    removed = apply_closures(added, {"remove_closure": ["0", "1"]})
    assert removed.closures == []
    with pytest.raises(FormProblemsError):
        apply_closures(practice, {"new_start": ["2027-02-15"], "new_end": ["2027-02-01"]})
    with pytest.raises(FormProblemsError):
        apply_closures(practice, {"new_start": ["demain"]})


def test_booking_form_sets_what_the_phone_may_book(practice: PracticeConfig) -> None:
    changed = apply_booking(practice, {"bookable": ["consultation", "petite-chirurgie"]})
    assert {t.id for t in changed.appointment_types if t.bookable_by_phone} == {
        "consultation", "petite-chirurgie"
    }
