"""Booking, cancelling and moving: one transaction each, the time given back when freed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import agenda
from agenda.models import Appointment, Occupancy
from core import PracticeConfig
from tests.agenda.support import NOW, local, patient

MONDAY = dt.date(2027, 3, 1)


def book(session: Session, practice: PracticeConfig, **kw: Any) -> agenda.AppointmentInfo:
    values: dict[str, Any] = {
        "practitioner_id": "alpha",
        "appointment_type_id": "consultation",
        "start": local(MONDAY, 9),
        "now": NOW,
    }
    values.update(kw)
    if "patient_id" not in values:
        values["patient_id"] = patient(session).id
    return agenda.book_appointment(session, practice, **values)


def granules_of(session: Session, appointment_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Occupancy.minute)
            .where(Occupancy.appointment_id == appointment_id)
            .order_by(Occupancy.minute)
        )
    )


def test_a_booking_takes_its_granules(session: Session, practice: PracticeConfig) -> None:
    booked = book(session, practice)
    assert booked.status == "booked"
    assert (booked.start, booked.end) == (local(MONDAY, 9), local(MONDAY, 9, 20))
    first = int(local(MONDAY, 9).timestamp()) // 60
    assert granules_of(session, booked.id) == [first, first + 5, first + 10, first + 15]
    # The next appointment may start when this one ends, not a minute earlier.
    book(session, practice, start=local(MONDAY, 9, 20))
    with pytest.raises(agenda.SlotUnavailableError):
        book(session, practice, start=local(MONDAY, 8, 45))


def test_staff_may_book_outside_hours_but_on_the_grid(
    session: Session, practice: PracticeConfig
) -> None:
    evening = book(session, practice, start=local(MONDAY, 19))
    assert evening.source == "staff"
    with pytest.raises(agenda.InvalidSlotError):
        book(session, practice, start=local(MONDAY, 9, 2))
    with pytest.raises(agenda.NotOfferedError):
        book(session, practice, appointment_type_id="longue", practitioner_id="beta")


def test_a_phone_booking_must_be_an_offered_time(
    session: Session, practice: PracticeConfig
) -> None:
    with pytest.raises(agenda.InvalidSlotError):
        book(session, practice, start=local(MONDAY, 19), source=agenda.Source.PHONE)


def test_cancel_records_who_and_when_and_frees_the_time(
    session: Session, practice: PracticeConfig
) -> None:
    booked = book(session, practice)
    at = NOW + dt.timedelta(hours=1)
    cancelled = agenda.cancel_appointment(session, practice, booked.id, by="secretariat", now=at)
    assert (cancelled.status, cancelled.cancelled_by, cancelled.cancelled_at) == (
        "cancelled",
        "secretariat",
        at,
    )
    assert granules_of(session, booked.id) == []
    again = book(session, practice)
    assert again.start == booked.start
    with pytest.raises(agenda.AppointmentStateError):
        agenda.cancel_appointment(session, practice, booked.id, by="secretariat")


def test_a_caller_cancels_only_their_own_appointment(
    session: Session, practice: PracticeConfig
) -> None:
    booked = book(session, practice)
    stranger = patient(session, "Martin", birth_date=dt.date(1990, 1, 1))
    with pytest.raises(agenda.UnknownReferenceError):
        agenda.cancel_appointment(
            session, practice, booked.id, by="phone:CA1", patient_id=stranger.id
        )
    assert agenda.get_appointment(session, practice, booked.id).status == "booked"


def test_move_books_the_new_and_cancels_the_old_together(
    session: Session, practice: PracticeConfig
) -> None:
    booked = book(session, practice)
    moved = agenda.move_appointment(
        session, practice, booked.id, by="secretariat", start=local(MONDAY, 15), now=NOW
    )
    old = agenda.get_appointment(session, practice, booked.id)
    assert (old.status, old.cancelled_by) == ("cancelled", "secretariat")
    assert (moved.status, moved.start, moved.rescheduled_from_id) == (
        "booked",
        local(MONDAY, 15),
        booked.id,
    )
    assert moved.patient.id == booked.patient.id
    assert granules_of(session, booked.id) == []
    assert len(granules_of(session, moved.id)) == 4


def test_move_onto_a_taken_time_changes_nothing(session: Session, practice: PracticeConfig) -> None:
    booked = book(session, practice)
    book(session, practice, start=local(MONDAY, 15, 10))
    with pytest.raises(agenda.SlotUnavailableError):
        agenda.move_appointment(
            session, practice, booked.id, by="secretariat", start=local(MONDAY, 15), now=NOW
        )
    session.expire_all()
    old = agenda.get_appointment(session, practice, booked.id)
    assert (old.status, old.cancelled_at, old.cancelled_by) == ("booked", None, None)
    assert len(granules_of(session, booked.id)) == 4
    rows = session.scalars(select(Appointment.id)).all()
    assert len(rows) == 2  # no half-written new appointment


def test_move_by_a_few_minutes_onto_its_own_time(
    session: Session, practice: PracticeConfig
) -> None:
    booked = book(session, practice)
    moved = agenda.move_appointment(
        session, practice, booked.id, by="secretariat", start=local(MONDAY, 9, 10), now=NOW
    )
    assert moved.start == local(MONDAY, 9, 10)


def test_move_to_a_held_slot_on_the_phone(session: Session, practice: PracticeConfig) -> None:
    booked = book(session, practice)
    found = agenda.search_slots(
        session,
        practice,
        "consultation",
        part_of_day=agenda.PartOfDay.AFTERNOON,
        conversation_id="CA-move",
        now=NOW,
    )
    held = agenda.hold_slots(session, practice, found, conversation_id="CA-move", now=NOW)
    moved = agenda.move_appointment(
        session,
        practice,
        booked.id,
        by="phone:CA-move",
        hold_id=held[0].hold_id,
        conversation_id="CA-move",
        patient_id=booked.patient.id,
        now=NOW,
    )
    assert (moved.start, moved.source, moved.call_sid) == (found[0].start, "phone", "CA-move")
    assert agenda.get_appointment(session, practice, booked.id).status == "cancelled"
    assert len(granules_of(session, moved.id)) == 4


def test_status_changes(session: Session, practice: PracticeConfig) -> None:
    done = book(session, practice)
    fulfilled = agenda.set_appointment_status(
        session, practice, done.id, agenda.AppointmentStatus.FULFILLED, by="martin"
    )
    assert fulfilled.status == "fulfilled"
    assert len(granules_of(session, done.id)) == 4
    wrong = book(session, practice, start=local(MONDAY, 10))
    agenda.set_appointment_status(
        session, practice, wrong.id, agenda.AppointmentStatus.ENTERED_IN_ERROR, by="secretariat"
    )
    assert granules_of(session, wrong.id) == []
    with pytest.raises(agenda.AppointmentStateError):
        agenda.set_appointment_status(
            session, practice, done.id, agenda.AppointmentStatus.CANCELLED, by="x"
        )


def test_listing_by_day_and_practitioner(session: Session, practice: PracticeConfig) -> None:
    book(session, practice, start=local(MONDAY, 10))
    book(session, practice, start=local(MONDAY, 9), practitioner_id="beta")
    book(session, practice, start=local(MONDAY + dt.timedelta(days=1), 9))
    day = agenda.appointments_on(session, practice, MONDAY)
    assert [(a.practitioner_id, a.start) for a in day] == [
        ("beta", local(MONDAY, 9)),
        ("alpha", local(MONDAY, 10)),
    ]
    assert [
        a.practitioner_id for a in agenda.appointments_on(session, practice, MONDAY, "alpha")
    ] == ["alpha"]
