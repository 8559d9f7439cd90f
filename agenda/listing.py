"""Read-only views of the agenda: practitioners, appointment types, appointments over a period."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from agenda.errors import UnknownReferenceError
from agenda.models import Appointment, AppointmentType, Practitioner
from agenda.results import AppointmentInfo, AppointmentTypeInfo, PractitionerInfo
from agenda.timegrid import local_instant
from core import PracticeConfig


def list_practitioners(
    session: Session, *, include_retired: bool = False
) -> list[PractitionerInfo]:
    """The practitioners, active ones only unless asked."""
    query = select(Practitioner).order_by(Practitioner.id)
    if not include_retired:
        query = query.where(Practitioner.active.is_(True))
    return [PractitionerInfo.of(row) for row in session.scalars(query)]


def list_appointment_types(
    session: Session, *, for_phone: bool = False
) -> list[AppointmentTypeInfo]:
    """The active appointment types (only those the phone may book, when ``for_phone``)."""
    query = select(AppointmentType).where(AppointmentType.active.is_(True))
    if for_phone:
        query = query.where(AppointmentType.bookable_by_phone.is_(True))
    return [
        AppointmentTypeInfo.of(row) for row in session.scalars(query.order_by(AppointmentType.id))
    ]


def get_appointment(
    session: Session, practice: PracticeConfig, appointment_id: int
) -> AppointmentInfo:
    """One appointment.

    Raises:
        UnknownReferenceError: no such appointment.
    """
    row = session.get(Appointment, appointment_id, populate_existing=True)
    if row is None:
        raise UnknownReferenceError(f"no appointment {appointment_id}")
    return AppointmentInfo.of(row, practice.tz)


def appointments_between(
    session: Session,
    practice: PracticeConfig,
    start: dt.datetime,
    end: dt.datetime,
    *,
    practitioner_id: str | None = None,
    patient_id: int | None = None,
    statuses: Collection[str] | None = None,
    limit: int | None = None,
) -> list[AppointmentInfo]:
    """Appointments starting in [start, end), earliest first, optionally filtered."""
    query = (
        select(Appointment)
        .options(
            joinedload(Appointment.practitioner),
            joinedload(Appointment.appointment_type),
            joinedload(Appointment.patient),
        )
        .where(Appointment.start >= start, Appointment.start < end)
        .order_by(Appointment.start, Appointment.id)
    )
    if practitioner_id is not None:
        query = query.where(Appointment.practitioner_id == practitioner_id)
    if patient_id is not None:
        query = query.where(Appointment.patient_id == patient_id)
    if statuses is not None:
        query = query.where(Appointment.status.in_(list(statuses)))
    if limit is not None:
        query = query.limit(limit)
    return [AppointmentInfo.of(row, practice.tz) for row in session.scalars(query)]


def appointments_on(
    session: Session,
    practice: PracticeConfig,
    day: dt.date,
    practitioner_id: str | None = None,
) -> list[AppointmentInfo]:
    """Every appointment of a local day (any status), optionally for one practitioner."""
    tz = practice.tz
    start = local_instant(day, dt.time(0), tz)
    end = local_instant(day + dt.timedelta(days=1), dt.time(0), tz)
    return appointments_between(session, practice, start, end, practitioner_id=practitioner_id)
