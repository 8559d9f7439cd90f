"""The booking form's validation: each answer read in turn — type, practitioner, time wish,
choice among the proposals, identity, read-back — with the agenda's work done between questions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

import agenda
from dialogue.actions.booking import booking_summary, practitioner_events
from dialogue.actions.booking_proposals import give_up, propose, time_wish
from dialogue.actions.common import (
    answer_for,
    extract_yes_no,
    latest_intent,
    validate_yes_no,
)
from dialogue.actions.identity import IdentityFormValidation
from dialogue.actions.runtime import call_metadata, current_practice
from dialogue.french.slot_choice import choose_slot
from dialogue.french.time_preference import parse_time_preference


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
        summary = await booking_summary(tracker)
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
        type_id = text if text in bookable else agenda.match_type(text, practice)
        if type_id is None:
            if int(tracker.get_slot("retries") or 0) < 1:
                dispatcher.utter_message(response="utter_unknown_appointment_type")
                return {"appointment_type": None, "retries": 1}
            type_id = bookable[0]
        slots: dict[str, Any] = {"appointment_type": type_id, "retries": 0}
        if not tracker.get_slot("practitioner"):
            for event in practitioner_events(practice, type_id, ""):
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
        type_id = str(tracker.get_slot("appointment_type") or "")
        allowed = agenda.practitioners_for(practice, type_id)
        text = str(value or "")
        if text in allowed or text == agenda.ANY_PRACTITIONER:
            return {"practitioner": text}
        named = agenda.match_practitioner(text, practice, allowed)
        return {"practitioner": named or agenda.ANY_PRACTITIONER}

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
        preference = parse_time_preference(text, now)
        if preference.understood:
            wish = time_wish(preference)
        elif int(tracker.get_slot("retries") or 0) < 1:
            dispatcher.utter_message(response="utter_time_not_understood")
            return {"time_preference": None, "retries": 1}
        else:
            # Still not understood: the earliest slots, which the caller may refuse.
            wish = agenda.TimeWish(asap=True)
        return await propose(dispatcher, tracker, practice, now, text, wish, after=None)

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
            return await give_up(dispatcher, tracker, practice, None)
        dispatcher.utter_message(response="utter_other_proposals")
        said = str(tracker.get_slot("time_preference") or "")
        wish = time_wish(parse_time_preference(said, now)).widened()
        return await propose(
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

