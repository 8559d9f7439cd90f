"""Booking, cancelling and moving appointments, each as one database transaction.

Every write function commits on success and rolls the session back on failure: a conflict
(another transaction took a granule first) surfaces as `SlotUnavailableError` with nothing
written. The guarantee is the `occupancy` primary key, so it holds across threads, processes and
machines, on SQLite and PostgreSQL. Each write also leaves its row in the appointments outbox
(`agenda.changes`), in the same transaction, for whoever follows appointments.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agenda import occupancy
from agenda.changes import record_change
from agenda.errors import (
    AppointmentStateError,
    HoldNotFoundError,
    InvalidSlotError,
    SlotUnavailableError,
    UnknownReferenceError,
)
from agenda.models import Appointment, AppointmentStatus, ChangeKind, Hold, Patient, Source
from agenda.results import AppointmentInfo
from agenda.slots import check_offered_slot, offered
from agenda.timegrid import aware, granules, on_grid, utcnow
from core import PracticeConfig

# Statuses whose time is given back to the agenda.
_FREEING = {AppointmentStatus.CANCELLED.value, AppointmentStatus.ENTERED_IN_ERROR.value}


def confirm_hold(
    session: Session,
    practice: PracticeConfig,
    hold_id: int,
    *,
    patient_id: int,
    conversation_id: str,
    call_sid: str | None = None,
    source: Source = Source.PHONE,
    now: dt.datetime | None = None,
) -> AppointmentInfo:
    """Turn a hold into a booked appointment, atomically, and release the conversation's others.

    A hold that expired but that nobody took meanwhile is still confirmed.

    Args:
        session: a database session (committed or rolled back here).
        practice: the practice configuration.
        hold_id: the hold, from `hold_slot(s)`.
        patient_id: the patient the appointment is for.
        conversation_id: the conversation that holds it (a hold is never confirmed by another).
        call_sid: the call the booking came from (defaults to ``conversation_id``).
        source: the assistant's channel (the phone, or the website's chat).
        now: the current instant (tests).

    Raises:
        HoldNotFoundError: no such hold for this conversation.
        SlotUnavailableError: the hold expired and the time was taken meanwhile.
        UnknownReferenceError: unknown patient.
    """
    now = now or utcnow()
    hold = session.get(Hold, hold_id, populate_existing=True)
    if hold is None or hold.conversation_id != conversation_id:
        raise HoldNotFoundError(f"no hold {hold_id} for this conversation")
    _patient(session, patient_id)
    duration = int((hold.end - hold.start).total_seconds() // 60)
    expected = len(granules(hold.start, duration))
    try:
        appointment = Appointment(
            practitioner_id=hold.practitioner_id,
            appointment_type_id=hold.appointment_type_id,
            patient_id=patient_id,
            start=hold.start,
            end=hold.end,
            status=AppointmentStatus.BOOKED.value,
            source=source.value,
            call_sid=call_sid or conversation_id,
            created_at=now,
            updated_at=now,
        )
        session.add(appointment)
        session.flush()
        record_change(session, appointment.id, ChangeKind.BOOKED, now)
        if occupancy.hand_over(session, hold_id, appointment.id) != expected:
            raise SlotUnavailableError("the hold expired and its time was taken")
        others = session.scalars(select(Hold.id).where(Hold.conversation_id == conversation_id))
        occupancy.drop_holds(session, list(others))
        session.commit()
    except SlotUnavailableError:
        session.rollback()
        raise
    except IntegrityError:
        session.rollback()
        raise SlotUnavailableError("the hold's time was taken") from None
    return _info(session, appointment.id, practice)


def book_appointment(
    session: Session,
    practice: PracticeConfig,
    *,
    practitioner_id: str,
    appointment_type_id: str,
    start: dt.datetime,
    patient_id: int,
    source: Source = Source.STAFF,
    call_sid: str | None = None,
    now: dt.datetime | None = None,
) -> AppointmentInfo:
    """Book a time directly, without a hold (the staff; or a test of the guarantee).

    Staff may book outside opening hours; the assistant's booking must be a time the search
    offers.

    Raises:
        SlotUnavailableError: the time overlaps an appointment or a live hold.
        InvalidSlotError: off the 5-minute grid (or, by phone, not an offered time).
        UnknownReferenceError, NotOfferedError: unknown type, practitioner or patient.
    """
    now = now or utcnow()
    aware(start)
    if source.by_assistant:
        kind = check_offered_slot(
            session,
            practice,
            practitioner_id=practitioner_id,
            appointment_type_id=appointment_type_id,
            start=start,
            now=now,
        )
    else:
        kind, _ = offered(session, appointment_type_id, practitioner_id, for_phone=False)
        if not on_grid(start):
            raise InvalidSlotError("appointments start on the 5-minute grid")
    _patient(session, patient_id)
    minutes = granules(start, kind.duration_minutes)
    try:
        occupancy.purge_expired_holds(session, practitioner_id, minutes, now)
        appointment = Appointment(
            practitioner_id=practitioner_id,
            appointment_type_id=appointment_type_id,
            patient_id=patient_id,
            start=start,
            end=start + dt.timedelta(minutes=kind.duration_minutes),
            status=AppointmentStatus.BOOKED.value,
            source=source.value,
            call_sid=call_sid,
            created_at=now,
            updated_at=now,
        )
        session.add(appointment)
        session.flush()
        record_change(session, appointment.id, ChangeKind.BOOKED, now)
        occupancy.take(session, practitioner_id, minutes, appointment_id=appointment.id)
        session.commit()
    except IntegrityError:
        session.rollback()
        raise SlotUnavailableError("the time is booked or held") from None
    return _info(session, appointment.id, practice)


def cancel_appointment(
    session: Session,
    practice: PracticeConfig,
    appointment_id: int,
    *,
    by: str,
    patient_id: int | None = None,
    now: dt.datetime | None = None,
) -> AppointmentInfo:
    """Cancel a booked appointment, recording who and when, and free its time.

    Args:
        session: a database session (committed here).
        practice: the practice configuration.
        appointment_id: the appointment.
        by: who cancels (``phone:<call sid>`` or the staff member's name).
        patient_id: when given, the appointment must be this patient's (phone callers).
        now: the current instant (tests).

    Raises:
        UnknownReferenceError: no such appointment (for this patient).
        AppointmentStateError: it is not booked (already cancelled, fulfilled...).
    """
    now = now or utcnow()
    _booked(session, appointment_id, patient_id)
    try:
        _mark_cancelled(session, appointment_id, by, now)
        record_change(session, appointment_id, ChangeKind.CANCELLED, now, by=by)
        session.commit()
    except AppointmentStateError:
        session.rollback()
        raise
    return _info(session, appointment_id, practice)


def move_appointment(
    session: Session,
    practice: PracticeConfig,
    appointment_id: int,
    *,
    by: str,
    start: dt.datetime | None = None,
    practitioner_id: str | None = None,
    hold_id: int | None = None,
    conversation_id: str | None = None,
    patient_id: int | None = None,
    source: Source = Source.PHONE,
    now: dt.datetime | None = None,
) -> AppointmentInfo:
    """Move an appointment in one transaction: the new one is booked and the old one cancelled,
    or nothing changes.

    Give either ``hold_id`` (with ``conversation_id``; the phone path) or ``start`` (and
    optionally another ``practitioner_id``; the staff path). ``source`` is the assistant's
    channel on the hold path.

    Returns:
        The new appointment (its ``rescheduled_from_id`` is the old one).

    Raises:
        SlotUnavailableError: the new time is taken; the old appointment is untouched.
        HoldNotFoundError, UnknownReferenceError, AppointmentStateError, InvalidSlotError.
    """
    now = now or utcnow()
    if (hold_id is None) == (start is None):
        raise InvalidSlotError("give either a hold or a new start")
    old = _booked(session, appointment_id, patient_id)
    target_practitioner = practitioner_id or old.practitioner_id
    hold: Hold | None = None
    if hold_id is not None:
        hold = session.get(Hold, hold_id, populate_existing=True)
        if hold is None or hold.conversation_id != conversation_id:
            raise HoldNotFoundError(f"no hold {hold_id} for this conversation")
        if hold.appointment_type_id != old.appointment_type_id:
            raise InvalidSlotError("the hold is for another appointment type")
        new_start, target_practitioner = hold.start, hold.practitioner_id
        duration = int((hold.end - hold.start).total_seconds() // 60)
    else:
        assert start is not None
        new_start = aware(start)
        kind, _ = offered(session, old.appointment_type_id, target_practitioner, for_phone=False)
        if not on_grid(new_start):
            raise InvalidSlotError("appointments start on the 5-minute grid")
        duration = kind.duration_minutes
    minutes = granules(new_start, duration)
    try:
        _mark_cancelled(session, old.id, by, now)
        moved = Appointment(
            practitioner_id=target_practitioner,
            appointment_type_id=old.appointment_type_id,
            patient_id=old.patient_id,
            start=new_start,
            end=new_start + dt.timedelta(minutes=duration),
            status=AppointmentStatus.BOOKED.value,
            source=source.value if hold is not None else Source.STAFF.value,
            call_sid=conversation_id if hold is not None else old.call_sid,
            rescheduled_from_id=old.id,
            created_at=now,
            updated_at=now,
        )
        session.add(moved)
        session.flush()
        record_change(session, moved.id, ChangeKind.MOVED, now, previous_id=old.id, by=by)
        if hold is not None:
            if occupancy.hand_over(session, hold.id, moved.id) != len(minutes):
                raise SlotUnavailableError("the hold expired and its time was taken")
            occupancy.drop_holds(session, [hold.id])
        else:
            occupancy.purge_expired_holds(session, target_practitioner, minutes, now)
            occupancy.take(session, target_practitioner, minutes, appointment_id=moved.id)
        session.commit()
    except (SlotUnavailableError, AppointmentStateError):
        session.rollback()
        raise
    except IntegrityError:
        session.rollback()
        raise SlotUnavailableError("the new time is booked or held") from None
    return _info(session, moved.id, practice)


def set_appointment_status(
    session: Session,
    practice: PracticeConfig,
    appointment_id: int,
    status: AppointmentStatus,
    *,
    by: str,
    now: dt.datetime | None = None,
) -> AppointmentInfo:
    """Record what became of an appointment (fulfilled, no-show, entered in error).

    ``entered-in-error`` gives the time back to the agenda; use `cancel_appointment` to cancel.

    Raises:
        UnknownReferenceError: no such appointment.
        AppointmentStateError: a cancellation asked for here, or the appointment is cancelled.
    """
    now = now or utcnow()
    if status is AppointmentStatus.CANCELLED:
        raise AppointmentStateError("use cancel_appointment to cancel")
    row = session.get(Appointment, appointment_id, populate_existing=True)
    if row is None:
        raise UnknownReferenceError(f"no appointment {appointment_id}")
    if row.status in _FREEING:
        raise AppointmentStateError(f"appointment is {row.status}")
    row.status = status.value
    row.updated_at = now
    if status.value in _FREEING:
        row.cancelled_at, row.cancelled_by = now, by
        occupancy.give_back(session, row.id)
    record_change(session, row.id, ChangeKind.STATUS, now, by=by)
    session.commit()
    return _info(session, appointment_id, practice)


def _mark_cancelled(session: Session, appointment_id: int, by: str, now: dt.datetime) -> None:
    # The status condition makes concurrent cancellations (or a cancel racing a move) safe:
    # only one transaction sees the row still booked.
    result = session.execute(
        update(Appointment)
        .where(
            Appointment.id == appointment_id,
            Appointment.status == AppointmentStatus.BOOKED.value,
        )
        .values(
            status=AppointmentStatus.CANCELLED.value,
            cancelled_at=now,
            cancelled_by=by,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise AppointmentStateError("appointment is no longer booked")
    occupancy.give_back(session, appointment_id)


def _booked(session: Session, appointment_id: int, patient_id: int | None) -> Appointment:
    row = session.get(Appointment, appointment_id, populate_existing=True)
    if row is None or (patient_id is not None and row.patient_id != patient_id):
        raise UnknownReferenceError(f"no appointment {appointment_id}")
    if row.status != AppointmentStatus.BOOKED.value:
        raise AppointmentStateError(f"appointment is {row.status}")
    return row


def _patient(session: Session, patient_id: int) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise UnknownReferenceError(f"no patient {patient_id}")
    return patient


def _info(session: Session, appointment_id: int, practice: PracticeConfig) -> AppointmentInfo:
    row = session.get(Appointment, appointment_id, populate_existing=True)
    assert row is not None
    return AppointmentInfo.of(row, practice.tz)
