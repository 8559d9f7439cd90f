"""Proposals in the booking form: the caller's time wish → the agenda's held proposals, phrased
for the question "Lequel vous convient ?"; or, when none are left, a booking that fails softly.

Which slots, how many, how far apart and for how many rounds is the agenda's policy
(`agenda.propose`); here the dialogue's reading of the wish is handed over, and the answer is
put into slots and words — and into the line an unfinished booking leaves in the inbox.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

import agenda
from core import PracticeConfig, WeeklyHours
from dialogue import catalogue, understood
from dialogue.actions.common import conversation_id
from dialogue.actions.runtime import in_db
from dialogue.french.speech_format import say_list, say_moment
from dialogue.french.time_preference import TimePreference, parse_time_preference


def read_wish(text: str, practice: PracticeConfig, now: dt.datetime) -> TimePreference:
    """The caller's words read as a wish, parts of the day fitted to the practice's hours."""
    return parse_time_preference(text, now, opening=opening_span(practice))


def opening_span(practice: PracticeConfig) -> tuple[dt.time, dt.time] | None:
    """The earliest opening and the latest closing of any practitioner, any day."""
    ranges = [
        r for person in practice.practitioners for r in _ranges(person.hours)
    ]
    if not ranges:
        return None
    return min(r.start for r in ranges), max(r.end for r in ranges)


def _ranges(hours: WeeklyHours) -> list[Any]:
    return [r for day in range(7) for r in hours.for_weekday(day)]


def chosen_practitioner(tracker: Tracker) -> str | None:
    """The practitioner the caller asked for, or None for anyone."""
    who = tracker.get_slot("practitioner")
    return None if who in (None, agenda.ANY_PRACTITIONER) else str(who)


async def propose(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    practice: PracticeConfig,
    now: dt.datetime,
    wish: agenda.TimeWish,
    *,
    after: dt.datetime | None,
) -> dict[str, Any]:
    """Hold and phrase the next round of proposals; none left → the booking fails softly."""
    sender = conversation_id(tracker)
    type_id = str(tracker.get_slot("appointment_type") or "consultation")
    practitioner = chosen_practitioner(tracker)
    rounds = int(tracker.get_slot("proposal_rounds") or 0) + 1

    def work(session: Session) -> list[agenda.HeldSlot]:
        return agenda.propose(
            session,
            practice,
            type_id,
            practitioner=practitioner,
            wish=wish,
            conversation_id=sender,
            after=after,
            round_number=rounds,
            now=now,
        )

    held = await in_db(work)
    if not held and after is None:
        # Nothing on the day asked: the same weekday and time of day in the weeks after, then
        # the nearest days, as a secretary would offer, before giving up.
        for looser in wish.relaxations():
            wish = looser
            held = await in_db(work)
            if held:
                break
    slots: dict[str, Any] = {"proposal_rounds": rounds, "retries": 0}
    if not held:
        return slots | await give_up(dispatcher, tracker, practice)
    proposals = [
        {"hold_id": h.hold_id, "start": h.slot.start.isoformat(),
         "practitioner": h.slot.practitioner_name}
        for h in held
    ]
    several = len({h.slot.practitioner_id for h in held}) > 1
    phrases = [
        say_moment(h.slot.start.astimezone(practice.tz))
        + (f" {h.slot.practitioner_name}" if several else "")
        for h in held
    ]
    return slots | {
        "proposals": proposals,
        "proposals_text": say_list(phrases, "ou"),
        "proposal_single": len(held) == 1,
        "chosen_slot": None,
    }


async def give_up(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    practice: PracticeConfig,
    response: str = "utter_no_slot",
) -> dict[str, Any]:
    """No slot suits (or the choice among them was not understood twice: ``response`` says
    which): release the holds; the form goes on to take the caller's details."""
    sender = conversation_id(tracker)
    await in_db(lambda session: agenda.release_holds(session, sender))
    dispatcher.utter_message(response=response)
    return {
        "booking_failed": True,
        "booking_wish": booking_wish(tracker, practice),
        "chosen_slot": None,
        "retries": 0,
    }


def booking_wish(tracker: Tracker, practice: PracticeConfig) -> str:
    """What the caller asked for so far, for the secretary who calls back: the type, the
    practitioner, the time wish in the caller's words, and the slots proposed."""
    type_id = understood.known(tracker.get_slot("appointment_type"))
    who = chosen_practitioner(tracker)
    said = understood.known(tracker.get_slot("time_preference"))
    proposed = understood.known(tracker.get_slot("proposals_text"))
    parts = [
        agenda.type_label(practice, type_id) if type_id else "",
        agenda.practitioner_name(practice, who) if who is not None else "",
        catalogue.response("utter_fragment_wish", wish=said).text if said else "",
        catalogue.response("utter_fragment_proposed", proposals=proposed).text if proposed else "",
    ]
    return ", ".join(p for p in parts if p)
