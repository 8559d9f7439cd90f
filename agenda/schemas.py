"""JSON shapes of the staff API (pydantic), built from the agenda's result dataclasses."""

from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from agenda.models import AppointmentStatus
from agenda.results import AppointmentInfo, PatientInfo, PractitionerInfo, Slot


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class AgendaPatient(_Out):
    """A patient."""

    id: int
    last_name: str
    first_name: str
    birth_date: dt.date
    phone: str | None = Field(description="E.164, e.g. +33612345678")
    to_verify: bool = Field(description="Created by phone, not yet checked by the secretary")
    source: str

    @classmethod
    def of(cls, info: PatientInfo) -> AgendaPatient:
        """From the service result."""
        return cls(
            id=info.id,
            last_name=info.last_name,
            first_name=info.first_name,
            birth_date=info.birth_date,
            phone=info.phone,
            to_verify=info.to_verify,
            source=info.source,
        )


class AgendaAppointment(_Out):
    """An appointment; ``status`` follows FHIR R4 Appointment.status."""

    id: int
    status: AppointmentStatus
    practitioner_id: str
    practitioner_name: str
    appointment_type_id: str
    appointment_type_label: str
    start: dt.datetime
    end: dt.datetime
    patient: AgendaPatient
    source: str = Field(description="phone or staff")
    call_sid: str | None = Field(description="The call that booked it")
    created_at: dt.datetime
    cancelled_at: dt.datetime | None
    cancelled_by: str | None
    rescheduled_from_id: int | None

    @classmethod
    def of(cls, info: AppointmentInfo) -> AgendaAppointment:
        """From the service result."""
        return cls(
            id=info.id,
            status=AppointmentStatus(info.status),
            practitioner_id=info.practitioner_id,
            practitioner_name=info.practitioner_name,
            appointment_type_id=info.appointment_type_id,
            appointment_type_label=info.appointment_type_label,
            start=info.start,
            end=info.end,
            patient=AgendaPatient.of(info.patient),
            source=info.source,
            call_sid=info.call_sid,
            created_at=info.created_at,
            cancelled_at=info.cancelled_at,
            cancelled_by=info.cancelled_by,
            rescheduled_from_id=info.rescheduled_from_id,
        )


class AgendaSlot(_Out):
    """A free slot."""

    practitioner_id: str
    practitioner_name: str
    appointment_type_id: str
    appointment_type_label: str
    start: dt.datetime
    end: dt.datetime

    @classmethod
    def of(cls, slot: Slot) -> AgendaSlot:
        """From the service result."""
        return cls(
            practitioner_id=slot.practitioner_id,
            practitioner_name=slot.practitioner_name,
            appointment_type_id=slot.appointment_type_id,
            appointment_type_label=slot.appointment_type_label,
            start=slot.start,
            end=slot.end,
        )


class AgendaPractitioner(_Out):
    """A practitioner, with the address of their iCalendar feed."""

    id: str
    name: str
    specialty: str
    feed_path: str = Field(description="Path of the iCalendar feed, secret token included")

    @classmethod
    def of(cls, info: PractitionerInfo, feed_path: str) -> AgendaPractitioner:
        """From the service result."""
        return cls(id=info.id, name=info.name, specialty=info.specialty, feed_path=feed_path)


class PatientIn(BaseModel):
    """A patient given inline when booking (matched to the file, or created)."""

    model_config = ConfigDict(extra="forbid")

    last_name: str = Field(min_length=1, max_length=120)
    first_name: str = Field(min_length=1, max_length=120)
    birth_date: dt.date
    phone: str | None = Field(default=None, max_length=32)


class AppointmentCreate(BaseModel):
    """Book an appointment: for a patient on file (``patient_id``) or described (``patient``)."""

    model_config = ConfigDict(extra="forbid")

    practitioner_id: str
    appointment_type_id: str
    start: AwareDatetime = Field(description="On the 5-minute grid, with its UTC offset")
    patient_id: int | None = None
    patient: PatientIn | None = None

    @model_validator(mode="after")
    def _one_patient(self) -> AppointmentCreate:
        if (self.patient_id is None) == (self.patient is None):
            raise ValueError("give exactly one of patient_id and patient")
        return self


class AppointmentMove(BaseModel):
    """Move an appointment to a new start (and optionally another practitioner)."""

    model_config = ConfigDict(extra="forbid")

    start: AwareDatetime
    practitioner_id: str | None = None


class PatientVerify(BaseModel):
    """The secretary's check of a patient created by phone, with corrections if needed."""

    model_config = ConfigDict(extra="forbid")

    last_name: str | None = Field(default=None, min_length=1, max_length=120)
    first_name: str | None = Field(default=None, min_length=1, max_length=120)
    birth_date: dt.date | None = None
    phone: str | None = Field(default=None, max_length=32)


class AgendaProblem(_Out):
    """An agenda error: a stable code and a French message."""

    code: str
    message: str
