"""Tables owned by the agenda component.

Instants are stored in UTC (`UTCDateTime` hands back aware datetimes on SQLite and PostgreSQL
alike); opening hours are local wall-clock times in the practice timezone.

The at-most-once guarantee is the primary key of `Occupancy`: one row per practitioner and
5-minute granule, inserted in the same transaction as the appointment (or hold) that takes it.
Two transactions that want the same granule cannot both commit, whatever process or machine
they run on.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Time,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from core import UTCDateTime, component_metadata


class AgendaBase(DeclarativeBase):
    """Declarative base of the agenda tables."""

    metadata = component_metadata()


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AppointmentStatus(StrEnum):
    """FHIR R4 Appointment.status values the practice uses."""

    BOOKED = "booked"
    CANCELLED = "cancelled"
    NOSHOW = "noshow"
    FULFILLED = "fulfilled"
    ENTERED_IN_ERROR = "entered-in-error"


class Source(StrEnum):
    """Who wrote an appointment or a patient: the assistant on the phone, the assistant in the
    practice website's chat, or the staff."""

    PHONE = "phone"
    WEB = "web"
    STAFF = "staff"

    @property
    def by_assistant(self) -> bool:
        """Written by the assistant: only offered times, and new patients to verify."""
        return self is not Source.STAFF


appointment_type_practitioners = Table(
    "appointment_type_practitioners",
    AgendaBase.metadata,
    Column("appointment_type_id", String(64), ForeignKey("appointment_types.id"), primary_key=True),
    Column("practitioner_id", String(64), ForeignKey("practitioners.id"), primary_key=True),
)


class Practitioner(AgendaBase):
    """A practitioner; retired ones stay (their appointments refer to them) but are inactive."""

    __tablename__ = "practitioners"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    specialty: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    feed_token: Mapped[str] = mapped_column(String(64))
    """Secret of the practitioner's iCalendar feed URL (random, rotatable)."""

    hours: Mapped[list[OpeningHours]] = relationship(
        back_populates="practitioner", cascade="all, delete-orphan"
    )


class AppointmentType(AgendaBase):
    """A kind of appointment: label, length, who gives it, whether the phone may book it."""

    __tablename__ = "appointment_types"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    bookable_by_phone: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    practitioners: Mapped[list[Practitioner]] = relationship(
        secondary=appointment_type_practitioners, order_by=Practitioner.id
    )


class OpeningHours(AgendaBase):
    """One range of a practitioner's week, local wall-clock time, end excluded."""

    __tablename__ = "opening_hours"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    practitioner_id: Mapped[str] = mapped_column(ForeignKey("practitioners.id"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)
    """0 = Monday … 6 = Sunday."""
    start: Mapped[dt.time] = mapped_column(Time)
    end: Mapped[dt.time] = mapped_column(Time)

    practitioner: Mapped[Practitioner] = relationship(back_populates="hours")


class Closure(AgendaBase):
    """Days off, both ends included; no practitioner means the whole practice."""

    __tablename__ = "closures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date] = mapped_column(Date)
    practitioner_id: Mapped[str | None] = mapped_column(ForeignKey("practitioners.id"))
    reason: Mapped[str] = mapped_column(String(200), default="")
    origin: Mapped[str] = mapped_column(String(16), default="config")
    """``config`` rows are rewritten by each sync; other origins are left alone."""


class Patient(AgendaBase):
    """Only what the practice needs: names, date of birth, phone (E.164)."""

    __tablename__ = "patients"
    __table_args__ = (Index("ix_patients_birth_date_last_name", "birth_date", "last_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_name: Mapped[str] = mapped_column(String(120))
    first_name: Mapped[str] = mapped_column(String(120))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    to_verify: Mapped[bool] = mapped_column(Boolean, default=False)
    """Created by phone and not yet checked by the secretary."""
    source: Mapped[str] = mapped_column(String(16), default=Source.STAFF.value)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_utcnow)
    sms_refused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """The patient said they want no texts (« je ne veux pas de SMS »)."""


class Appointment(AgendaBase):
    """An appointment; the status follows FHIR R4 and a cancellation says who and when."""

    __tablename__ = "appointments"
    __table_args__ = (Index("ix_appointments_practitioner_id_start", "practitioner_id", "start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    practitioner_id: Mapped[str] = mapped_column(ForeignKey("practitioners.id"))
    appointment_type_id: Mapped[str] = mapped_column(ForeignKey("appointment_types.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    end: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default=AppointmentStatus.BOOKED.value)
    source: Mapped[str] = mapped_column(String(16))
    call_sid: Mapped[str | None] = mapped_column(String(64))
    """The call (or chat conversation) that booked it."""
    rescheduled_from_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_utcnow)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancelled_by: Mapped[str | None] = mapped_column(String(120))

    practitioner: Mapped[Practitioner] = relationship()
    appointment_type: Mapped[AppointmentType] = relationship()
    patient: Mapped[Patient] = relationship()


class ChangeKind(StrEnum):
    """What happened to an appointment, as the outbox records it."""

    BOOKED = "booked"
    MOVED = "moved"
    """The appointment was booked in place of ``previous_id``, now cancelled."""
    CANCELLED = "cancelled"
    STATUS = "status"
    """Fulfilled, no-show or entered in error."""


class AppointmentChange(AgendaBase):
    """An outbox row, written in the transaction that booked, moved or cancelled: whoever
    follows appointments (the texts to patients) reads and deletes these without the agenda
    knowing it exists, and without missing a change made by phone, chat or staff."""

    __tablename__ = "appointment_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appointment_id: Mapped[int] = mapped_column(Integer)
    """No foreign key: a change outlives an appointment deleted by hand (the follower skips it)."""
    change: Mapped[str] = mapped_column(String(16))
    previous_id: Mapped[int | None] = mapped_column(Integer)
    by: Mapped[str | None] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Hold(AgendaBase):
    """A slot proposed on the phone, kept for one conversation until ``expires_at``."""

    __tablename__ = "holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    practitioner_id: Mapped[str] = mapped_column(ForeignKey("practitioners.id"))
    appointment_type_id: Mapped[str] = mapped_column(ForeignKey("appointment_types.id"))
    start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    end: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_utcnow)


class Occupancy(AgendaBase):
    """One 5-minute granule of a practitioner's time, taken by an appointment or a hold.

    The primary key (practitioner, minute) is what makes double booking impossible.
    """

    __tablename__ = "occupancy"
    __table_args__ = (
        CheckConstraint("(appointment_id IS NULL) <> (hold_id IS NULL)", name="one_owner"),
    )

    practitioner_id: Mapped[str] = mapped_column(ForeignKey("practitioners.id"), primary_key=True)
    minute: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    """Start of the granule, in UTC minutes since 1970-01-01."""
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"), index=True)
    hold_id: Mapped[int | None] = mapped_column(ForeignKey("holds.id"), index=True)
