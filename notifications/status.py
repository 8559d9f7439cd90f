"""Where each appointment's texts are, for the staff's « Aujourd'hui » page and the inbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

import agenda
from core import PracticeConfig
from notifications.models import Notification, NotificationKind
from notifications.scheduling import reminder_due

PLANNED = "planned"
"""A reminder the practice's settings will create at its time (no row yet)."""


@dataclass(frozen=True)
class TextStatus:
    """One text of an appointment (or an inbox message) and where it is."""

    kind: str
    """A `NotificationKind` value."""
    state: str
    """A `State` value, or ``planned``."""
    at: dt.datetime | None
    """When it was sent, or when it is (was) due."""
    lead_hours: int | None = None
    delivery_status: str | None = None
    """Twilio's last word: ``delivered``, ``undelivered``, ``failed``…"""
    error_code: str | None = None


def _status(row: Notification) -> TextStatus:
    return TextStatus(
        kind=row.kind,
        state=row.state,
        at=row.sent_at or row.due_at,
        lead_hours=row.lead_hours,
        delivery_status=row.delivery_status,
        error_code=row.error_code,
    )


def appointment_texts(
    session: Session,
    practice: PracticeConfig,
    appointments: Sequence[agenda.AppointmentInfo],
    now: dt.datetime | None = None,
) -> dict[int, list[TextStatus]]:
    """Each appointment's texts, in order: confirmations, then reminders (sent or planned)."""
    now = now or dt.datetime.now(dt.UTC)
    ids = [a.id for a in appointments]
    found: dict[int, list[TextStatus]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = session.scalars(
        select(Notification)
        .where(Notification.appointment_id.in_(ids))
        .order_by(Notification.created_at, Notification.id)
    )
    reminded: set[tuple[int, int | None]] = set()
    for row in rows:
        assert row.appointment_id is not None
        found[row.appointment_id].append(_status(row))
        if row.kind == NotificationKind.REMINDER.value:
            reminded.add((row.appointment_id, row.lead_hours))
    if practice.sms.reminders:
        for appointment in appointments:
            if appointment.status != agenda.AppointmentStatus.BOOKED.value:
                continue
            for hours in practice.sms.reminder_hours:
                due = reminder_due(appointment.start, appointment.created_at, hours, now)
                if due is False and (appointment.id, hours) not in reminded:
                    at = appointment.start - dt.timedelta(hours=hours)
                    found[appointment.id].append(
                        TextStatus(NotificationKind.REMINDER.value, PLANNED, at, hours))
    return found


def ready_text(session: Session, message_id: int) -> TextStatus | None:
    """The « prêt » text of an inbox message, if one was asked for."""
    key = f"ready:{message_id}"
    row = session.scalar(select(Notification).where(Notification.dedupe_key == key))
    return _status(row) if row is not None else None
