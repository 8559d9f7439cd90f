"""Booking by phone: type, practitioner, time wish → held proposals → choice → identity →
read-back → confirmation → the appointment in the agenda (or a message when it cannot be).

The agenda does the work (slots, holds, the at-most-once booking); these actions only read the
caller's words and call its public face. Proposals are held while the caller chooses, so two
callers are never promised the same slot.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from rapidfuzz import fuzz
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

import agenda
import transcripts
from core import PracticeConfig
from dialogue import understood
from dialogue.actions.common import (
    answer_for,
    conversation_id,
    extract_yes_no,
    latest_intent,
    validate_yes_no,
)
from dialogue.actions.identity import IdentityFormValidation
from dialogue.actions.runtime import call_metadata, current_practice, in_db
from dialogue.french.normalize import fold_accents
from dialogue.french.slot_choice import choose_slot
from dialogue.french.speech_format import say_list, say_moment
from dialogue.french.time_preference import TimePreference, parse_time_preference

ANY_PRACTITIONER = "any"
PROPOSALS = 3
_APART = dt.timedelta(hours=1)
MAX_ROUNDS = 3
_SEARCH_POOL = 200
_ANY_WORDS = ("importe", "premier disponible", "indifferent", "egal", "qui vous voulez",
              "le plus tot", "pas de preference", "celui qui")
# What callers say for a type, beyond its label (accents folded).
_TYPE_ALIASES = {
    "vaccin": "vaccination",
    "grippe": "vaccination",
    "grossesse": "suivi de grossesse",
    "enceinte": "suivi de grossesse",
    "1ere": "premiere consultation",
    "premiere fois": "premiere consultation",
    "nouveau patient": "premiere consultation",
    "nouvelle patiente": "premiere consultation",
    "jamais venu": "premiere consultation",
}
BOOKING_SLOTS = (
    "appointment_type", "practitioner", "type_choices", "practitioner_choices", "time_preference",
    "proposals", "proposals_text", "proposal_rounds", "chosen_slot", "booking_failed",
    "booking_wish", "booking_summary", "booking_confirmed", "moving_appointment_id",
)


def match_type(text: str, practice: PracticeConfig) -> str | None:
    """The phone-bookable appointment type named in ``text`` (longest label wins)."""
    folded = fold_accents(text.lower())
    for alias, label in _TYPE_ALIASES.items():
        if alias in folded:
            folded = f"{folded} {label}"
    best: tuple[int, str] | None = None
    for kind in practice.appointment_types:
        label = fold_accents(kind.label.lower())
        if kind.bookable_by_phone and label in folded and (best is None or len(label) > best[0]):
            best = (len(label), kind.id)
    return best[1] if best else None


def match_practitioner(text: str, practice: PracticeConfig, allowed: list[str]) -> str | None:
    """A practitioner id, `ANY_PRACTITIONER`, or None when the words name neither."""
    folded = fold_accents(text.lower())
    if any(word in folded for word in _ANY_WORDS):
        return ANY_PRACTITIONER
    best: tuple[float, str] | None = None
    for person in practice.practitioners:
        if person.id not in allowed:
            continue
        surname = fold_accents(person.name.split()[-1].lower())
        score = max(
            (fuzz.ratio(surname, word) for word in folded.split()), default=0.0
        )
        if score >= 80 and (best is None or score > best[0]):
            best = (score, person.id)
    return best[1] if best else None


def practitioners_for(practice: PracticeConfig, type_id: str) -> list[str]:
    """Who gives an appointment type."""
    for kind in practice.appointment_types:
        if kind.id == type_id:
            return list(kind.practitioners)
    return []


def type_label(practice: PracticeConfig, type_id: str) -> str:
    """The French label of a type."""
    return next((k.label for k in practice.appointment_types if k.id == type_id), type_id)


def practitioner_name(practice: PracticeConfig, practitioner_id: str) -> str:
    """The practitioner's name as said to callers."""
    return next((p.name for p in practice.practitioners if p.id == practitioner_id), "")


class ActionStartBooking(Action):
    """Clear the previous booking's slots and take what the first sentence already said."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_start_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Pre-fill the type and practitioner when named; list the choices otherwise."""
        practice = await current_practice()
        text = str(tracker.latest_message.get("text") or "")
        events: list[EventType] = [SlotSet(slot, None) for slot in BOOKING_SLOTS]
        events += [SlotSet("proposal_rounds", 0), SlotSet("retries", 0)]
        bookable = [k for k in practice.appointment_types if k.bookable_by_phone]
        events.append(SlotSet("type_choices", say_list([k.label for k in bookable], "ou")))
        type_id = match_type(text, practice) or (bookable[0].id if len(bookable) == 1 else None)
        if type_id:
            events.append(SlotSet("appointment_type", type_id))
            events += _practitioner_events(practice, type_id, text)
        return events


