"""Booking by phone: type, practitioner, time wish → held proposals → choice → identity →
read-back → confirmation → the appointment in the agenda (or a message when it cannot be).

The agenda does the work (what the caller named, which proposals, slots, holds, the at-most-once
booking); these actions only read the caller's words and call its public face. Proposals are
held while the caller chooses, so two callers are never promised the same slot.

Here: starting a booking, the read-back sentence and writing the booking. The form's questions
are read in `dialogue.actions.booking_form`, the proposals found in
`dialogue.actions.booking_proposals`.
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
from core import PracticeConfig
from dialogue import catalogue, understood
from dialogue.actions.common import conversation_id
from dialogue.actions.runtime import call_metadata, current_practice, in_db
from dialogue.french.sms_refusal import refuses_texts
from dialogue.french.speech_format import say_list, say_moment

BOOKING_SLOTS = (
    "appointment_type", "practitioner", "type_choices", "practitioner_choices", "time_preference",
    "proposals", "proposals_text", "proposal_single", "proposal_rounds", "chosen_slot",
    "booking_failed", "booking_wish", "booking_summary", "booking_confirmed",
    "moving_appointment_id", "proposed_for",
)


class ActionStartBooking(Action):
    """Clear the previous booking's slots, then the form: it takes what the first sentence
    already said (type, practitioner, time wish, name)."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_start_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Reset, and go on with the booking form (also when reached from "not understood")."""
        events: list[EventType] = [SlotSet(slot, None) for slot in BOOKING_SLOTS]
        events += [
            SlotSet("proposal_rounds", 0), SlotSet("retries", 0), FollowupAction("booking_form")
        ]
        return events


# "au nom d'Élise Roy", not "au nom de Élise Roy".
_ELIDING = frozenset("aeiouyàâäéèêëîïôöùûüh")


def practitioner_events(practice: PracticeConfig, type_id: str, text: str) -> list[EventType]:
    """The practitioner when only one gives the type or the caller named one; the names to
    choose from otherwise."""
    allowed = agenda.practitioners_for(practice, type_id)
    if len(allowed) == 1:
        return [SlotSet("practitioner", allowed[0])]
    named = agenda.match_practitioner(text, practice, allowed) if text else None
    names = say_list([agenda.practitioner_name(practice, p) for p in allowed], None)
    events: list[EventType] = [SlotSet("practitioner_choices", names)]
    if named and named != agenda.ANY_PRACTITIONER:
        events.append(SlotSet("practitioner", named))
    return events


async def booking_summary(tracker: Tracker) -> str | None:
    """The read-back: type, practitioner, moment, name; None until a slot is chosen."""
    chosen = tracker.get_slot("chosen_slot")
    proposals: list[dict[str, Any]] = list(tracker.get_slot("proposals") or [])
    picked = next((p for p in proposals if p["hold_id"] == chosen), None)
    if picked is None:
        return None
    practice = await current_practice()
    start = dt.datetime.fromisoformat(picked["start"]).astimezone(practice.tz)
    label = agenda.type_label(practice, str(tracker.get_slot("appointment_type") or ""))
    first = understood.known(tracker.get_slot("first_name"))
    last = understood.known(tracker.get_slot("last_name"))
    name = " ".join(filter(None, (first, last))).title()
    named = (
        "utter_booking_summary_named_elided" if name[:1].lower() in _ELIDING
        else "utter_booking_summary_named"
    )
    summary = catalogue.response(
        named if name else "utter_booking_summary",
        appointment_type=label, practitioner=picked["practitioner"], moment=say_moment(start),
        name=name,
    )
    return summary.text


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
            await _failed(tracker)
            dispatcher.utter_message(response="utter_we_will_call_back")
        elif tracker.get_slot("booking_confirmed"):
            done = await _confirm(tracker, practice, now, sender)
            if done is None:
                await _failed(tracker)
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
    source = call_metadata(tracker, practice).source
    hold_id = int(tracker.get_slot("chosen_slot"))
    moving = tracker.get_slot("moving_appointment_id")
    summary = understood.known(tracker.get_slot("booking_summary")) or ""
    on_file = tracker.get_slot("patient_id")
    if on_file is None and (identity.birth_date is None or identity.last_name is None):
        return None

    def work(session: Session) -> agenda.AppointmentInfo:
        patient_id = (
            int(on_file) if on_file is not None else _registered(session, identity, source)
        )
        if moving is not None:
            info = agenda.move_appointment(
                session, practice, int(moving), by=source.value, hold_id=hold_id,
                conversation_id=sender, patient_id=patient_id, source=source, now=now,
            )
        else:
            info = agenda.confirm_hold(
                session, practice, hold_id, patient_id=patient_id, conversation_id=sender,
                call_sid=sender, source=source, now=now,
            )
        agenda.release_holds(session, sender)
        transcripts.set_outcome(session, call_sid=sender, outcome="moved" if moving else "booked")
        # Set aside earlier in the call, then taken up again: done, not a to-do any more.
        transcripts.close_set_aside(
            session, call_sid=sender, kind=transcripts.MessageKind.FAILED_BOOKING,
            request="move" if moving else "book", identity=identity, done=summary,
            appointment_id=info.id,
        )
        # « Je ne veux pas de SMS », said at any moment of the call: no texts to this patient.
        if any(refuses_texts(words) for words in transcripts.caller_words(session, sender)):
            agenda.refuse_sms(session, patient_id)
        return info

    try:
        return await in_db(work)
    except agenda.AgendaError:
        return None


def patient_on_file(
    session: Session, identity: transcripts.CallerIdentity
) -> agenda.PatientInfo | None:
    """The caller's file when their name and birth date (and number) point to one alone."""
    assert identity.birth_date is not None and identity.last_name is not None
    return agenda.identify_patient(
        session,
        birth_date=identity.birth_date,
        last_name=identity.last_name,
        first_name=identity.first_name,
        phone=identity.callback_number,
    ).patient


def _registered(
    session: Session, identity: transcripts.CallerIdentity, source: agenda.Source
) -> int:
    """The caller in the patient file: found, or registered (to be checked by the secretary)."""
    assert identity.birth_date is not None and identity.last_name is not None
    patient = patient_on_file(session, identity) or agenda.register_patient(
        session,
        last_name=identity.last_name,
        first_name=identity.first_name or "",
        birth_date=identity.birth_date,
        phone=identity.callback_number,
        source=source,
    )
    return patient.id


async def _failed(tracker: Tracker) -> None:
    """A "rendez-vous non abouti" message with what the caller wanted: a booking, or moving
    the appointment (the secretary moves it rather than booking a second one)."""
    sender = conversation_id(tracker)
    identity = understood.identity(tracker.slots)
    details = understood.details(transcripts.MessageKind.FAILED_BOOKING, tracker.slots) | {
        "request": understood.request("booking_form", tracker.slots),
    }
    moving = tracker.get_slot("moving_appointment_id")

    def work(session: Session) -> None:
        agenda.release_holds(session, sender)
        transcripts.leave_message(
            session,
            call_sid=sender,
            kind=transcripts.MessageKind.FAILED_BOOKING,
            identity=identity,
            details=details,
            appointment_id=int(moving) if moving is not None else None,
            same_request=True,
        )
        transcripts.set_outcome(session, call_sid=sender, outcome="failed_booking")

    await in_db(work)
