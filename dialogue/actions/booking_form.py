"""The booking form's validation: every answer read for everything it says, the questions that
need no asking skipped, and the agenda's work done between questions.

Everything said counts, once: the type, the practitioner and the time wish are taken from any
sentence that says them (the opening as well as a later answer), and a correction ("non, plutôt
jeudi après-midi") replaces what it corrects and brings new proposals. What is known is never
asked again, only confirmed in the read-back. Asked only when needed: the type when its length
matters and the patient is not known (a known patient comes for a consultation unless they say
otherwise), the practitioner when several give the type and the patient has no usual one.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

import agenda
from core import PracticeConfig
from dialogue.actions import callers
from dialogue.actions.booking import booking_summary
from dialogue.actions.booking_opening import understood_booking
from dialogue.actions.booking_proposals import (
    booking_wish,
    give_up,
    propose,
    read_wish,
)
from dialogue.actions.common import (
    activating,
    answer_for,
    answered,
    aside,
    extract_yes_no,
    latest_intent,
    said_text,
    said_to,
    validate_yes_no,
    yes_or_no,
)
from dialogue.actions.identity import IdentityFormValidation
from dialogue.actions.runtime import call_metadata, current_practice
from dialogue.french.names import FullName, name_correction
from dialogue.french.normalize import flat_text, normalize_transcript
from dialogue.french.slot_choice import choose_slot
from dialogue.french.speech_format import say_list

# Questions during which a sentence may still change the type, practitioner or time wish (not
# while the caller gives a name, a date of birth or a number).
_BOOKING_QUESTIONS = frozenset(
    {None, "patient_confirmed", "appointment_type", "practitioner", "time_preference",
     "chosen_slot", "booking_confirmed"}
)
_DOCTOR_NAMED = re.compile(r"\b(?:docteur|docteure|dr|avec)\b")
# Words that make a sentence a time wish when it was not asked for one ("le 1er" alone is a
# choice among proposals, "le premier disponible" a practitioner).
_TIME_WORDS = re.compile(
    r"\b(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|demain|aujourd|semaine|mois|matin"
    r"|matinee|apres midi|soir|heures?|midi|prochaine?|lendemain|week|tot possible|plus vite"
    r"|des que possible|n importe quand|janvier|fevrier|mars|avril|mai|juin|juillet|aout"
    r"|septembre|octobre|novembre|decembre|quinze jours|huit jours|\d+ jours|debut|fin|milieu)\b"
    # A day by its number, or a bound ("pas avant le 15", "à partir du 12", "après le 20").
    r"|\b(?:le|du|au|avant|apres) \d{1,2}(?:er)?\b"
)
_NONE_SUITS = re.compile(r"\b(?:aucun|aucune|ni l un ni l autre|d autres|autre chose)\b")


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

    async def validate_turn(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Validate, then fill what needs no question, find the proposals once the type, the
        practitioner and the wish are known, and keep the read-back up to date."""
        starting = activating(tracker, "booking_form")
        events: list[EventType] = await super().validate_turn(dispatcher, tracker, domain)
        tracker.add_slots(events)
        practice = await current_practice()
        more = _defaults(tracker, practice)
        tracker.add_slots([SlotSet(k, v) for k, v in more.items()])
        if starting and tracker.get_slot("moving_appointment_id") is None:
            dispatcher.utter_message(**understood_booking(tracker, practice))
        more |= await _proposals(dispatcher, tracker, practice)
        tracker.add_slots([SlotSet(k, v) for k, v in more.items()])
        summary = await booking_summary(tracker)
        for name, value in (("booking_summary", summary),
                            ("booking_wish", booking_wish(tracker, practice))):
            if value is not None and value != tracker.get_slot(name):
                more[name] = value
        if not more:
            return events
        tracker.add_slots([SlotSet(k, v) for k, v in more.items()])
        events = [e for e in events if e.get("name") != "requested_slot"]
        events += [SlotSet(k, v) for k, v in more.items()]
        following = await self.next_requested_slot(dispatcher, tracker, domain)
        return events + ([following] if following is not None else [])

    # --- type and practitioner ------------------------------------------------------------

    async def answered_anyway(self, tracker: Tracker) -> bool:
        """An ailment or a type said to the type's question is its answer, whatever else it
        sounds like."""
        text = said_to(tracker, "appointment_type")
        return text is not None and agenda.answer_type(text, await current_practice()) is not None

    async def extract_appointment_type(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The answer to "C'est pour quel type de rendez-vous ?", or a type named unasked."""
        text = answer_for(tracker, "appointment_type")
        if text is None and aside(tracker) is not None and await self.answered_anyway(tracker):
            # Heard as a question aside, yet naming the type: taken (never words that leave
            # the request for another, which answer_for set apart too).
            text = said_to(tracker, "appointment_type")
        if text is not None:
            return {"appointment_type": text}
        said = _unasked(tracker)
        if said is None:
            return {}
        type_id = agenda.match_type(said, await current_practice())
        unchanged = (None, tracker.get_slot("appointment_type"))
        return {"appointment_type": type_id} if type_id not in unchanged else {}

    async def validate_appointment_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A bookable type id. "Whichever", or not understood twice: the first bookable type
        (the read-back lets the caller refuse it)."""
        practice = await current_practice()
        text = str(value or "")
        bookable = [k.id for k in practice.appointment_types if k.bookable_by_phone]
        type_id = text if text in bookable else agenda.answer_type(text, practice)
        if type_id is None:
            if await _wish_said(tracker, text):
                # "jeudi matin" for an answer: the wish is kept (extract_time_preference), and
                # the type is asked again without a "not understood".
                return {"appointment_type": None}
            if int(tracker.get_slot("retries") or 0) < 1:
                dispatcher.utter_message(response="utter_unknown_appointment_type")
                return {"appointment_type": None, "retries": 1}
            type_id = bookable[0]
        slots: dict[str, Any] = {"appointment_type": type_id, "retries": 0}
        who = tracker.get_slot("practitioner")
        if who not in (None, agenda.ANY_PRACTITIONER) and who not in agenda.practitioners_for(
            practice, type_id
        ):
            slots["practitioner"] = None  # the one named does not give this type
        return slots

    async def extract_practitioner(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The answer to "Avec le docteur Martin, le docteur Durand, ou le premier disponible ?",
        or a practitioner named unasked ("avec le docteur Durand")."""
        text = answer_for(tracker, "practitioner")
        if text is not None:
            return {"practitioner": text}
        said = _unasked(tracker)
        if said is None or not _DOCTOR_NAMED.search(flat_text(normalize_transcript(said))):
            return {}
        practice = await current_practice()
        type_id = tracker.get_slot("appointment_type")
        allowed = (
            agenda.practitioners_for(practice, str(type_id)) if type_id
            else [p.id for p in practice.practitioners]
        )
        named = agenda.match_practitioner(said, practice, allowed)
        if named in (None, agenda.ANY_PRACTITIONER, tracker.get_slot("practitioner")):
            return {}
        return {"practitioner": named}

    async def validate_practitioner(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A practitioner id or "any"; an answer that names nobody means anyone."""
        practice = await current_practice()
        type_id = tracker.get_slot("appointment_type")
        allowed = (
            agenda.practitioners_for(practice, str(type_id)) if type_id
            else [p.id for p in practice.practitioners]
        )
        text = str(value or "")
        if text in allowed or text == agenda.ANY_PRACTITIONER:
            return {"practitioner": text}
        named = agenda.match_practitioner(text, practice, allowed)
        return {"practitioner": named or agenda.ANY_PRACTITIONER}

    # --- time wish and proposals ----------------------------------------------------------

    async def extract_time_preference(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The answer to "Quand souhaitez-vous venir ?", or a wish said unasked; a new wish
        replaces the one before ("non, plutôt jeudi")."""
        text = answer_for(tracker, "time_preference")
        if text is not None:
            return {"time_preference": text}
        said = _unasked(tracker)
        if said is None or tracker.get_slot("requested_slot") == "chosen_slot":
            return {}  # a wish said while choosing is read by validate_chosen_slot
        return {"time_preference": said} if await _wish_said(tracker, said) else {}

    async def validate_time_preference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A wish understood (the proposals come once the type and practitioner are known);
        not understood twice, the earliest slots, which the caller may refuse."""
        practice = await current_practice()
        now = call_metadata(tracker, practice).now
        text = str(value or "")
        if read_wish(text, practice, now).understood:
            return {"time_preference": text, "retries": 0}
        if int(tracker.get_slot("retries") or 0) < 1:
            dispatcher.utter_message(response="utter_time_not_understood")
            return {"time_preference": None, "retries": 1}
        return {"time_preference": "le plus tôt possible", "retries": 0}

    async def extract_chosen_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The answer to "Lequel vous convient ?"."""
        return answered(tracker, "chosen_slot")

    async def validate_chosen_slot(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """One of the held proposals; "aucun ne me convient" gives the next ones; a new wish
        ("non, plutôt jeudi après-midi") new ones."""
        practice = await current_practice()
        now = call_metadata(tracker, practice).now
        proposals: list[dict[str, Any]] = list(tracker.get_slot("proposals") or [])
        if isinstance(value, (int, float)) and any(p["hold_id"] == value for p in proposals):
            return {"chosen_slot": value}
        text = str(value or "")
        starts = [dt.datetime.fromisoformat(p["start"]) for p in proposals]
        refused = latest_intent(tracker) == "none_suits" or bool(
            _NONE_SUITS.search(flat_text(normalize_transcript(text)))
        )
        # One slot read out is a yes-or-no question, whatever its wording.
        agreed = yes_or_no(tracker, text) if len(proposals) == 1 else None
        refused = refused or agreed is False
        index = 0 if agreed else None if refused else choose_slot(text, starts, now)
        if index is not None:
            return {"chosen_slot": float(proposals[index]["hold_id"]), "retries": 0}
        if not refused and await _wish_said(tracker, text):
            dispatcher.utter_message(response="utter_other_proposals")
            return {"time_preference": text, "chosen_slot": None, "proposed_for": None}
        if not refused:
            if int(tracker.get_slot("retries") or 0) < 1:
                dispatcher.utter_message(response="utter_which_slot")
                return {"chosen_slot": None, "retries": 1}
            return await give_up(dispatcher, tracker, practice, "utter_choice_not_understood")
        dispatcher.utter_message(response="utter_other_proposals")
        said = str(tracker.get_slot("time_preference") or "")
        wish = read_wish(said, practice, now).wish().widened()
        return await propose(
            dispatcher, tracker, practice, now, wish, after=max(starts) if starts else None
        )

    # --- read-back ------------------------------------------------------------------------

    async def extract_booking_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Yes or no to the read-back; a correction is no answer (it changes the booking)."""
        said = answer_for(tracker, "booking_confirmed")
        if said is not None and await _wish_said(tracker, said):
            return {}
        name = name_correction(said) if said is not None else None
        if name is not None:
            # "Non, mon nom c'est Élise Roi, r o i": the read-back again, with that name.
            first = name.first or tracker.get_slot("first_name")
            last = name.last or tracker.get_slot("last_name")
            return {
                "first_name": first, "last_name": last, "name_unsure": False,
                "full_name": FullName(first=first, last=last).said(),
            }
        return extract_yes_no("booking_confirmed", dispatcher, tracker)

    def validate_booking_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """True or False; anything else is asked again."""
        return validate_yes_no("booking_confirmed", value)


def _unasked(tracker: Tracker) -> str | None:
    """The caller's words when they may say something about the booking unasked."""
    if tracker.get_slot("requested_slot") not in _BOOKING_QUESTIONS:
        return None
    return said_text(tracker)


async def _wish_said(tracker: Tracker, text: str) -> bool:
    """Whether ``text`` says when the caller would come (with words that say it is a time)."""
    if not _TIME_WORDS.search(flat_text(normalize_transcript(text))):
        return False
    practice = await current_practice()
    return read_wish(text, practice, call_metadata(tracker, practice).now).understood


def _defaults(tracker: Tracker, practice: PracticeConfig) -> dict[str, Any]:
    """The type and practitioner that need no question, and the choices for those that do."""
    slots: dict[str, Any] = {}
    bookable = [k for k in practice.appointment_types if k.bookable_by_phone]
    type_id = tracker.get_slot("appointment_type")
    if type_id is None and bookable:
        same_length = len({k.duration_minutes for k in bookable}) == 1
        if same_length or tracker.get_slot("patient_id") is not None:
            # A known patient comes for the ordinary visit unless they say otherwise.
            type_id = slots["appointment_type"] = bookable[0].id
        elif tracker.get_slot("type_choices") is None:
            slots["type_choices"] = say_list([k.label for k in bookable], "ou")
    if type_id is not None and tracker.get_slot("practitioner") is None:
        allowed = agenda.practitioners_for(practice, str(type_id))
        usual = callers.usual_practitioner(tracker)
        if len(allowed) == 1:
            slots["practitioner"] = allowed[0]
        elif usual in allowed:
            slots["practitioner"] = usual
        elif tracker.get_slot("practitioner_choices") is None:
            names = [agenda.practitioner_name(practice, p) for p in allowed]
            slots["practitioner_choices"] = say_list(names, None)
    return slots


async def _proposals(
    dispatcher: CollectingDispatcher, tracker: Tracker, practice: PracticeConfig
) -> dict[str, Any]:
    """Proposals, once the type, the practitioner and the wish are known, and again whenever
    one of them changes (a correction, even at the read-back)."""
    type_id, who = tracker.get_slot("appointment_type"), tracker.get_slot("practitioner")
    said = tracker.get_slot("time_preference")
    if None in (type_id, who, said) or tracker.get_slot("booking_failed"):
        return {}
    key = f"{type_id}|{who}|{said}"
    if tracker.get_slot("proposed_for") == key:
        return {}
    now = call_metadata(tracker, practice).now
    if tracker.get_slot("proposed_for") is not None:
        dispatcher.utter_message(response="utter_other_proposals")  # a correction
    reset = {"chosen_slot": None, "booking_confirmed": None, "booking_summary": None,
             "proposal_rounds": 0}
    tracker.add_slots([SlotSet(k, v) for k, v in reset.items()])
    found = await propose(
        dispatcher, tracker, practice, now, read_wish(str(said), practice, now).wish(),
        after=None,
    )
    return reset | found | {"proposed_for": key}
