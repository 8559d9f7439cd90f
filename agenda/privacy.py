"""A patient's rights over the agenda: everything held about them, and its erasure.

A patient is named by their phone number and birth date (the identity the assistant checks on
the phone). Erasure deletes their patient rows, their appointments with the slots those hold,
and the holds of their conversations; the audit line of the act is the caller's business
(`staff.patient_rights`), and names nobody.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from agenda.models import Appointment, Hold, Occupancy, Patient


@dataclass
class PatientRecords:
    """What the agenda holds about one patient."""

    patients: list[dict[str, Any]] = field(default_factory=list)
    appointments: list[dict[str, Any]] = field(default_factory=list)
    conversation_ids: set[str] = field(default_factory=set)
    """The calls or chats that booked their appointments (their transcripts, their tracker)."""


def _patients(session: Session, phone: str, birth_date: dt.date) -> list[Patient]:
    query = select(Patient).where(Patient.phone == phone, Patient.birth_date == birth_date)
    return list(session.scalars(query.order_by(Patient.id)))


def patient_records(session: Session, phone: str, birth_date: dt.date) -> PatientRecords:
    """Everything about the patient(s) with this E.164 number and birth date."""
    records = PatientRecords()
    patients = _patients(session, phone, birth_date)
    ids = [p.id for p in patients]
    for patient in patients:
        records.patients.append({
            "id": patient.id,
            "last_name": patient.last_name,
            "first_name": patient.first_name,
            "birth_date": patient.birth_date.isoformat(),
            "phone": patient.phone,
            "source": patient.source,
            "created_at": patient.created_at.isoformat(),
        })
    if not ids:
        return records
    query = select(Appointment).where(Appointment.patient_id.in_(ids)).order_by(Appointment.start)
    for item in session.scalars(query):
        records.appointments.append({
            "id": item.id,
            "practitioner": item.practitioner_id,
            "type": item.appointment_type_id,
            "start": item.start.isoformat(),
            "end": item.end.isoformat(),
            "status": item.status,
            "source": item.source,
            "created_at": item.created_at.isoformat(),
            "cancelled_at": item.cancelled_at.isoformat() if item.cancelled_at else None,
        })
        if item.call_sid:
            records.conversation_ids.add(item.call_sid)
    return records


def erase_patient_records(
    session: Session, phone: str, birth_date: dt.date, conversation_ids: Collection[str] = ()
) -> dict[str, int]:
    """Delete the patient(s), their appointments (freeing their slots) and the holds of these
    conversations; returns how many rows of each kind went."""
    ids = [p.id for p in _patients(session, phone, birth_date)]
    counts = {"patients": 0, "appointments": 0, "holds": 0}
    if ids:
        appointment_ids = list(
            session.scalars(select(Appointment.id).where(Appointment.patient_id.in_(ids)))
        )
        if appointment_ids:
            session.execute(delete(Occupancy).where(Occupancy.appointment_id.in_(appointment_ids)))
            # A moved appointment points at the one it replaced: both are the patient's.
            session.execute(
                update(Appointment)
                .where(Appointment.rescheduled_from_id.in_(appointment_ids))
                .values(rescheduled_from_id=None)
            )
            result = session.execute(delete(Appointment).where(Appointment.id.in_(appointment_ids)))
            counts["appointments"] = _rowcount(result)
        result = session.execute(delete(Patient).where(Patient.id.in_(ids)))
        counts["patients"] = _rowcount(result)
    if conversation_ids:
        hold_ids = list(
            session.scalars(select(Hold.id).where(Hold.conversation_id.in_(conversation_ids)))
        )
        if hold_ids:
            session.execute(delete(Occupancy).where(Occupancy.hold_id.in_(hold_ids)))
            result = session.execute(delete(Hold).where(Hold.id.in_(hold_ids)))
            counts["holds"] = _rowcount(result)
    return counts


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
