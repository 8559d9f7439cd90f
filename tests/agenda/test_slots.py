"""Slot search: hours, closures, holidays, DST, gaps, notice, horizon, holds and spreading."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

import agenda
from core import PracticeConfig
from tests.agenda.support import NOW, PRACTICE, local, make_practice, patient

MONDAY = dt.date(2027, 3, 1)


def starts(found: list[agenda.Slot]) -> list[tuple[str, dt.datetime]]:
    return [(s.practitioner_id, s.start) for s in found]


def test_first_slot_respects_minimum_notice_and_spreads_over_half_days(
    session: Session, practice: PracticeConfig
) -> None:
    found = agenda.search_slots(session, practice, "longue", now=NOW)
    # 07:00 now + 60 min notice: the first slot is 08:00; then the afternoon, then Tuesday.
    assert starts(found) == [
        ("alpha", local(MONDAY, 8)),
        ("alpha", local(MONDAY, 14)),
        ("alpha", local(MONDAY + dt.timedelta(days=1), 8)),
    ]
    assert all(s.end - s.start == dt.timedelta(minutes=45) for s in found)


def test_flexible_caller_gets_distinct_days(session: Session, practice: PracticeConfig) -> None:
    found = agenda.search_slots(session, practice, "longue", asap=False, now=NOW)
    assert [s.start for s in found] == [local(MONDAY + dt.timedelta(days=d), 8) for d in range(3)]


def test_one_half_day_window_spaces_proposals_an_hour_apart(
    session: Session, practice: PracticeConfig
) -> None:
    found = agenda.search_slots(
        session,
        practice,
        "longue",
        earliest=MONDAY,
        latest=MONDAY,
        part_of_day=agenda.PartOfDay.MORNING,
        now=NOW,
    )
    assert [s.start for s in found] == [local(MONDAY, 8), local(MONDAY, 9), local(MONDAY, 10)]


def test_without_spreading_every_step_is_listed(session: Session, practice: PracticeConfig) -> None:
    found = agenda.search_slots(
        session, practice, "longue", spread=False, limit=4, for_phone=False, now=NOW
    )
    assert [s.start for s in found] == [local(MONDAY, 8, m) for m in (0, 5, 10, 15)]


def test_minimum_notice_moves_the_first_slot(session: Session, practice: PracticeConfig) -> None:
    now = local(MONDAY, 10, 32)
    found = agenda.search_slots(
        session, practice, "consultation", practitioner="alpha", limit=1, now=now
    )
    assert [s.start for s in found] == [local(MONDAY, 11, 35)]
    # 45 minutes from 11:35 would overrun noon: the afternoon comes first.
    longer = agenda.search_slots(session, practice, "longue", limit=1, now=now)
    assert [s.start for s in longer] == [local(MONDAY, 14)]


def test_part_of_day_and_weekday_filters(session: Session, practice: PracticeConfig) -> None:
    afternoon = agenda.search_slots(
        session, practice, "longue", part_of_day=agenda.PartOfDay.AFTERNOON, limit=1, now=NOW
    )
    assert [s.start for s in afternoon] == [local(MONDAY, 14)]
    wednesday = agenda.search_slots(session, practice, "longue", weekdays=[2], limit=2, now=NOW)
    assert [s.start.date() for s in wednesday] == [dt.date(2027, 3, 3)] * 2
    evening = agenda.search_slots(
        session, practice, "longue", part_of_day=agenda.PartOfDay.EVENING, now=NOW
    )
    assert evening == []


def test_part_of_day_reads_spoken_forms() -> None:
    assert agenda.PartOfDay.parse("Après-midi") is agenda.PartOfDay.AFTERNOON
    assert agenda.PartOfDay.parse("apres midi") is agenda.PartOfDay.AFTERNOON
    assert agenda.PartOfDay.parse("matin") is agenda.PartOfDay.MORNING
    with pytest.raises(ValueError):
        agenda.PartOfDay.parse("minuit")


def test_practice_closure_and_practitioner_closure(session: Session) -> None:
    closed = make_practice(
        closures=[
            {"start": "2027-03-01", "end": "2027-03-07", "reason": "congés"},
            {"start": "2027-03-08", "end": "2027-03-08", "practitioners": ["alpha"]},
        ]
    )
    agenda.sync_from_config(session, closed)
    found = agenda.search_slots(session, closed, "consultation", limit=1, now=NOW)
    # Week closed; Monday 8 March alpha is away, so beta's 09:00 comes first.
    assert starts(found) == [("beta", local(dt.date(2027, 3, 8), 9))]
    only_alpha = agenda.search_slots(
        session, closed, "consultation", practitioner="alpha", limit=1, now=NOW
    )
    assert starts(only_alpha) == [("alpha", local(dt.date(2027, 3, 9), 8))]


def test_public_holiday_has_no_slots(session: Session, practice: PracticeConfig) -> None:
    easter_monday = dt.date(2027, 3, 29)
    assert (
        agenda.search_slots(
            session, practice, "consultation", earliest=easter_monday, latest=easter_monday, now=NOW
        )
        == []
    )


def test_dst_spring_forward_on_ordinary_hours(session: Session, practice: PracticeConfig) -> None:
    found = agenda.search_slots(
        session, practice, "longue", earliest=dt.date(2027, 3, 26), asap=False, limit=2, now=NOW
    )
    # Friday before the change: 08:00 is 07:00 UTC. Monday 29 is Easter Monday. Tuesday after
    # the change: 08:00 is 06:00 UTC.
    assert [s.start.astimezone(dt.UTC) for s in found] == [
        dt.datetime(2027, 3, 26, 7, 0, tzinfo=dt.UTC),
        dt.datetime(2027, 3, 30, 6, 0, tzinfo=dt.UTC),
    ]
    assert [s.start.hour for s in found] == [8, 8]


@pytest.mark.parametrize(
    ("day", "now", "expected_utc"),
    [
        # 01:00-04:00 on the spring day lasts two real hours: 01:00 CET and 03:00 CEST.
        (dt.date(2027, 3, 28), NOW, ["2027-03-28T00:00", "2027-03-28T01:00"]),
        # On the autumn day it lasts four: 02:00 happens twice.
        (
            dt.date(2027, 10, 31),
            dt.datetime(2027, 10, 20, 8, 0, tzinfo=dt.UTC),
            ["2027-10-30T23:00", "2027-10-31T00:00", "2027-10-31T01:00", "2027-10-31T02:00"],
        ),
    ],
)
def test_dst_day_spans_are_measured_in_real_time(
    session: Session, day: dt.date, now: dt.datetime, expected_utc: list[str]
) -> None:
    hourly = make_practice(booking={**PRACTICE["booking"], "slot_step_minutes": 60})
    found = agenda.search_slots(
        session, hourly, "bilan", earliest=day, latest=day, spread=False, limit=10, now=now
    )
    assert [s.start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M") for s in found] == expected_utc
    assert all(s.end - s.start == dt.timedelta(hours=1) for s in found)


def test_type_longer_than_a_gap_skips_it(session: Session, practice: PracticeConfig) -> None:
    who = patient(session)
    # Fill Monday morning but leave 09:00-09:30 free.
    for start in [
        (8, 0),
        (8, 20),
        (8, 40),
        *[(9 + (30 + 20 * i) // 60, (30 + 20 * i) % 60) for i in range(8)],
    ]:
        agenda.book_appointment(
            session,
            practice,
            practitioner_id="alpha",
            appointment_type_id="consultation",
            start=local(MONDAY, *start),
            patient_id=who.id,
            now=NOW,
        )
    long_ones = agenda.search_slots(
        session, practice, "longue", earliest=MONDAY, latest=MONDAY, limit=1, now=NOW
    )
    assert [s.start for s in long_ones] == [local(MONDAY, 14)]
    short = agenda.search_slots(
        session,
        practice,
        "consultation",
        practitioner="alpha",
        earliest=MONDAY,
        latest=MONDAY,
        part_of_day=agenda.PartOfDay.MORNING,
        spread=False,
        limit=5,
        now=NOW,
    )
    assert [s.start for s in short] == [local(MONDAY, 9, m) for m in (0, 5, 10)]


def test_end_of_horizon(session: Session, practice: PracticeConfig) -> None:
    last_day = MONDAY + dt.timedelta(days=60)  # Friday 30 April 2027
    at_end = agenda.search_slots(session, practice, "longue", earliest=last_day, now=NOW)
    assert at_end and all(s.start.date() == last_day for s in at_end)
    assert (
        agenda.search_slots(
            session, practice, "longue", earliest=last_day + dt.timedelta(days=1), now=NOW
        )
        == []
    )
    capped = agenda.search_slots(
        session, practice, "longue", earliest=last_day, latest=dt.date(2027, 6, 30), now=NOW
    )
    assert capped == at_end


def test_live_holds_of_others_hide_slots_but_not_ones_own(
    session: Session, practice: PracticeConfig
) -> None:
    afternoon = agenda.PartOfDay.AFTERNOON

    def first_free(conversation: str, now: dt.datetime) -> dt.datetime:
        found = agenda.search_slots(
            session,
            practice,
            "longue",
            part_of_day=afternoon,
            limit=1,
            conversation_id=conversation,
            now=now,
        )
        return found[0].start

    first = agenda.search_slots(
        session, practice, "longue", part_of_day=afternoon, limit=1, now=NOW
    )[0]
    assert first.start == local(MONDAY, 14)
    agenda.hold_slots(session, practice, [first], conversation_id="CA-one", now=NOW)
    assert first_free("CA-two", NOW) == local(MONDAY, 14, 45)
    assert first_free("CA-one", NOW) == local(MONDAY, 14)
    expiry = NOW + dt.timedelta(minutes=practice.booking.hold_minutes)
    assert first_free("CA-two", expiry - dt.timedelta(seconds=1)) == local(MONDAY, 14, 45)
    assert first_free("CA-two", expiry) == local(MONDAY, 14)


def test_type_not_bookable_by_phone(session: Session, practice: PracticeConfig) -> None:
    with pytest.raises(agenda.NotOfferedError):
        agenda.search_slots(session, practice, "chirurgie", now=NOW)
    staff = agenda.search_slots(session, practice, "chirurgie", for_phone=False, limit=1, now=NOW)
    assert starts(staff) == [("beta", local(MONDAY, 9))]


def test_unknown_type_and_practitioner_not_giving_the_type(
    session: Session, practice: PracticeConfig
) -> None:
    with pytest.raises(agenda.UnknownReferenceError):
        agenda.search_slots(session, practice, "acupuncture", now=NOW)
    with pytest.raises(agenda.NotOfferedError) as caught:
        agenda.search_slots(session, practice, "longue", practitioner="beta", now=NOW)
    assert caught.value.code == "not-offered"