def _practitioner_events(practice: PracticeConfig, type_id: str, text: str) -> list[EventType]:
    allowed = practitioners_for(practice, type_id)
    if len(allowed) == 1:
        return [SlotSet("practitioner", allowed[0])]
    named = match_practitioner(text, practice, allowed) if text else None
    names = say_list([practitioner_name(practice, p) for p in allowed], None)
    events: list[EventType] = [SlotSet("practitioner_choices", names)]
    if named and named != ANY_PRACTITIONER:
        events.append(SlotSet("practitioner", named))
    return events


class ValidateBookingForm(IdentityFormValidation):
    """Reads each answer of the booking form and does the agenda work between questions."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "validate_booking_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """No slot to choose when nothing is free; no read-back when the booking failed; no
        callback number when moving (the patient is on file)."""
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        if tracker.get_slot("booking_failed"):
            slots = [s for s in slots if s not in ("chosen_slot", "booking_confirmed")]
        if tracker.get_slot("moving_appointment_id") is not None:
            slots = [s for s in slots if s not in ("phone_confirmed", "callback_number")]
        return slots

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Validate as usual, then keep the read-back sentence up to date."""
        events: list[EventType] = await super().run(dispatcher, tracker, domain)
        tracker.add_slots(events)
        summary = await _summary(tracker)
        if summary is not None:
            events.append(SlotSet("booking_summary", summary))
        return events

    # --- type and practitioner ------------------------------------------------------------

    async def extract_appointment_type(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The answer to "C'est pour quel type de rendez-vous ?"."""
        text = answer_for(tracker, "appointment_type")
        return {} if text is None else {"appointment_type": text}

    async def validate_appointment_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A bookable type id; its practitioner is set when only one gives it.

        Not understood twice, the first bookable type is taken (the read-back lets the caller
        refuse it).
        """
        practice = await current_practice()
        text = str(value or "")
        bookable = [k.id for k in practice.appointment_types if k.bookable_by_phone]
        type_id = text if text in bookable else match_type(text, practice)
        if type_id is None:
            if int(tracker.get_slot("retries") or 0) < 1:
                dispatcher.utter_message(response="utter_unknown_appointment_type")
                return {"appointment_type": None, "retries": 1}
            type_id = bookable[0]
        slots: dict[str, Any] = {"appointment_type": type_id, "retries": 0}
        if not tracker.get_slot("practitioner"):
            for event in _practitioner_events(practice, type_id, ""):
                slots[event["name"]] = event["value"]
        return slots

    async def extract_practitioner(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The answer to "Avec le docteur Martin, le docteur Durand, ou le premier disponible ?"."""
        text = answer_for(tracker, "practitioner")
        return {} if text is None else {"practitioner": text}

    async def validate_practitioner(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A practitioner id or "any"; an answer that names nobody means anyone."""
        practice = await current_practice()
        allowed = practitioners_for(practice, str(tracker.get_slot("appointment_type") or ""))
        text = str(value or "")
        if text in allowed or text == ANY_PRACTITIONER:
            return {"practitioner": text}
        return {"practitioner": match_practitioner(text, practice, allowed) or ANY_PRACTITIONER}

    # --- time wish and proposals ----------------------------------------------------------

    async def extract_time_preference(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The answer to "Quand souhaitez-vous venir ?"."""
        text = answer_for(tracker, "time_preference")
        return {} if text is None else {"time_preference": text}

    async def validate_time_preference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Understand the wish, then find and hold the proposals (or note that none exist)."""
        practice = await current_practice()
        now = call_metadata(tracker, practice).now
        text = str(value or "")
        wish = parse_time_preference(text, now)
        if not wish.understood:
            if int(tracker.get_slot("retries") or 0) < 1:
                dispatcher.utter_message(response="utter_time_not_understood")
                return {"time_preference": None, "retries": 1}
            # Still not understood: the earliest slots, which the caller may refuse.
            wish = TimePreference(asap=True)
        return await _propose(dispatcher, tracker, practice, now, text, wish, after=None)

    async def extract_chosen_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The answer to "Lequel vous convient ?"."""
        text = answer_for(tracker, "chosen_slot")
        return {} if text is None else {"chosen_slot": text}

    async def validate_chosen_slot(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """One of the held proposals; "aucun ne me convient" gives the next ones."""
        practice = await current_practice()
        now = call_metadata(tracker, practice).now
        proposals: list[dict[str, Any]] = list(tracker.get_slot("proposals") or [])
        if isinstance(value, (int, float)) and any(p["hold_id"] == value for p in proposals):
            return {"chosen_slot": value}
        text = str(value or "")
        starts = [dt.datetime.fromisoformat(p["start"]) for p in proposals]
        index = None if latest_intent(tracker) == "none_suits" else choose_slot(text, starts, now)
        if index is not None:
            return {"chosen_slot": float(proposals[index]["hold_id"]), "retries": 0}
        if latest_intent(tracker) != "none_suits":
            if int(tracker.get_slot("retries") or 0) < 1:
                dispatcher.utter_message(response="utter_which_slot")
                return {"chosen_slot": None, "retries": 1}
            return await _give_up(dispatcher, tracker, practice, None)
        dispatcher.utter_message(response="utter_other_proposals")
        wish = _widened(parse_time_preference(str(tracker.get_slot("time_preference") or ""), now))
        return await _propose(
            dispatcher, tracker, practice, now, None, wish, after=max(starts) if starts else None
        )

    # --- read-back ------------------------------------------------------------------------

    async def extract_booking_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Yes or no to the read-back."""
        return extract_yes_no("booking_confirmed", dispatcher, tracker)

    def validate_booking_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """True or False; anything else is asked again."""
        return validate_yes_no("booking_confirmed", value)


async def _propose(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    practice: PracticeConfig,
    now: dt.datetime,
    said: str | None,
    wish: TimePreference,
    *,
    after: dt.datetime | None,
) -> dict[str, Any]:
    """Search, hold and phrase up to three proposals; none left → the booking fails softly."""
    sender = conversation_id(tracker)
    type_id = str(tracker.get_slot("appointment_type") or "consultation")
    who = tracker.get_slot("practitioner")
    practitioner = None if who in (None, ANY_PRACTITIONER) else str(who)
    rounds = int(tracker.get_slot("proposal_rounds") or 0) + 1

    def work(session: Session) -> list[agenda.HeldSlot]:
        found = agenda.search_slots(
            session,
            practice,
            type_id,
            practitioner=practitioner,
            earliest=max(
                filter(None, (wish.earliest, after.date() if after else None)), default=None
            ),
            latest=wish.latest,
            weekdays=wish.weekdays or None,
            asap=not wish.flexible,
            spread=False,
            limit=_SEARCH_POOL,
            conversation_id=sender,
            now=now,
        )
        fitting = [s for s in found if wish.accepts(s.start) and (after is None or s.start > after)]
        return agenda.hold_slots(
            session, practice, _spread(fitting, wish), conversation_id=sender, now=now
        )

    held = await in_db(work) if rounds <= MAX_ROUNDS else []
    slots: dict[str, Any] = {"proposal_rounds": rounds, "retries": 0}
    if said is not None:
        slots["time_preference"] = said
    if not held:
        return slots | await _give_up(dispatcher, tracker, practice, said)
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
        "chosen_slot": None,
    }


async def _give_up(
    dispatcher: CollectingDispatcher, tracker: Tracker, practice: PracticeConfig, said: str | None
) -> dict[str, Any]:
    """No slot suits: release the holds; the form goes on to take the caller's details."""
    sender = conversation_id(tracker)
    await in_db(lambda session: agenda.release_holds(session, sender))
    dispatcher.utter_message(response="utter_no_slot")
    type_id = str(tracker.get_slot("appointment_type") or "")
    who = tracker.get_slot("practitioner")
    wish = ", ".join(
        part
        for part in (
            type_label(practice, type_id),
            practitioner_name(practice, str(who)) if who not in (None, ANY_PRACTITIONER) else "",
            str(said or tracker.get_slot("time_preference") or ""),
        )
        if part
    )
    return {"booking_failed": True, "booking_wish": wish, "chosen_slot": None, "retries": 0}


def _spread(slots: list[agenda.Slot], wish: TimePreference) -> list[agenda.Slot]:
    """Up to three proposals, on distinct half-days where possible, else an hour apart;
    closest to the asked time first when one was asked."""
    if wish.around is not None:
        target = wish.around.hour * 60 + wish.around.minute
        slots = sorted(
            slots,
            key=lambda s: (s.start.date(), abs(s.start.hour * 60 + s.start.minute - target)),
        )
    picked: list[agenda.Slot] = []
    seen: set[tuple[dt.date, bool]] = set()
    for slot in slots:
        half_day = (slot.start.date(), slot.start.hour < 13)
        if half_day not in seen:
            seen.add(half_day)
            picked.append(slot)
        if len(picked) == PROPOSALS:
            return sorted(picked, key=lambda s: s.start)
    for slot in slots:
        if all(abs(slot.start - other.start) >= _APART for other in picked):
            picked.append(slot)
        if len(picked) == PROPOSALS:
            break
    return sorted(picked, key=lambda s: s.start)


def _widened(wish: TimePreference) -> TimePreference:
    """The wish for "aucun ne me convient": same weekday and time of day, any later week."""
    if wish.earliest is not None and wish.earliest == wish.latest:
        return replace(wish, weekdays=frozenset({wish.earliest.weekday()}), latest=None)
    return replace(wish, latest=None)


async def _summary(tracker: Tracker) -> str | None:
    """The read-back: type, practitioner, moment, name; None until a slot is chosen."""
    chosen = tracker.get_slot("chosen_slot")
    proposals: list[dict[str, Any]] = list(tracker.get_slot("proposals") or [])
    picked = next((p for p in proposals if p["hold_id"] == chosen), None)
    if picked is None:
        return None
    practice = await current_practice()
    start = dt.datetime.fromisoformat(picked["start"]).astimezone(practice.tz)
    label = type_label(practice, str(tracker.get_slot("appointment_type") or ""))
    parts = [f"{label} avec {picked['practitioner']}", say_moment(start)]
    first = understood.known(tracker.get_slot("first_name"))
    last = understood.known(tracker.get_slot("last_name"))
    if first or last:
        parts.append(f"au nom de {' '.join(filter(None, (first, last))).title()}")
    return ", ".join(parts)


class ActionBook(Action):
    """Write the confirmed appointment (or move one), or hand the request to the secretariat."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_book"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Book, move, or leave a "rendez-vous non abouti" message; then ask what else."""
        practice = await current_practice()
        now = call_metadata(tracker, practice).now
        sender = conversation_id(tracker)
        reset: list[EventType] = [SlotSet(slot, None) for slot in BOOKING_SLOTS]
        if tracker.get_slot("booking_failed"):
            await _failed(tracker, "book")
            dispatcher.utter_message(response="utter_we_will_call_back")
        elif tracker.get_slot("booking_confirmed"):
            done = await _confirm(tracker, practice, now, sender)
            if done is None:
                await _failed(tracker, "book")
                dispatcher.utter_message(response="utter_booking_failed")
            else:
                moved = tracker.get_slot("moving_appointment_id") is not None
                dispatcher.utter_message(
                    response="utter_moved" if moved else "utter_booked",
                    booking_summary=tracker.get_slot("booking_summary"),
                )
        else:
            await in_db(lambda session: agenda.release_holds(session, sender))
            dispatcher.utter_message(response="utter_booking_not_confirmed")
        dispatcher.utter_message(response="utter_anything_else")
        return reset


async def _confirm(
    tracker: Tracker, practice: PracticeConfig, now: dt.datetime, sender: str
) -> agenda.AppointmentInfo | None:
    """The appointment, written exactly once by the agenda; None when it could not be."""
    identity = understood.identity(tracker.slots)
    hold_id = int(tracker.get_slot("chosen_slot"))
    moving = tracker.get_slot("moving_appointment_id")
    if identity.birth_date is None or identity.last_name is None:
        return None

    def work(session: Session) -> agenda.AppointmentInfo:
        assert identity.birth_date is not None and identity.last_name is not None
        found = agenda.identify_patient(
            session,
            birth_date=identity.birth_date,
            last_name=identity.last_name,
            first_name=identity.first_name,
            phone=identity.callback_number,
        )
        patient = found.patient or agenda.register_patient(
            session,
            last_name=identity.last_name,
            first_name=identity.first_name or "",
            birth_date=identity.birth_date,
            phone=identity.callback_number,
        )
        if moving is not None:
            info = agenda.move_appointment(
                session, practice, int(moving), by="phone", hold_id=hold_id,
                conversation_id=sender, patient_id=patient.id, now=now,
            )
        else:
            info = agenda.confirm_hold(
                session, practice, hold_id, patient_id=patient.id, conversation_id=sender,
                call_sid=sender, now=now,
            )
        agenda.release_holds(session, sender)
        transcripts.set_outcome(session, call_sid=sender, outcome="moved" if moving else "booked")
        return info

    try:
        return await in_db(work)
    except agenda.AgendaError:
        return None


async def _failed(tracker: Tracker, request: str) -> None:
    """A "rendez-vous non abouti" message with what the caller wanted."""
    sender = conversation_id(tracker)
    identity = understood.identity(tracker.slots)
    details = {"request": request, "wish": understood.known(tracker.get_slot("booking_wish"))}

    def work(session: Session) -> None:
        agenda.release_holds(session, sender)
        transcripts.leave_message(
            session,
            call_sid=sender,
            kind=transcripts.MessageKind.FAILED_BOOKING,
            identity=identity,
            details=details,
        )
        transcripts.set_outcome(session, call_sid=sender, outcome="failed_booking")

    await in_db(work)
