"""What the agenda's functions hand back: frozen dataclasses, never ORM rows.

Instants are timezone-aware in the practice timezone where the agenda knows it (slots,
appointments), so that callers can read them out as they are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from agenda.models import Appointment, AppointmentType, Patient, Practitioner


@dataclass(frozen=True)
class PractitionerInfo:
    """A practitioner as callers and staff know them."""

    id: str
    name: str
    specialty: str
    active: bool

    @classmethod
    def of(cls, row: Practitioner) -> PractitionerInfo:
        """From a row."""
        return cls(row.id, row.name, row.specialty, row.active)


@dataclass(frozen=True)
class AppointmentTypeInfo:
    """An appointment type with who gives it."""

    id: str
    label: str
    duration_minutes: int
    bookable_by_phone: bool
    practitioner_ids: tuple[str, ...]

    @classmethod
    def of(cls, row: AppointmentType) -> AppointmentTypeInfo:
        """From a row."""
        return cls(
            row.id,
            row.label,
            row.duration_minutes,
            row.bookable_by_phone,
            tuple(p.id for p in row.practitioners if p.active),
        )


@dataclass(frozen=True)
class Slot:
    """A free time for one appointment type with one practitioner."""

    practitioner_id: str
    practitioner_name: str
    appointment_type_id: str
    appointment_type_label: str
    start: dt.datetime
    end: dt.datetime

    @property
    def duration_minutes(self) -> int:
        """The appointment's length."""
        return int((self.end - self.start).total_seconds() // 60)


@dataclass(frozen=True)
class HeldSlot:
    """A slot held for one conversation until ``expires_at`` (UTC)."""

    hold_id: int
    slot: Slot
    conversation_id: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class PatientInfo:
    """A patient: only what the practice needs."""

    id: int
    last_name: str
    first_name: str
    birth_date: dt.date
    phone: str | None
    to_verify: bool
    source: str
    sms_refused: bool = False
    """The patient asked for no texts."""

    @classmethod
    def of(cls, row: Patient) -> PatientInfo:
        """From a row."""
        return cls(
            row.id,
            row.last_name,
            row.first_name,
            row.birth_date,
            row.phone,
            row.to_verify,
            row.source,
            bool(row.sms_refused),
        )


class IdentityStatus(StrEnum):
    """The outcome of matching a caller to the patient file."""

    IDENTIFIED = "identified"
    AMBIGUOUS = "ambiguous"
    NOT_FOUND = "not-found"


@dataclass(frozen=True)
class Identification:
    """Who the caller is, if the file says so unambiguously."""

    status: IdentityStatus
    patient: PatientInfo | None = None
    candidates: int = 0
    """How many patients matched (more than one means ambiguous)."""


@dataclass(frozen=True)
class AppointmentInfo:
    """An appointment with the names needed to read or show it."""

    id: int
    status: str
    practitioner_id: str
    practitioner_name: str
    appointment_type_id: str
    appointment_type_label: str
    start: dt.datetime
    end: dt.datetime
    patient: PatientInfo
    source: str
    call_sid: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    cancelled_at: dt.datetime | None
    cancelled_by: str | None
    rescheduled_from_id: int | None

    @classmethod
    def of(cls, row: Appointment, tz: ZoneInfo) -> AppointmentInfo:
        """From a row, with start and end in the practice timezone."""
        return cls(
            id=row.id,
            status=row.status,
            practitioner_id=row.practitioner_id,
            practitioner_name=row.practitioner.name,
            appointment_type_id=row.appointment_type_id,
            appointment_type_label=row.appointment_type.label,
            start=row.start.astimezone(tz),
            end=row.end.astimezone(tz),
            patient=PatientInfo.of(row.patient),
            source=row.source,
            call_sid=row.call_sid,
            created_at=row.created_at,
            updated_at=row.updated_at,
            cancelled_at=row.cancelled_at,
            cancelled_by=row.cancelled_by,
            rescheduled_from_id=row.rescheduled_from_id,
        )
