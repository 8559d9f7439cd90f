"""What the dialogue has understood so far, read from its slots.

Used by the actions (from the tracker) and by the session when a call ends mid-request (from the
tracker Rasa keeps), so both leave the same identity and details in the inbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import transcripts

UNKNOWN = "unknown"
"""Slot value for an answer still not understood after the retries: the form goes on, and the
secretariat reads the caller's words in the transcript."""

FORM_KINDS: dict[str, transcripts.MessageKind] = {
    "renewal_form": transcripts.MessageKind.RENEWAL,
    "certificate_form": transcripts.MessageKind.CERTIFICATE,
    "sick_leave_form": transcripts.MessageKind.SICK_LEAVE,
    "message_form": transcripts.MessageKind.MESSAGE,
    "booking_form": transcripts.MessageKind.FAILED_BOOKING,
    "appointment_lookup_form": transcripts.MessageKind.FAILED_BOOKING,
}


_LOOKUP_FORM = "appointment_lookup_form"
_BOOKING_FORM = "booking_form"


def request(form: str, slots: Mapping[str, Any]) -> str | None:
    """Which appointment request ``form`` takes (book, move, cancel, check), None for the
    others: the inbox keeps one message per request, and a cancellation is not the booking."""
    if form == _LOOKUP_FORM:
        return str(slots.get("lookup_purpose") or "cancel")
    if form == _BOOKING_FORM:
        return "book" if slots.get("moving_appointment_id") is None else "move"
    return None


def known(value: Any) -> str | None:
    """A slot value, or None when empty or `UNKNOWN`."""
    if value is None or value == UNKNOWN or value == "":
        return None
    return str(value)


def identity(slots: Mapping[str, Any]) -> transcripts.CallerIdentity:
    """Who the caller said they are, and the number to call back.

    The calling number is the callback number unless the caller said it is not.
    """
    birth = known(slots.get("birth_date"))
    try:
        born = dt.date.fromisoformat(birth) if birth else None
    except ValueError:
        born = None
    callback = known(slots.get("callback_number"))
    if callback is None and slots.get("phone_confirmed") is not False:
        callback = known(slots.get("caller_number"))
    return transcripts.CallerIdentity(
        last_name=known(slots.get("last_name")),
        first_name=known(slots.get("first_name")),
        birth_date=born,
        callback_number=callback,
    )


def details(kind: transcripts.MessageKind, slots: Mapping[str, Any]) -> dict[str, Any]:
    """The request's details for the summary (see `transcripts.build_summary`), with
    ``on_behalf`` when the patient is not the caller: their relation (« fille »), or True when
    the caller said only that it is someone else. Every message a form leaves starts here."""
    return _details_of(kind, slots) | _on_behalf(slots)


def _on_behalf(slots: Mapping[str, Any]) -> dict[str, Any]:
    if not slots.get("for_someone_else"):
        return {}
    return {"on_behalf": known(slots.get("patient_relation")) or True}


def _details_of(kind: transcripts.MessageKind, slots: Mapping[str, Any]) -> dict[str, Any]:
    if kind is transcripts.MessageKind.RENEWAL:
        return {"medicines": known(slots.get("medicine"))}
    if kind is transcripts.MessageKind.CERTIFICATE:
        return {"certificate_kind": known(slots.get("certificate_kind"))}
    if kind is transcripts.MessageKind.MESSAGE:
        return {
            "topic": known(slots.get("message_topic")),
            "text": known(slots.get("message_text")),
        }
    if kind is transcripts.MessageKind.FAILED_BOOKING:
        return {"wish": known(slots.get("booking_wish"))}
    return {}
