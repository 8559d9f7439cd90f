"""Known callers: the calling number matches a patient on file, or a family sharing it.

Looked up once per conversation, at the first form; kept in the ``known_patients`` slot (ids,
names, the usual practitioner, the date of birth for the inbox — never read out). A caller ID
only suggests who calls: the caller confirms ("C'est bien pour Marie Dupont ?"), and the date of
birth is still asked before an appointment is read out, cancelled or moved.
"""

from __future__ import annotations

from typing import Any

from rapidfuzz import fuzz
from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from sqlalchemy.orm import Session

import agenda
from dialogue.actions.runtime import in_db
from dialogue.french.normalize import fold_accents
from dialogue.french.speech_format import say_list

# Similarity (0-100) a said name needs with a known patient's first or full name.
_NAME_SCORE = 85


async def look_up(tracker: Tracker) -> list[EventType]:
    """The known patients of the calling number, the first time a form runs (then nothing)."""
    if tracker.get_slot("known_patients") is not None:
        return []
    caller = tracker.get_slot("caller_number")

    def work(session: Session) -> list[dict[str, Any]]:
        found = agenda.patients_by_phone(session, str(caller)) if caller else []
        return [
            {
                "id": p.id, "first_name": p.first_name, "last_name": p.last_name,
                "birth_date": p.birth_date.isoformat(),
                "practitioner": agenda.usual_practitioner(session, p.id),
            }
            for p in found
        ]

    known = await in_db(work)
    names = [_name(p) for p in known]
    return [
        SlotSet("known_patients", known),
        SlotSet("known_name", say_list(names, "ou") if names else None),
        SlotSet("known_family", len(known) > 1),
    ]


def known(tracker: Tracker) -> list[dict[str, Any]]:
    """The known patients of the calling number (empty when none)."""
    return list(tracker.get_slot("known_patients") or [])


def matching(known: list[dict[str, Any]], said: str) -> dict[str, Any] | None:
    """The known patient whose first or full name was said ("c'est pour Lucas"), if exactly
    one."""
    words = _folded(said).split()
    if not words or not known:
        return None
    joined = " ".join(words)
    hits = [
        patient for patient in known
        if _folded(patient["first_name"]) in words
        or (len(words) > 1 and fuzz.ratio(_folded(_name(patient)), joined) >= _NAME_SCORE)
    ]
    return hits[0] if len(hits) == 1 else None


def confirmed(patient: dict[str, Any]) -> dict[str, Any]:
    """The slots of a caller confirmed as this known patient."""
    return {
        "patient_confirmed": True,
        "patient_id": float(patient["id"]),
        "first_name": patient["first_name"].lower(),
        "last_name": patient["last_name"].lower(),
        "full_name": _name(patient),
        "retries": 0,
    }


def usual_practitioner(tracker: Tracker) -> str | None:
    """The confirmed patient's usual practitioner, when they have one."""
    patient_id = tracker.get_slot("patient_id")
    for patient in known(tracker):
        if patient_id is not None and patient["id"] == int(patient_id):
            return str(patient["practitioner"]) if patient["practitioner"] else None
    return None


def on_file_birth_date(tracker: Tracker) -> str | None:
    """The confirmed patient's date of birth on file (for the inbox, never read out)."""
    patient_id = tracker.get_slot("patient_id")
    for patient in known(tracker):
        if patient_id is not None and patient["id"] == int(patient_id):
            return str(patient["birth_date"])
    return None


def _name(patient: dict[str, Any]) -> str:
    return f"{patient['first_name']} {patient['last_name']}".title()


def _folded(text: str) -> str:
    return fold_accents(text.lower()).replace("-", " ")

