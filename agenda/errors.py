"""The agenda's errors: each has a stable ``code`` (tests and callers branch on it, not on text)."""

from __future__ import annotations


class AgendaError(Exception):
    """Base of every agenda error: a stable code and a developer-facing message."""

    code = "agenda-error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownReferenceError(AgendaError):
    """An unknown (or retired) practitioner, appointment type, patient or appointment."""

    code = "not-found"


class NotOfferedError(AgendaError):
    """The practitioner does not give this appointment type, or phone may not book it."""

    code = "not-offered"


class InvalidSlotError(AgendaError):
    """A slot that is off the 5-minute grid, outside the hours, or otherwise not bookable."""

    code = "invalid-slot"


class SlotUnavailableError(AgendaError):
    """The time is taken (booked, or held by another caller); nothing was written."""

    code = "slot-unavailable"


class HoldNotFoundError(AgendaError):
    """The hold is gone (released, expired and taken, or confirmed already)."""

    code = "hold-not-found"


class AppointmentStateError(AgendaError):
    """The appointment is not in a state that allows this (e.g. cancelling a cancelled one)."""

    code = "wrong-state"


class IdentityNotConfirmedError(AgendaError):
    """A patient's appointments were asked for without the matching date of birth."""

    code = "identity-not-confirmed"
