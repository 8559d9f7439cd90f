"""Which texts to send and when: rows in `notifications`, each created exactly once.

- Confirmations follow the agenda's outbox (`agenda.take_appointment_changes`): a booking, a
  move or a cancellation, by phone, chat or staff, becomes a row due at once, in the same
  transaction that takes the change. A move or a cancellation also drops the texts still
  waiting for the old appointment.
- Reminders are created when due, from the appointments booked at that moment: a moved
  appointment is reminded at its new time, a cancelled one not at all, and a change of lead
  times applies to every appointment to come. An appointment booked after a reminder's time gets
  no reminder (its confirmation says the same).
- « Prêt » texts are asked for from the inbox (`request_ready`).

Every row's ``dedupe_key`` is unique and inserted with ``ON CONFLICT DO NOTHING``, so two
instances scheduling at once create one row.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

import agenda
import transcripts
from core import PracticeConfig
from notifications.models import Notification, NotificationKind, OptOut, State
from notifications.numbers import textable

# The window of appointments is [now, now + longest lead]: its end belongs to it.
_INCLUSIVE = dt.timedelta(seconds=1)
SMS_ACTOR = "sms"
"""Who cancels when a patient answers ANNULER (`agenda.cancel_appointment`'s ``by``)."""
_CONFIRMING = {
    agenda.ChangeKind.BOOKED: NotificationKind.BOOKED,
    agenda.ChangeKind.MOVED: NotificationKind.MOVED,
    agenda.ChangeKind.CANCELLED: NotificationKind.CANCELLED,
}
READY_DOCUMENTS: dict[transcripts.MessageKind, str] = {
    transcripts.MessageKind.RENEWAL: "prescription",
    transcripts.MessageKind.CERTIFICATE: "certificate",
    transcripts.MessageKind.SICK_LEAVE: "document",
}
"""The inbox requests that end with a document to collect, and what the text calls it."""


def add_notification(session: Session, **values: Any) -> bool:
    """Insert a row unless its ``dedupe_key`` exists; True when this call inserted it."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(Notification)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Notification.id)
    )
    # The returned row, not the row count: PostgreSQL's count is -1 here.
    return session.execute(statement).first() is not None


def drop_waiting(session: Session, appointment_id: int, reason: str, now: dt.datetime) -> int:
    """Skip the texts still waiting for an appointment (moved, cancelled, fulfilled…)."""
    result = session.execute(
        update(Notification)
        .where(
            Notification.appointment_id == appointment_id,
            Notification.state == State.PENDING.value,
        )
        .values(state=State.SKIPPED.value, error_code=reason, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def schedule_changes(session: Session, practice: PracticeConfig, now: dt.datetime) -> int:
    """Take the agenda's changes and schedule their confirmations; returns rows created.

    Runs in the caller's transaction: the changes are gone only if the rows are written.
    """
    created = 0
    for change in agenda.take_appointment_changes(session):
        if change.change is agenda.ChangeKind.MOVED and change.previous_id is not None:
            drop_waiting(session, change.previous_id, "moved", now)
        elif change.change in (agenda.ChangeKind.CANCELLED, agenda.ChangeKind.STATUS):
            drop_waiting(session, change.appointment_id, f"appointment-{change.change}", now)
        kind = _CONFIRMING.get(change.change)
        if kind is None or not practice.sms.confirmations:
            continue
        if kind is NotificationKind.CANCELLED and change.by == SMS_ACTOR:
            continue  # the answer to ANNULER already confirms it
        created += add_notification(
            session,
            kind=kind.value,
            dedupe_key=f"{kind.value}:{change.appointment_id}",
            appointment_id=change.appointment_id,
            due_at=now,
            created_at=now,
            updated_at=now,
        )
    return created


def reminder_due(
    start: dt.datetime, booked_at: dt.datetime, hours: int, now: dt.datetime
) -> bool | None:
    """True when the ``hours`` reminder is due now, False when it is still to come, None when
    it will never be sent (booked after its time, or too close to the appointment now)."""
    at = start - dt.timedelta(hours=hours)
    if booked_at > at:
        return None
    if now < at:
        return False
    return start - now >= dt.timedelta(hours=hours) / 2 or None


def schedule_reminders(session: Session, practice: PracticeConfig, now: dt.datetime) -> int:
    """Create the reminders due now for the appointments booked now; returns rows created."""
    if not practice.sms.reminders or not practice.sms.reminder_hours:
        return 0
    longest = dt.timedelta(hours=max(practice.sms.reminder_hours))
    coming = agenda.appointments_between(
        session, practice, now, now + longest + _INCLUSIVE,
        statuses=[agenda.AppointmentStatus.BOOKED.value],
    )
    if not coming:
        return 0
    existing = set(session.scalars(
        select(Notification.dedupe_key).where(
            Notification.kind == NotificationKind.REMINDER.value,
            Notification.appointment_id.in_([a.id for a in coming]),
        )
    ))
    created = 0
    for appointment in coming:
        for hours in practice.sms.reminder_hours:
            key = f"reminder:{appointment.id}:{hours}"
            due = reminder_due(appointment.start, appointment.created_at, hours, now)
            if key in existing or not due:
                continue
            created += add_notification(
                session,
                kind=NotificationKind.REMINDER.value,
                dedupe_key=key,
                appointment_id=appointment.id,
                lead_hours=hours,
                due_at=appointment.start - dt.timedelta(hours=hours),
                created_at=now,
                updated_at=now,
            )
    return created


class ReadyOutcome(StrEnum):
    """What the inbox's « prêt » button did."""

    QUEUED = "queued"
    ALREADY = "already"
    DISABLED = "disabled"
    NOT_A_DOCUMENT = "not-a-document"
    MISSING = "missing"
    NO_NUMBER = "no-number"
    INVALID_NUMBER = "invalid-number"
    LANDLINE = "landline"
    OPTED_OUT = "opted-out"


def ready_document(kind: str) -> str | None:
    """What a « prêt » text calls the document of an inbox request (None: no such text)."""
    try:
        return READY_DOCUMENTS.get(transcripts.MessageKind(kind))
    except ValueError:
        return None


def request_ready(
    session: Session, practice: PracticeConfig, message_id: int, now: dt.datetime
) -> ReadyOutcome:
    """Schedule « votre ordonnance / votre certificat est disponible » for an inbox request.

    Sent by the next dispatcher pass, once per message whatever the clicks.
    """
    if not practice.sms.ready:
        return ReadyOutcome.DISABLED
    message = transcripts.get_message(session, message_id)
    if message is None:
        return ReadyOutcome.MISSING
    document = ready_document(message.kind)
    if document is None:
        return ReadyOutcome.NOT_A_DOCUMENT
    number, problem = textable(message.callback_number)
    if problem is not None:
        return ReadyOutcome(problem.value)
    if session.get(OptOut, number) is not None:
        return ReadyOutcome.OPTED_OUT
    added = add_notification(
        session,
        kind=NotificationKind.READY.value,
        dedupe_key=f"ready:{message_id}",
        inbox_message_id=message_id,
        document=document,
        to_number=number,
        due_at=now,
        created_at=now,
        updated_at=now,
    )
    return ReadyOutcome.QUEUED if added else ReadyOutcome.ALREADY
