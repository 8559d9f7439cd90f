"""Who is calling: a known caller confirmed, or the full name, the date of birth, and the number
to call back.

Every form asks for these the same way; `IdentityFormValidation` is the base of each form's
validation action. A caller ID on file (`dialogue.actions.callers`) is met with "C'est bien pour
Marie Dupont ?" and skips the name questions; otherwise "Quel est votre nom et votre prénom ?"
is split into first and last names, and the spelling asked only when the split is unsure. The
slots use custom mappings: an answer is taken when it answers the question asked
(`requested_slot`), or when the caller said it unasked in so many words ("je suis Marie
Dupont"), so that "au revoir" or "passez-moi quelqu'un" interrupt the form instead of becoming a
name.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, ClassVar

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from dialogue.actions import callers, set_aside
from dialogue.actions.asides import answer_aside
from dialogue.actions.common import (
    activating,
    answer_for,
    answered,
    aside,
    escaping,
    latest_intent,
    retry_or_give_up,
    tidy,
    yes_or_no,
)
from dialogue.actions.runtime import call_metadata, current_practice
from dialogue.actions.someone_else import name_refused, only_who, patient_named
from dialogue.french.birth_date import birth_date_unknown, parse_birth_date
from dialogue.french.names import FullName, clean_name, names_said, refuses_name, split_full_name
from dialogue.french.phone_numbers import parse_french_phone
from dialogue.french.relatives import patient_named_by_role, patient_said, without_patient_words
from dialogue.french.yes_no import parse_yes_no
from dialogue.understood import UNKNOWN

_OLDEST = 1900
_IDENTITY_QUESTIONS = frozenset(
    {"patient_confirmed", "full_name", "name_spelled", "birth_date", "phone_confirmed",
     "callback_number"}
)
__all__ = ["IdentityFormValidation", "clean_name"]


class IdentityFormValidation(FormValidationAction):
    """Validation of the identity slots, shared by every form; subclasses add their own."""

    checks_birth_date: ClassVar[bool] = False
    """Ask the date of birth of a known caller too (before reading out or changing an
    appointment: a caller ID can be spoofed)."""

    def name(self) -> str:
        """Subclasses name their form's validation action."""
        raise NotImplementedError

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """A question asked aside is answered and the form's question asked again (the slot
        set back to empty keeps the form going: Rasa rejects a form that took nothing, and
        the question named, or Rasa would pick the first of the domain's), unless its words
        answer the question too; anything else is validated."""
        intent = aside(tracker)
        if intent is not None:
            await answer_aside(dispatcher, tracker, intent)
            if not await self.answered_anyway(tracker):
                return _asked_again(tracker)
        return await self.validate_turn(dispatcher, tracker, domain)

    async def answered_anyway(self, tracker: Tracker) -> bool:
        """Whether the latest words, heard as a question aside, still answer the form's question
        ("c'est grave s'il a mal aux oreilles ?" to the type asked: a consultation): then the
        aside is answered and the words taken."""
        return False

    async def validate_turn(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Look the caller ID up once, then validate as usual."""
        starting = activating(tracker, self.form_name())
        left = set_aside.left_form(tracker, self.form_name()) if starting else None
        if left is not None:
            await set_aside.leave_set_aside(tracker, left)
        alone = only_who(str(tracker.latest_message.get("text") or ""))
        found = [*await callers.look_up(tracker), *patient_named(tracker, alone=alone)]
        tracker.add_slots(found)
        if alone and tracker.get_slot("requested_slot") not in _WHO_QUESTIONS:
            # « Non, c'est pour ma fille » to « Quel médicament ? »: no medicine; asked again.
            return [*found, *_asked_again(tracker)]
        extracted: list[EventType] = await self.get_extraction_events(dispatcher, tracker, domain)
        tracker.add_slots(extracted)
        events: list[EventType] = await self._extract_validation_events(
            dispatcher, tracker, domain
        )
        # rasa_sdk returns only the validated slots of the form's questions; an answer also
        # fills others (a known caller's names, the question that no longer needs asking).
        validated = {e.get("name") for e in events}
        events = [e for e in extracted if e.get("name") not in validated] + events
        tracker.add_slots(events)
        on_file = callers.on_file_birth_date(tracker)
        if on_file and not self.checks_birth_date and not tracker.get_slot("birth_date"):
            # For the inbox's summary only: a known caller is not asked it.
            events.append(SlotSet("birth_date", on_file))
        if starting:
            await self.acknowledge(dispatcher, tracker)
        return [*found, *events]

    async def acknowledge(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """The first reply of a request says what was understood ("Très bien, …")."""

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Skip the identity questions that do not apply.

        A confirmed known caller is asked nothing more (but the date of birth before an
        appointment is read out); the spelling only when the name's split was unsure. With no
        calling number (a hidden number, the chat), the number is asked directly; once the
        calling number is confirmed, no other number is asked.
        """
        slots = list(domain_slots)
        skip: set[str] = set()
        if not tracker.get_slot("known_patients") or tracker.get_slot("patient_id") is not None:
            skip.add("patient_confirmed")
        if tracker.get_slot("patient_id") is not None:
            skip |= {"full_name", "name_spelled", "phone_confirmed", "callback_number"}
            if not self.checks_birth_date:
                skip.add("birth_date")
        if not tracker.get_slot("name_unsure"):
            skip.add("name_spelled")
        if tracker.get_slot("full_name") == UNKNOWN and tracker.get_slot("name_declined_once"):
            skip.add("birth_date")  # without the name, it identifies no one
        if not tracker.get_slot("caller_number"):
            skip.add("phone_confirmed")
        elif tracker.get_slot("phone_confirmed") is not False:
            skip.add("callback_number")
        return [s for s in slots if s not in skip]

    # --- extraction: the answer to the question asked, or a name said unasked ------------

    async def extract_patient_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The answer to "C'est bien pour Marie Dupont ?" (or "… ou pour quelqu'un d'autre ?");
        a known caller's name said unasked confirms them at once."""
        text = answer_for(tracker, "patient_confirmed")
        known = callers.known(tracker)
        if text is None:
            said = _said_name(tracker)
            if said is None or not known or tracker.get_slot("patient_id") is not None:
                return {}
            match = callers.matching(known, said.said())
            return callers.confirmed(match) if match is not None else {}
        match = callers.matching(known, text)
        if match is not None:
            return callers.confirmed(match)
        answer = parse_yes_no(text)
        relative = patient_said(text)
        someone_else = _full_name_in(without_patient_words(text) if relative else text)
        if answer is False or latest_intent(tracker) == "deny" or someone_else or relative or (
            _NO_FIRST.match(text.lower())
        ):
            return {"patient_confirmed": False, "retries": 0} | someone_else
        if (answer is True or latest_intent(tracker) == "affirm") and len(known) == 1:
            return callers.confirmed(known[0])
        return await retry_or_give_up(
            dispatcher, tracker, "patient_confirmed",
            ("utter_yes_or_no", "utter_confirmation_keypad"),
            given_up={"patient_confirmed": False},
        )

    async def extract_full_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The answer to "Quel est votre nom et votre prénom ?", or a name said unasked."""
        text = answer_for(tracker, "full_name")
        if text is not None and refuses_name(text):
            return name_refused(dispatcher, tracker)
        if text is not None:
            # « C'est pour ma fille » (asked again of her), « elle s'appelle Léa Martin ».
            relative = patient_said(text) is not None
            rest = without_patient_words(text)
            if relative or tracker.get_slot("for_someone_else"):
                if split_full_name(rest) is not None:
                    return {"full_name": rest}
                return {} if relative else {"full_name": text}
            return {"full_name": text}
        if tracker.get_slot("full_name") or tracker.get_slot("patient_id") is not None:
            return {}
        if _asked(tracker) not in (None, *_BOOKING_QUESTIONS):
            return {}
        said = _said_name(tracker)
        if said is None or callers.matching(callers.known(tracker), said.said()):
            return {}
        return {"full_name": said.said().lower()}

    async def extract_name_spelled(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The answer to "Pouvez-vous épeler votre nom de famille ?"."""
        return answered(tracker, "name_spelled")

    async def extract_birth_date(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The caller's answer to "Quelle est votre date de naissance ?"."""
        return answered(tracker, "birth_date")

    async def extract_phone_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Yes or no to the calling number; another number said at once is taken too."""
        text = answer_for(tracker, "phone_confirmed")
        if text is None:
            return {}
        number = parse_french_phone(text)
        if number is not None:
            return {"phone_confirmed": False, "callback_number": number}
        answer = yes_or_no(tracker, text)
        if answer is not None:
            return {"phone_confirmed": answer, "retries": 0}
        return await retry_or_give_up(
            dispatcher, tracker, "phone_confirmed",
            ("utter_yes_or_no", "utter_confirmation_keypad"), given_up={"phone_confirmed": True},
        )

    async def extract_callback_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The caller's answer to "À quel numéro pouvons-nous vous rappeler ?"."""
        return answered(tracker, "callback_number")

    # --- validation ---------------------------------------------------------------------

    def validate_patient_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """True or False (extraction said which); anything else is asked again."""
        return {"patient_confirmed": value if isinstance(value, bool) else None}

    async def validate_full_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Split into first and last names; half a name asks for the other half."""
        if value == UNKNOWN:
            return {"full_name": UNKNOWN, "name_missing": None}
        # « D'accord, c'est Marc Dubois »: the name within an answer that holds more.
        said = split_full_name(str(value or "")) or names_said(str(value or ""))
        missing = tracker.get_slot("name_missing")
        if said is not None and not said.complete and missing is not None:
            # The other half, after "Et votre prénom ?" / "Et votre nom de famille ?".
            word = said.first or said.last
            said = FullName(
                first=word if missing == "first" else tracker.get_slot("first_name"),
                last=word if missing == "last" else tracker.get_slot("last_name"),
            )
        if said is None:
            return await retry_or_give_up(
                dispatcher, tracker, "full_name", ("utter_invalid_name", "utter_invalid_name")
            )
        if not said.complete:
            return {
                "full_name": None, "first_name": said.first, "last_name": said.last,
                "name_missing": "last" if said.first else "first",
            }
        return {
            "full_name": said.said(), "first_name": said.first, "last_name": said.last,
            "name_unsure": said.unsure, "name_missing": None, "retries": 0,
        }

    def validate_name_spelled(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The spelled last name replaces the one heard."""
        name = clean_name(str(value or "")) if value != UNKNOWN else None
        if name is None:
            return {"name_spelled": UNKNOWN, "name_unsure": False}
        first = tracker.get_slot("first_name")
        return {
            "name_spelled": name, "last_name": name, "name_unsure": False,
            "full_name": FullName(first=first, last=name).said(),
        }

    async def validate_birth_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A real, past date of birth, stored as ISO; the keypad is offered on a second miss."""
        if value == UNKNOWN:
            return {"birth_date": UNKNOWN}
        today = call_metadata(tracker, await current_practice()).now.date()
        text = str(value or "")
        try:
            born: dt.date | None = dt.date.fromisoformat(text)
        except ValueError:
            born = parse_birth_date(text, today)
        # A relative often does not know it; the caller their own is asked again.
        relative = bool(tracker.get_slot("for_someone_else"))
        if born is None and relative and birth_date_unknown(text, today):
            dispatcher.utter_message(response="utter_birth_date_unknown")
            return {"birth_date": UNKNOWN, "retries": 0}
        if born is None or not (born.year >= _OLDEST and born <= today):
            return await retry_or_give_up(
                dispatcher,
                tracker,
                "birth_date",
                ("utter_invalid_birth_date", "utter_birth_date_keypad"),
            )
        return {"birth_date": born.isoformat(), "retries": 0}

    def validate_phone_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """True or False; anything else is asked again."""
        if isinstance(value, bool):
            return {"phone_confirmed": value}
        return {"phone_confirmed": None}

    async def validate_callback_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A valid phone number, stored as E.164."""
        if value == UNKNOWN:
            return {"callback_number": UNKNOWN}
        text = str(value or "")
        number = text if text.startswith("+") and text[1:].isdigit() else parse_french_phone(text)
        if number is None:
            return await retry_or_give_up(
                dispatcher, tracker, "callback_number",
                ("utter_invalid_callback_number", "utter_callback_number_keypad"),
            )
        return {"callback_number": number, "retries": 0}


# « Non, c'est … » (« quelqu'un d'autre », « pour ma fille »: `patient_said`).
_NO_FIRST = re.compile(r"non\b")
# The questions that take who the patient is for an answer (their extraction reads it).
_WHO_QUESTIONS = (None, "full_name", "patient_confirmed")
# Questions after which a caller may still say who they are unasked.
_BOOKING_QUESTIONS = ("appointment_type", "practitioner", "time_preference", "medicine",
                      "certificate_kind", "message_text")


def _asked_again(tracker: Tracker) -> list[EventType]:
    """The form's question asked again, nothing taken: the slot set back to empty keeps the
    form going (Rasa rejects a form that took nothing), and the question named (or Rasa would
    pick the first of the domain's)."""
    asked = tracker.get_slot("requested_slot")
    return [SlotSet(str(asked), None), SlotSet("requested_slot", asked)] if asked else []


def _asked(tracker: Tracker) -> str | None:
    value = tracker.get_slot("requested_slot")
    return str(value) if value else None


def _said_name(tracker: Tracker) -> FullName | None:
    if escaping(tracker):
        return None
    text = tidy(str(tracker.latest_message.get("text") or ""))
    said = names_said(text)
    if said is None:
        # « Je suis la maman de Lucas Bernard »: the patient's name, given with the role.
        named = patient_named_by_role(text)
        guess = split_full_name(named) if named else None
        said = guess if guess is not None and guess.complete and not guess.unsure else None
    return said


def _full_name_in(text: str) -> dict[str, Any]:
    """"non, c'est pour Lucas Martin": the name given with the no."""
    said = names_said(text)
    if said is None:
        guess = split_full_name(_after_no(text))
        said = guess if guess is not None and not guess.unsure else None
    if said is None or not said.complete:
        return {}
    return {"full_name": said.said().lower()}


def _after_no(text: str) -> str:
    words = text.split()
    while words and words[0] in ("non", "pas", "c'est", "pour", "moi", "mais"):
        words.pop(0)
    return " ".join(words) if len(words) >= 2 else ""
