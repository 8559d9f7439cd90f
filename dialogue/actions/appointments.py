"""Moving, cancelling or checking an appointment, once the caller is identified.

Who (a known caller confirmed, or the full name; the date of birth in every case, since a caller
ID can be spoofed) → the caller's appointments to come, up to three, read out ("lequel ?" when
there are several) → "je l'annule ?" / "vous souhaitez le déplacer ?" → the agenda cancels it,
or the booking form finds the new time (`dialogue.actions.booking_form`, with
``moving_appointment_id`` set). A caller who only asks when it is ("c'est à quelle heure déjà
mon rendez-vous ?") hears them all, and nothing is asked or changed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

import agenda
import transcripts
from dialogue import catalogue, understood
from dialogue.actions.booking import BOOKING_SLOTS, patient_on_file
from dialogue.actions.common import (
    LOOKUP_PURPOSES,
    answered,
    conversation_id,
    extract_yes_no,
    latest_intent,
    retry_or_give_up,
    validate_yes_no,
)
from dialogue.actions.identity import IdentityFormValidation
from dialogue.actions.runtime import call_metadata, current_practice, in_db
from dialogue.french.slot_choice import choose_slot
from dialogue.french.speech_format import say_list, say_moment

_LOOKUP_SLOTS = (
    "appointment_id", "appointment_text", "appointment_confirmed", "appointment_choice",
    "appointment_options", "appointments_text",
)
_NOTHING_FOUND = ""
# Appointments read out to a caller who cancels or moves ("lequel ?" beyond one).
LISTED = 3
_UNDERSTOOD = {
    "cancel": "utter_understood_cancel", "move": "utter_understood_move",
    "check": "utter_understood_check",
}


class ActionStartLookup(Action):
    """Note whether the caller wants to cancel or to move, and forget any earlier lookup."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_start_lookup"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Set ``lookup_purpose`` from the intent; said when it changes mid-lookup (the form,
        already active, does not say what it understood again)."""
        purpose = LOOKUP_PURPOSES.get(str(latest_intent(tracker)), "cancel")
        if tracker.active_loop_name == "appointment_lookup_form":
            dispatcher.utter_message(response=_UNDERSTOOD[purpose])
        return [SlotSet("lookup_purpose", purpose)] + [SlotSet(s, None) for s in _LOOKUP_SLOTS]


class ValidateAppointmentLookupForm(IdentityFormValidation):
    """Who (a known caller still gives their date of birth), then the caller's appointments to
    come, up to three ("lequel ?" when there are several), then yes or no."""

    checks_birth_date = True

    def name(self) -> str:
        """The action's name in the domain."""
        return "validate_appointment_lookup_form"

    async def acknowledge(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """"Très bien, vous souhaitez annuler un rendez-vous."."""
        purpose = str(tracker.get_slot("lookup_purpose") or "cancel")
        dispatcher.utter_message(response=_UNDERSTOOD.get(purpose, "utter_understood_cancel"))

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Nothing to choose with one appointment, nothing to confirm with none, neither when
        the caller only asks when it is."""
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        checking = tracker.get_slot("lookup_purpose") == "check"
        if checking or tracker.get_slot("appointment_text") == _NOTHING_FOUND:
            slots = [s for s in slots if s not in ("appointment_choice", "appointment_confirmed")]
        return slots

    async def validate_turn(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Once the identity is complete, look for the caller's appointments to come."""
        events: list[EventType] = await super().validate_turn(dispatcher, tracker, domain)
        tracker.add_slots(events)
        identity = understood.identity(tracker.slots)
        known = tracker.get_slot("patient_id") is not None
        complete = tracker.get_slot("birth_date") and (
            known or all(tracker.get_slot(s) for s in ("last_name", "first_name"))
        )
        if not complete or tracker.get_slot("appointment_text") is not None:
            return events
        found = await _upcoming(tracker, identity)
        events = [e for e in events if e.get("name") != "requested_slot"]
        if found is _NOT_THEIR_BIRTH_DATE and not _birth_date_asked_again(tracker):
            # On file, but not with that date: misheard or misspoken more often than an
            # impostor. Once more, then the secretariat.
            dispatcher.utter_message(response="utter_birth_date_not_on_file")
            return [*events, SlotSet("birth_date", None), SlotSet("requested_slot", "birth_date")]
        if not found:
            # Nothing to confirm: the form ends, and the request goes to the secretariat.
            return [
                *events, SlotSet("appointment_text", _NOTHING_FOUND),
                SlotSet("requested_slot", None),
            ]
        options = [{"id": a.id, "start": a.start.isoformat(), "text": t} for a, t in found]
        more: list[EventType] = [SlotSet("appointment_options", options)]
        if tracker.get_slot("lookup_purpose") == "check":
            more += [SlotSet("appointment_text", say_list([t for _, t in found], "et"))]
        elif len(found) == 1:
            more += _chosen(options[0])
        else:
            texts = [text for _, text in found]
            more += [SlotSet("appointments_text", say_list(texts, "et"))]
        tracker.add_slots(more)
        following = await self.next_requested_slot(dispatcher, tracker, domain)
        return events + more + ([following] if following is not None else [])

    async def extract_appointment_choice(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The answer to "Lequel souhaitez-vous annuler ?"."""
        return answered(tracker, "appointment_choice")

    async def validate_appointment_choice(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """One of the appointments read out ("celui de mardi", "le deuxième")."""
        options: list[dict[str, Any]] = list(tracker.get_slot("appointment_options") or [])
        if isinstance(value, (int, float)):
            return {"appointment_choice": value}
        now = call_metadata(tracker, await current_practice()).now
        starts = [dt.datetime.fromisoformat(o["start"]) for o in options]
        index = choose_slot(str(value or ""), starts, now)
        if index is None:
            return await retry_or_give_up(
                dispatcher, tracker, "appointment_choice",
                ("utter_which_appointment", "utter_which_appointment"),
                given_up={"appointment_choice": None, "appointment_text": _NOTHING_FOUND},
            )
        return {e["name"]: e["value"] for e in _chosen(options[index])} | {"retries": 0}

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


def _chosen(option: dict[str, Any]) -> list[EventType]:
    return [
        SlotSet("appointment_choice", float(option["id"])),
        SlotSet("appointment_id", float(option["id"])),
        SlotSet("appointment_text", option["text"]),
    ]


_NOT_THEIR_BIRTH_DATE: list[tuple[agenda.AppointmentInfo, str]] = []
"""What `_upcoming` returns (empty, this very list) for a patient on file whose date of birth
is another one."""


def _birth_date_asked_again(tracker: Tracker) -> bool:
    """Whether the date of birth was already asked again in this lookup."""
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") == "appointment_lookup_form":
            return False
        custom = (event.get("data") or {}).get("custom") or {}
        if event.get("event") == "bot" and custom.get("key") == "utter_birth_date_not_on_file":
            return True
    return False


async def _upcoming(
    tracker: Tracker, identity: transcripts.CallerIdentity
) -> list[tuple[agenda.AppointmentInfo, str]]:
    """The identified caller's appointments to come (at most `LISTED`), with how to say each;
    `_NOT_THEIR_BIRTH_DATE` when the patient is on file with another date of birth."""
    if identity.birth_date is None:
        return []
    practice = await current_practice()
    now = call_metadata(tracker, practice).now
    on_file = tracker.get_slot("patient_id")

    def work(session: Session) -> list[agenda.AppointmentInfo] | None:
        assert identity.birth_date is not None
        patient_id = int(on_file) if on_file is not None else None
        if patient_id is None and identity.last_name is not None:
            found = patient_on_file(session, identity)
            patient_id = found.id if found is not None else None
        if patient_id is None:
            return []
        try:
            return agenda.upcoming_appointments(
                session, practice, patient_id=patient_id, birth_date=identity.birth_date,
                now=now,
            )
        except agenda.IdentityNotConfirmedError:
            return None  # the date of birth is not the one on file: nothing is read out

    upcoming = await in_db(work)
    if upcoming is None:
        return _NOT_THEIR_BIRTH_DATE
    upcoming = upcoming[:LISTED]
    return [
        (a, catalogue.response(
            "utter_fragment_appointment",
            moment=say_moment(a.start.astimezone(practice.tz)), practitioner=a.practitioner_name,
        ).text)
        for a in upcoming
    ]


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
        found = tracker.get_slot("appointment_text")
        if purpose == "check" and found:
            await _done(tracker, purpose, str(found), None)
            dispatcher.utter_message(response="utter_your_appointments", appointments_text=found)
            dispatcher.utter_message(response="utter_anything_else")
            return [SlotSet(s, None) for s in _LOOKUP_SLOTS]
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

    said = str(tracker.get_slot("appointment_text") or "")
    identity = understood.identity(tracker.slots)

    def work(session: Session) -> None:
        agenda.cancel_appointment(
            session, practice, appointment_id, by=metadata.source.value, now=now
        )
        transcripts.set_outcome(session, call_sid=sender, outcome="cancelled")
        _close(session, sender, "cancel", identity, said, appointment_id)

    try:
        await in_db(work)
    except agenda.AgendaError:
        return False
    return True


def _close(
    session: Session, sender: str, request: str, identity: transcripts.CallerIdentity,
    done: str, appointment_id: int | None,
) -> None:
    # Set aside earlier in the call, then taken up again: done, not a to-do any more.
    transcripts.close_set_aside(
        session, call_sid=sender, kind=transcripts.MessageKind.FAILED_BOOKING, request=request,
        identity=identity, done=done, appointment_id=appointment_id,
    )


async def _done(tracker: Tracker, request: str, done: str, appointment_id: int | None) -> None:
    sender = conversation_id(tracker)
    identity = understood.identity(tracker.slots)
    await in_db(lambda session: _close(session, sender, request, identity, done, appointment_id))


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
        SlotSet("patient_id", float(current.patient.id)),
        SlotSet("moving_appointment_id", float(appointment_id)),
        SlotSet("proposal_rounds", 0),
        SlotSet("retries", 0),
        FollowupAction("booking_form"),
    ]
    return events


async def _not_found(tracker: Tracker, purpose: str) -> None:
    sender = conversation_id(tracker)
    identity = understood.identity(tracker.slots)
    kind = transcripts.MessageKind.FAILED_BOOKING
    details = understood.details(kind, tracker.slots) | {"request": purpose}

    def work(session: Session) -> None:
        transcripts.leave_message(
            session,
            call_sid=sender,
            kind=kind,
            identity=identity,
            details=details,
            same_request=True,
        )

    await in_db(work)
