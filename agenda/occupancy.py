"""The granule table, read and written: what is busy, taking time, giving it back.

Every function here runs inside the caller's transaction and never commits. A conflicting
insert raises `sqlalchemy.exc.IntegrityError`, which the booking functions turn into
`SlotUnavailableError` after rolling back.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from agenda.models import Hold, Occupancy
from agenda.timegrid import from_minute


def busy_minutes(
    session: Session,
    practitioner_ids: Iterable[str],
    first_minute: int,
    end_minute: int,
    now: dt.datetime,
    conversation_id: str | None = None,
) -> dict[str, set[int]]:
    """Granules taken between two epoch minutes, per practitioner.

    Appointments always count; holds count while they live, except those of
    ``conversation_id`` (a caller is offered what they hold themselves).
    """
    live_hold = Hold.expires_at > now
    if conversation_id is not None:
        live_hold = and_(live_hold, Hold.conversation_id != conversation_id)
    # Through the connection: plain rows, without the ORM's per-row bookkeeping.
    rows = (
        session.connection()
        .execute(
            select(Occupancy.practitioner_id, Occupancy.minute)
            .outerjoin(Hold, Occupancy.hold_id == Hold.id)
            .where(
                Occupancy.practitioner_id.in_(list(practitioner_ids)),
                Occupancy.minute >= first_minute,
                Occupancy.minute < end_minute,
                or_(Occupancy.appointment_id.is_not(None), live_hold),
            )
        )
        .all()
    )
    busy: dict[str, set[int]] = defaultdict(set)
    for pid, minute in rows:
        busy[pid].add(minute)
    return busy


def purge_expired_holds(
    session: Session, practitioner_id: str, minutes: range, now: dt.datetime
) -> None:
    """Delete the expired holds that overlap ``minutes``, so that their granules can be taken."""
    start, end = from_minute(minutes.start), from_minute(minutes.stop)
    expired = select(Hold.id).where(
        Hold.practitioner_id == practitioner_id,
        Hold.expires_at <= now,
        Hold.start < end,
        Hold.end > start,
    )
    ids = list(session.scalars(expired))
    if ids:
        session.execute(delete(Occupancy).where(Occupancy.hold_id.in_(ids)))
        session.execute(delete(Hold).where(Hold.id.in_(ids)))


def take(
    session: Session,
    practitioner_id: str,
    minutes: range,
    *,
    appointment_id: int | None = None,
    hold_id: int | None = None,
) -> None:
    """Insert the granules for an appointment or a hold (IntegrityError when one is taken)."""
    # One multi-row INSERT (not executemany): one statement, one round trip, one failure.
    session.execute(
        insert(Occupancy).values(
            [
                {
                    "practitioner_id": practitioner_id,
                    "minute": minute,
                    "appointment_id": appointment_id,
                    "hold_id": hold_id,
                }
                for minute in minutes
            ]
        )
    )


def hand_over(session: Session, hold_id: int, appointment_id: int) -> int:
    """Give a hold's granules to an appointment; returns how many rows changed hands."""
    result = session.execute(
        update(Occupancy)
        .where(Occupancy.hold_id == hold_id)
        .values(hold_id=None, appointment_id=appointment_id)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def give_back(session: Session, appointment_id: int) -> None:
    """Free the granules of an appointment (cancelled or entered in error)."""
    session.execute(
        delete(Occupancy)
        .where(Occupancy.appointment_id == appointment_id)
        .execution_options(synchronize_session=False)
    )


def drop_holds(session: Session, hold_ids: list[int]) -> None:
    """Delete holds and their granules."""
    if hold_ids:
        session.execute(
            delete(Occupancy)
            .where(Occupancy.hold_id.in_(hold_ids))
            .execution_options(synchronize_session=False)
        )
        session.execute(
            delete(Hold).where(Hold.id.in_(hold_ids)).execution_options(synchronize_session=False)
        )
