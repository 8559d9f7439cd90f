"""The appointments outbox: each booking, move, cancellation and status change leaves a row in
its own transaction, and a follower takes rows exactly once (`take_appointment_changes`).

Taking deletes the rows in the follower's transaction: if the follower rolls back, the rows are
back for the next pass; if it commits, nobody sees them again. On PostgreSQL, ``FOR UPDATE SKIP
LOCKED`` lets several instances take different rows at once; SQLite serialises the writers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from agenda.models import AppointmentChange as ChangeRow
from agenda.models import ChangeKind


@dataclass(frozen=True)
class AppointmentChange:
    """One change of one appointment."""

    id: int
    appointment_id: int
    change: ChangeKind
    previous_id: int | None
    """For a move: the appointment it replaced."""
    by: str | None
    """For a cancellation: who cancelled (``phone``, ``sms``, a staff member)."""
    at: dt.datetime


def record_change(
    session: Session,
    appointment_id: int,
    change: ChangeKind,
    at: dt.datetime,
    *,
    previous_id: int | None = None,
    by: str | None = None,
) -> None:
    """Add the outbox row to the session's transaction (the caller commits)."""
    session.add(ChangeRow(
        appointment_id=appointment_id, change=change.value, previous_id=previous_id, by=by, at=at
    ))


def take_appointment_changes(session: Session, limit: int = 500) -> list[AppointmentChange]:
    """Take (delete) up to ``limit`` changes, oldest first, in the caller's transaction.

    The caller acts on them and commits; a rollback gives them back.
    """
    # A read first: most passes find nothing, and a DELETE would take SQLite's write lock.
    if session.scalar(select(ChangeRow.id).limit(1)) is None:
        return []
    oldest = (
        select(ChangeRow.id)
        .order_by(ChangeRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    taken = session.execute(
        delete(ChangeRow)
        .where(ChangeRow.id.in_(oldest))
        .returning(
            ChangeRow.id, ChangeRow.appointment_id, ChangeRow.change, ChangeRow.previous_id,
            ChangeRow.by, ChangeRow.at,
        )
        .execution_options(synchronize_session=False)
    ).all()
    return sorted(
        (
            AppointmentChange(row[0], row[1], ChangeKind(row[2]), row[3], row[4], row[5])
            for row in taken
        ),
        key=lambda change: change.id,
    )
