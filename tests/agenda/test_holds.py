"""Holds: exclusive while alive, expire by themselves, released at the end of the call."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import agenda
from agenda.models import Hold, Occupancy
from core import PracticeConfig
from tests.agenda.support import NOW, local, patient

MONDAY = dt.date(2027, 3, 1)


def hold(
    session: Session, practice: PracticeConfig, conversation: str, **kw: Any
) -> agenda.HeldSlot:
    values: dict[str, Any] = {
        "practitioner_id": "alpha",
        "appointment_type_id": "consultation",
        "start": local(MONDAY, 14),
        "now": NOW,
    }
    values.update(kw)
    return agenda.hold_slot(session, practice, conversation_id=conversation, **values)


def test_a_held_slot_cannot_be_held_or_booked_by_another(
    session: Session, practice: PracticeConfig
) -> None:
    held = hold(session, practice, "CA-one")
    assert held.expires_at == NOW + dt.timedelta(minutes=5)
    with pytest.raises(agenda.SlotUnavailableError):
        hold(session, practice, "CA-two")
    # Overlapping, not identical: 14:10-14:30 overlaps 14:00-14:20.
    with pytest.raises(agenda.SlotUnavailableError):
        hold(session, practice, "CA-two", start=local(MONDAY, 14, 10))
    with pytest.raises(agenda.SlotUnavailableError):
        agenda.book_appointment(
            session,
            practice,
            practitioner_id="alpha",
            appointment_type_id="consultation",
            start=local(MONDAY, 14),
            patient_id=patient(session).id,
            now=NOW,
        )


def test_an_expired_hold_gives_way_by_itself(session: Session, practice: PracticeConfig) -> None:
    first = hold(session, practice, "CA-one")
    later = NOW + dt.timedelta(minutes=5, seconds=1)
    second = hold(session, practice, "CA-two", now=later)
    assert second.slot.start == first.slot.start
    assert session.scalars(select(Hold.conversation_id)).all() == ["CA-two"]
    assert agenda.conversation_holds(session, practice, "CA-one", now=later) == []
    # The first caller's hold is gone and the time is someone else's now.
    with pytest.raises(agenda.HoldNotFoundError):
        agenda.confirm_hold(
            session,
            practice,
            first.hold_id,
            patient_id=patient(session).id,
            conversation_id="CA-one",
            now=later,
        )


def test_an_expired_hold_nobody_took_is_still_confirmed(
    session: Session, practice: PracticeConfig
) -> None:
    held = hold(session, practice, "CA-one")
    late = NOW + dt.timedelta(minutes=9)
    booked = agenda.confirm_hold(
        session,
        practice,
        held.hold_id,
        patient_id=patient(session).id,
        conversation_id="CA-one",
        now=late,
    )
    assert booked.status == "booked"
    assert booked.start == local(MONDAY, 14)


def test_release_at_end_of_call_frees_everything(
    session: Session, practice: PracticeConfig
) -> None:
    found = agenda.search_slots(session, practice, "consultation", now=NOW)
    held = agenda.hold_slots(session, practice, found, conversation_id="CA-one", now=NOW)
    assert len(held) == 3
    assert session.scalar(select(func.count()).select_from(Occupancy)) == 12
    assert agenda.release_holds(session, "CA-one") == 3
    assert session.scalar(select(func.count()).select_from(Occupancy)) == 0
    again = agenda.search_slots(
        session, practice, "consultation", conversation_id="CA-two", now=NOW
    )
    assert [s.start for s in again] == [s.start for s in found]


def test_new_proposals_replace_the_previous_holds(
    session: Session, practice: PracticeConfig
) -> None:
    morning = agenda.search_slots(
        session, practice, "consultation", part_of_day=agenda.PartOfDay.MORNING, now=NOW
    )
    agenda.hold_slots(session, practice, morning, conversation_id="CA-one", now=NOW)
    afternoon = agenda.search_slots(
        session,
        practice,
        "consultation",
        part_of_day=agenda.PartOfDay.AFTERNOON,
        conversation_id="CA-one",
        now=NOW,
    )
    agenda.hold_slots(session, practice, afternoon, conversation_id="CA-one", now=NOW)
    live = agenda.conversation_holds(session, practice, "CA-one", now=NOW)
    assert [h.slot.start for h in live] == [s.start for s in afternoon]


def test_hold_slots_skips_a_slot_taken_meanwhile(
    session: Session, practice: PracticeConfig
) -> None:
    found = agenda.search_slots(session, practice, "consultation", now=NOW)
    hold(
        session, practice, "CA-fast", start=found[1].start, practitioner_id=found[1].practitioner_id
    )
    held = agenda.hold_slots(session, practice, found, conversation_id="CA-slow", now=NOW)
    assert [h.slot.start for h in held] == [found[0].start, found[2].start]


def test_confirming_books_and_releases_the_other_proposals(
    session: Session, practice: PracticeConfig
) -> None:
    found = agenda.search_slots(session, practice, "consultation", now=NOW)
    held = agenda.hold_slots(session, practice, found, conversation_id="CA-one", now=NOW)
    who = patient(session, source=agenda.Source.PHONE)
    booked = agenda.confirm_hold(
        session, practice, held[1].hold_id, patient_id=who.id, conversation_id="CA-one", now=NOW
    )
    assert (booked.start, booked.source, booked.call_sid) == (found[1].start, "phone", "CA-one")
    assert agenda.conversation_holds(session, practice, "CA-one", now=NOW) == []
    rows = session.execute(select(Occupancy.appointment_id, Occupancy.hold_id)).all()
    assert rows == [(booked.id, None)] * 4
    with pytest.raises(agenda.HoldNotFoundError):
        agenda.confirm_hold(
            session, practice, held[1].hold_id, patient_id=who.id, conversation_id="CA-one"
        )


def test_a_hold_is_confirmed_only_by_its_conversation(
    session: Session, practice: PracticeConfig
) -> None:
    held = hold(session, practice, "CA-one")
    with pytest.raises(agenda.HoldNotFoundError):
        agenda.confirm_hold(
            session,
            practice,
            held.hold_id,
            patient_id=patient(session).id,
            conversation_id="CA-intruder",
            now=NOW,
        )


def test_holding_a_time_the_search_would_not_offer_is_refused(
    session: Session, practice: PracticeConfig
) -> None:
    with pytest.raises(agenda.InvalidSlotError):
        hold(session, practice, "CA-one", start=local(MONDAY, 12, 30))  # lunch break
    with pytest.raises(agenda.InvalidSlotError):
        hold(session, practice, "CA-one", start=local(MONDAY, 14, 3))  # off the grid
    with pytest.raises(agenda.InvalidSlotError):
        hold(session, practice, "CA-one", start=local(MONDAY, 7, 30))  # within the notice
    with pytest.raises(agenda.NotOfferedError):
        hold(session, practice, "CA-one", appointment_type_id="chirurgie", practitioner_id="beta")


def test_purge_removes_only_expired_holds(session: Session, practice: PracticeConfig) -> None:
    hold(session, practice, "CA-old")
    hold(session, practice, "CA-new", start=local(MONDAY, 15), now=NOW + dt.timedelta(minutes=4))
    assert agenda.purge_expired_holds(session, now=NOW + dt.timedelta(minutes=6)) == 1
    assert session.scalars(select(Hold.conversation_id)).all() == ["CA-new"]
