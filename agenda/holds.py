"""Holds: a slot proposed on the phone is kept for the caller for a few minutes.

A hold takes the slot's granules like an appointment does, so two callers cannot hold the same
time. It expires by itself: searches ignore expired holds, and the next booking or hold over the
same time deletes them. Ending the call releases the conversation's holds at once.

Each write function here is one transaction: it commits on success, rolls back on failure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agenda import occupancy
from agenda.errors import SlotUnavailableError
from agenda.models import AppointmentType, Hold, Practitioner
from agenda.results import HeldSlot, Slot
from agenda.slots import check_offered_slot
from agenda.timegrid import aware, granules, utcnow
from core import PracticeConfig


def hold_slot(
    session: Session,
    practice: PracticeConfig,
    *,
    practitioner_id: str,
    appointment_type_id: str,
    start: dt.datetime,
    conversation_id: str,
    now: dt.datetime | None = None,
) -> HeldSlot:
    """Hold one slot for a conversation for ``booking.hold_minutes`` (other holds are kept).

    Args:
        session: a database session (committed or rolled back here).
        practice: the practice configuration.
        practitioner_id: who the slot is with.
        appointment_type_id: the appointment type.
        start: the slot's start (timezone-aware), as `search_slots` proposed it.
        conversation_id: the call SID (or chat id) the hold belongs to.
        now: the current instant (tests).

    Returns:
        The held slot with its hold id and expiry.

    Raises:
        SlotUnavailableError: the time is booked or held by someone else.
        InvalidSlotError, NotOfferedError, UnknownReferenceError: not a slot the search offers.
    """
    now = now or utcnow()
    kind = check_offered_slot(
        session,
        practice,
        practitioner_id=practitioner_id,
        appointment_type_id=appointment_type_id,
        start=aware(start),
        now=now,
    )
    minutes = granules(start, kind.duration_minutes)
    end = start + dt.timedelta(minutes=kind.duration_minutes)
    try:
        occupancy.purge_expired_holds(session, practitioner_id, minutes, now)
        hold = Hold(
            practitioner_id=practitioner_id,
            appointment_type_id=appointment_type_id,
            start=start,
            end=end,
            conversation_id=conversation_id,
            expires_at=now + dt.timedelta(minutes=practice.booking.hold_minutes),
            created_at=now,
        )
        session.add(hold)
        session.flush()
        occupancy.take(session, practitioner_id, minutes, hold_id=hold.id)
        session.commit()
    except IntegrityError:
        session.rollback()
        raise SlotUnavailableError("slot is booked or held by another caller") from None
    return _held(session, hold, practice)


def hold_slots(
    session: Session,
    practice: PracticeConfig,
    slots: Sequence[Slot],
    *,
    conversation_id: str,
    keep_existing: bool = False,
    now: dt.datetime | None = None,
) -> list[HeldSlot]:
    """Hold every proposed slot that is still free, each in its own transaction.

    By default the conversation's earlier holds are released first: a new set of proposals
    replaces the previous one.

    Returns:
        The slots actually held, in the given order (a slot taken meanwhile is left out).
    """
    now = now or utcnow()
    if not keep_existing:
        release_holds(session, conversation_id)
    held = []
    for slot in slots:
        try:
            held.append(
                hold_slot(
                    session,
                    practice,
                    practitioner_id=slot.practitioner_id,
                    appointment_type_id=slot.appointment_type_id,
                    start=slot.start,
                    conversation_id=conversation_id,
                    now=now,
                )
            )
        except SlotUnavailableError:
            continue
    return held


def release_holds(session: Session, conversation_id: str, *, keep: Sequence[int] = ()) -> int:
    """Release a conversation's holds (when the call ends, or new proposals replace them).

    Args:
        session: a database session (committed here).
        conversation_id: the call SID or chat id.
        keep: hold ids not to release.

    Returns:
        How many holds were released.
    """
    ids = [
        hold_id
        for hold_id in session.scalars(
            select(Hold.id).where(Hold.conversation_id == conversation_id)
        )
        if hold_id not in keep
    ]
    occupancy.drop_holds(session, ids)
    session.commit()
    return len(ids)


def conversation_holds(
    session: Session, practice: PracticeConfig, conversation_id: str, now: dt.datetime | None = None
) -> list[HeldSlot]:
    """The live holds of a conversation, earliest slot first."""
    now = now or utcnow()
    rows = session.scalars(
        select(Hold)
        .where(Hold.conversation_id == conversation_id, Hold.expires_at > now)
        .order_by(Hold.start)
    )
    return [_held(session, hold, practice) for hold in rows]


def purge_expired_holds(session: Session, now: dt.datetime | None = None) -> int:
    """Delete every expired hold (housekeeping; searches already ignore them)."""
    now = now or utcnow()
    ids = list(session.scalars(select(Hold.id).where(Hold.expires_at <= now)))
    occupancy.drop_holds(session, ids)
    session.commit()
    return len(ids)


def _held(session: Session, hold: Hold, practice: PracticeConfig) -> HeldSlot:
    person = session.get(Practitioner, hold.practitioner_id)
    assert person is not None
    kind = session.get(AppointmentType, hold.appointment_type_id)
    assert kind is not None
    tz = practice.tz
    slot = Slot(
        practitioner_id=person.id,
        practitioner_name=person.name,
        appointment_type_id=kind.id,
        appointment_type_label=kind.label,
        start=hold.start.astimezone(tz),
        end=hold.end.astimezone(tz),
    )
    return HeldSlot(hold.id, slot, hold.conversation_id, hold.expires_at)
