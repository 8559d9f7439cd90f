"""The first reply to a booking request: what was understood (« Très bien, un rendez-vous de
consultation avec Docteure Claire Martin. »), or, for a missed appointment or a question about
coming without one, the answer to that before the booking's questions."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

import agenda
from core import PracticeConfig
from dialogue import catalogue
from dialogue.french.booking_openers import missed_appointment, walk_in_question


def understood_booking(tracker: Tracker, practice: PracticeConfig) -> dict[str, Any]:
    """The response and its values, for `dispatcher.utter_message`."""
    said = opener(str(tracker.latest_message.get("text") or ""), practice)
    return said | {"understood_details": _details(tracker, practice)}


def opener(text: str, practice: PracticeConfig) -> dict[str, str]:
    """« Très bien, un rendez-vous », or what answers a missed one or a walk-in question."""
    if walk_in_question(text):
        walk_in = practice.practice.walk_in.strip()
        if walk_in:
            return {"response": "utter_walk_in_hours", "walk_in": walk_in}
        return {"response": "utter_walk_in_none"}
    return {"response": "utter_understood_missed" if missed_appointment(text)
            else "utter_understood_booking"}


def _details(tracker: Tracker, practice: PracticeConfig) -> str:
    """" de consultation avec Docteure Claire Martin": what the opening said, for the first
    reply."""
    parts = []
    type_id = tracker.get_slot("appointment_type")
    if type_id:
        label = agenda.type_label(practice, str(type_id))
        parts.append(catalogue.response("utter_fragment_type", appointment_type=label).text)
    who = tracker.get_slot("practitioner")
    if who not in (None, agenda.ANY_PRACTITIONER):
        name = agenda.practitioner_name(practice, str(who))
        parts.append(catalogue.response("utter_fragment_practitioner", practitioner=name).text)
    return "".join(f" {p}" for p in parts)
