"""Moving and cancelling an appointment, once the caller is identified.

Who (last name, first name, date of birth) → the caller's next appointment, read back → "je
l'annule ?" / "vous souhaitez le déplacer ?" → the agenda cancels it, or the booking form finds
the new time (`dialogue.actions.booking_form`, with ``moving_appointment_id`` set).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

import agenda
import transcripts
from dialogue import understood
from dialogue.actions.booking import BOOKING_SLOTS
from dialogue.actions.common import (
    conversation_id,
    extract_yes_no,
    latest_intent,
    validate_yes_no,
)
from dialogue.actions.identity import IdentityFormValidation
from dialogue.actions.runtime import call_metadata, current_practice, in_db
from dialogue.french.speech_format import say_moment

_LOOKUP_SLOTS = ("appointment_id", "appointment_text", "appointment_confirmed")
_NOTHING_FOUND = ""


class ActionStartLookup(Action):
    """Note whether the caller wants to cancel or to move, and forget any earlier lookup."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_start_lookup"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Set ``lookup_purpose`` from the intent."""
        purpose = "move" if latest_intent(tracker) == "move_appointment" else "cancel"
        return [SlotSet("lookup_purpose", purpose)] + [SlotSet(s, None) for s in _LOOKUP_SLOTS]


class ValidateAppointmentLookupForm(IdentityFormValidation):
    """Who, then the appointment found for them, then yes or no."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "validate_appointment_lookup_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Nothing to confirm when the lookup found nothing (``appointment_text`` is empty)."""
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        if tracker.get_slot("appointment_text") == _NOTHING_FOUND:
            slots = [s for s in slots if s != "appointment_confirmed"]
        return slots

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Once the identity is complete, look for the caller's next appointment."""
        events: list[EventType] = await super().run(dispatcher, tracker, domain)
        tracker.add_slots(events)
        identity = understood.identity(tracker.slots)
        complete = all(tracker.get_slot(s) for s in ("last_name", "first_name", "birth_date"))
        if complete and tracker.get_slot("appointment_text") is None:
            found = await _next_appointment(tracker, identity)
            if found is not None:
                events += [
                    SlotSet("appointment_id", float(found[0])),
                    SlotSet("appointment_text", found[1]),
                ]
            else:
                # Nothing to confirm: the form ends, and the request goes to the secretariat.
                events = [e for e in events if e.get("name") != "requested_slot"]
                events += [
                    SlotSet("appointment_text", _NOTHING_FOUND),
                    SlotSet("requested_slot", None),
                ]
        return events

    async def extract_appointment_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Yes or no to "Je l'annule ?" / "Vous souhaitez le déplacer ?"."""
        return extract_yes_no("appointment_confirmed", dispatcher, tracker)

    def validate_appointment_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """True or False; anything else is asked again."""
        return validate_yes_no("appointment_confirmed", value)


async def _next_appointment(
    tracker: Tracker, identity: transcripts.CallerIdentity
) -> tuple[int, str] | None:
    """The identified caller's next appointment and how to say it, or None."""
    if identity.birth_date is None or identity.last_name is None:
        return None
    practice = await current_practice()
    now = call_metadata(tracker, practice).now

    def work(session: Session) -> list[agenda.AppointmentInfo]:
        assert identity.birth_date is not None and identity.last_name is not None
        found = agenda.identify_patient(
            session,
            birth_date=identity.birth_date,
            last_name=identity.last_name,
            first_name=identity.first_name,
            phone=identity.callback_number,
        )
        if found.patient is None:
            return []
        return agenda.upcoming_appointments(
            session, practice, patient_id=found.patient.id, birth_date=identity.birth_date,
            now=now,
        )

    upcoming = await in_db(work)
    if not upcoming:
        return None
    first = upcoming[0]
    when = say_moment(first.start.astimezone(practice.tz))
    return first.id, f"le {when}, avec {first.practitioner_name}"


class ActionAppointmentRequest(Action):
    """Cancel the appointment found, start moving it, or hand the request to the secretariat."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_appointment_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Act on the caller's answer."""
        purpose = str(tracker.get_slot("lookup_purpose") or "cancel")
        appointment = tracker.get_slot("appointment_id")
        if appointment is None:
            await _not_found(tracker, purpose)
            dispatcher.utter_message(response="utter_no_appointment_found")
            dispatcher.utter_message(response="utter_anything_else")
            return [SlotSet(s, None) for s in _LOOKUP_SLOTS]
        if not tracker.get_slot("appointment_confirmed"):
            dispatcher.utter_message(response="utter_nothing_changed")
            dispatcher.utter_message(response="utter_anything_else")
            return [SlotSet(s, None) for s in _LOOKUP_SLOTS]
        if purpose == "move":
            return await _start_moving(tracker, int(appointment))
        cancelled = await _cancel(tracker, int(appointment))
        if cancelled:
            dispatcher.utter_message(
                response="utter_cancelled", appointment_text=tracker.get_slot("appointment_text")
            )
        else:
            await _not_found(tracker, purpose)
            dispatcher.utter_message(response="utter_no_appointment_found")
        dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet(s, None) for s in _LOOKUP_SLOTS]


async def _cancel(tracker: Tracker, appointment_id: int) -> bool:
    practice = await current_practice()
    metadata = call_metadata(tracker, practice)
    now = metadata.now
    sender = conversation_id(tracker)

    def work(session: Session) -> None:
        agenda.cancel_appointment(
            session, practice, appointment_id, by=metadata.source.value, now=now
        )
        transcripts.set_outcome(session, call_sid=sender, outcome="cancelled")

    try:
        await in_db(work)
    except agenda.AgendaError:
        return False
    return True


async def _start_moving(tracker: Tracker, appointment_id: int) -> list[EventType]:
    """The booking form, pre-filled with the appointment's type and practitioner."""
    practice = await current_practice()

    def work(session: Session) -> agenda.AppointmentInfo:
        return agenda.get_appointment(session, practice, appointment_id)

    current = await in_db(work)
    events: list[EventType] = [SlotSet(slot, None) for slot in BOOKING_SLOTS]
    events += [
        SlotSet("appointment_type", current.appointment_type_id),
        SlotSet("practitioner", current.practitioner_id),
        SlotSet("moving_appointment_id", float(appointment_id)),
        SlotSet("proposal_rounds", 0),
        SlotSet("retries", 0),
        FollowupAction("booking_form"),
    ]
    return events


async def _not_found(tracker: Tracker, purpose: str) -> None:
    sender = conversation_id(tracker)
    identity = understood.identity(tracker.slots)

    def work(session: Session) -> None:
        transcripts.leave_message(
            session,
            call_sid=sender,
            kind=transcripts.MessageKind.FAILED_BOOKING,
            identity=identity,
            details={"request": purpose},
        )

    await in_db(work)
