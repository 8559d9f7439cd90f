"""Proposals on the phone: at most three, spread over half-days or an hour apart, held for the
call, in a limited number of rounds."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy.orm import Session

import agenda
from agenda.proposals import MAX_ROUNDS, PROPOSALS, PROPOSALS_APART
from core import PracticeConfig
from tests.agenda.support import NOW, PARIS, local

MONDAY = dt.date(2027, 3, 1)
TUESDAY = MONDAY + dt.timedelta(days=1)
WEDNESDAY = MONDAY + dt.timedelta(days=2)
MORNING = {"time_from": dt.time(7), "time_to": dt.time(11, 59)}


def propose(
    session: Session,
    practice: PracticeConfig,
    wish: agenda.TimeWish,
    *,
    conversation: str = "CA-one",
    appointment_type: str = "longue",
    **kw: object,
) -> list[agenda.HeldSlot]:
    return agenda.propose(
        session,
        practice,
        appointment_type,
        wish=wish,
        conversation_id=conversation,
        now=NOW,
        **kw,  # type: ignore[arg-type]
    )


def starts(held: list[agenda.HeldSlot]) -> list[dt.datetime]:
    return [h.slot.start for h in held]


def test_three_proposals_on_distinct_half_days_are_held_for_the_call(
    session: Session, practice: PracticeConfig
) -> None:
    held = propose(session, practice, agenda.TimeWish(asap=True))
    assert len(held) == PROPOSALS
    assert starts(held) == [local(MONDAY, 8), local(MONDAY, 14), local(TUESDAY, 8)]
    assert {h.conversation_id for h in held} == {"CA-one"}
    live = agenda.conversation_holds(session, practice, "CA-one", NOW)
    assert [h.hold_id for h in live] == [h.hold_id for h in held]


def test_within_one_half_day_proposals_are_an_hour_apart(
    session: Session, practice: PracticeConfig
) -> None:
    wish = agenda.TimeWish(earliest=MONDAY, latest=MONDAY, **MORNING)
    held = propose(session, practice, wish)
    assert starts(held) == [local(MONDAY, 8), local(MONDAY, 9), local(MONDAY, 10)]
    assert all(b - a >= PROPOSALS_APART for a, b in itertools.pairwise(starts(held)))


def test_around_a_time_the_closest_are_proposed(
    session: Session, practice: PracticeConfig
) -> None:
    wish = agenda.TimeWish(earliest=MONDAY, latest=MONDAY, around=dt.time(10), **MORNING)
    assert starts(propose(session, practice, wish)) == [
        local(MONDAY, 9), local(MONDAY, 10), local(MONDAY, 11)
    ]
    # "Vers dix heures" on one day: never two proposals closer than an hour, so only one.
    narrow = agenda.TimeWish(
        earliest=MONDAY, latest=MONDAY, around=dt.time(10),
        time_from=dt.time(9, 30), time_to=dt.time(10, 30),
    )
    assert starts(propose(session, practice, narrow)) == [local(MONDAY, 10)]


def test_weekdays_asked_for_and_ruled_out(session: Session, practice: PracticeConfig) -> None:
    not_monday = agenda.TimeWish(excluded_weekdays=frozenset({0}))
    assert starts(propose(session, practice, not_monday)) == [
        local(TUESDAY, 8), local(TUESDAY, 14), local(WEDNESDAY, 8)
    ]
    wednesdays = agenda.TimeWish(weekdays=frozenset({2}))
    assert starts(propose(session, practice, wednesdays)) == [
        local(WEDNESDAY, 8), local(WEDNESDAY, 14), local(WEDNESDAY + dt.timedelta(weeks=1), 8)
    ]


def test_only_the_practitioner_asked_for(session: Session, practice: PracticeConfig) -> None:
    held = propose(
        session, practice, agenda.TimeWish(asap=True), appointment_type="consultation",
        practitioner="beta",
    )
    assert {h.slot.practitioner_id for h in held} == {"beta"}
    assert starts(held)[0] == local(MONDAY, 9)


def test_nothing_fits_nothing_is_held(session: Session, practice: PracticeConfig) -> None:
    propose(session, practice, agenda.TimeWish(asap=True))
    assert propose(session, practice, agenda.TimeWish(time_from=dt.time(19))) == []
    assert agenda.conversation_holds(session, practice, "CA-one", NOW) == []


def test_the_next_round_comes_after_the_last_proposal_and_replaces_it(
    session: Session, practice: PracticeConfig
) -> None:
    first = propose(session, practice, agenda.TimeWish(asap=True))
    last = max(starts(first))
    again = propose(session, practice, agenda.TimeWish(asap=True), after=last, round_number=2)
    assert len(again) == PROPOSALS
    assert all(start > last for start in starts(again))
    live = agenda.conversation_holds(session, practice, "CA-one", NOW)
    assert [h.hold_id for h in live] == [h.hold_id for h in again]


def test_no_round_beyond_the_last_and_nothing_stays_held(
    session: Session, practice: PracticeConfig
) -> None:
    wish = agenda.TimeWish(asap=True)
    assert len(propose(session, practice, wish, round_number=MAX_ROUNDS)) == PROPOSALS
    assert propose(session, practice, wish, round_number=MAX_ROUNDS + 1) == []
    assert agenda.conversation_holds(session, practice, "CA-one", NOW) == []


def test_two_callers_are_never_proposed_the_same_time(
    session: Session, practice: PracticeConfig
) -> None:
    wish = agenda.TimeWish(asap=True)
    one = propose(session, practice, wish, conversation="CA-one")
    two = propose(session, practice, wish, conversation="CA-two")
    assert len(two) == PROPOSALS
    assert not any(
        a.slot.start < b.slot.end and b.slot.start < a.slot.end for a in one for b in two
    )


def test_a_refused_day_widens_to_the_same_weekday_of_later_weeks() -> None:
    one_day = agenda.TimeWish(earliest=MONDAY, latest=MONDAY, time_from=dt.time(14))
    assert one_day.widened() == agenda.TimeWish(
        earliest=MONDAY, weekdays=frozenset({0}), time_from=dt.time(14)
    )
    week = agenda.TimeWish(earliest=MONDAY, latest=MONDAY + dt.timedelta(days=4))
    assert week.widened() == agenda.TimeWish(earliest=MONDAY)


def test_a_refused_day_relaxes_to_the_nearest_days_then_any_time_keeping_days_ruled_out(
) -> None:
    sunday = MONDAY - dt.timedelta(days=1)
    wish = agenda.TimeWish(
        earliest=sunday, latest=sunday, time_from=dt.time(8), time_to=dt.time(12),
        excluded_weekdays=frozenset({2}),
    )
    assert wish.relaxations() == [
        agenda.TimeWish(earliest=sunday, weekdays=frozenset({6}), time_from=dt.time(8),
                        time_to=dt.time(12), excluded_weekdays=frozenset({2})),
        agenda.TimeWish(earliest=sunday, time_from=dt.time(8), time_to=dt.time(12),
                        excluded_weekdays=frozenset({2})),
        agenda.TimeWish(earliest=sunday, excluded_weekdays=frozenset({2})),
    ]
    assert agenda.TimeWish(asap=True).relaxations() == []


def test_a_wish_reads_starts_in_the_practice_timezone() -> None:
    wish = agenda.TimeWish(earliest=TUESDAY, time_from=dt.time(8), time_to=dt.time(8, 30))
    assert wish.accepts(dt.datetime(2027, 3, 2, 7, 15, tzinfo=dt.UTC), PARIS)  # 08:15 in Paris
    assert not wish.accepts(dt.datetime(2027, 3, 2, 8, 15, tzinfo=dt.UTC), PARIS)
    assert not wish.accepts(local(MONDAY, 8, 15), PARIS)
    assert not agenda.TimeWish(excluded_weekdays=frozenset({1})).accepts(
        local(TUESDAY, 8), PARIS
    )
