"""Sending the due texts, exactly once, from any number of gateway instances.

A pass (`run_pass`) schedules what is new (`notifications.scheduling`), then claims due rows in
the database and sends them:

1. **Claim** (one transaction): due rows become ``sending`` with a new ``claim_token``, this
   instance's name and a lease. PostgreSQL picks them with ``FOR UPDATE SKIP LOCKED``, so
   instances take different rows at once; SQLite serialises writers, and the claim is an
   ``UPDATE … WHERE state = 'pending'``, so a row changes hands once. In the same transaction
   each row is checked (appointment still booked, number a mobile, not opted out, kind still
   on) and its words are written down: what is sent is in the row before it is sent.
2. **Send**, outside any transaction.
3. **Record** Twilio's SID, only if the row still carries our claim token.

A crash between 1 and 3 leaves the row ``sending``; once its lease has passed, any instance
claims it again, marked ``verify_first``: before sending, it looks in Twilio's list of texts
to that number for these very words created since the row was made, and records that SID
instead of sending twice. The same check follows any failure after which Twilio may have taken
the text (a 5xx, a lost connection). A text is thus sent at most once and, while Twilio
answers, at least once; the one gap is a text Twilio accepted but does not list yet.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.orm import Session

import agenda
import transcripts
from core import SMS_TEXTS, AppContext, PracticeConfig, mask_phone
from notifications.messaging import UNSUBSCRIBED, Messaging, Retry, SendError
from notifications.models import Notification, NotificationKind, OptOut, State
from notifications.numbers import textable
from notifications.scheduling import schedule_changes, schedule_reminders
from notifications.texts import practice_values, texts

_LOGGER = logging.getLogger(__name__)
LEASE = dt.timedelta(minutes=5)
BATCH = 50
MAX_BATCHES = 40
MAX_ATTEMPTS = 6
_FIRST_BACKOFF = dt.timedelta(seconds=30)
_MAX_BACKOFF = dt.timedelta(minutes=30)
STATUS_PATH = "/twilio/sms/status"


@dataclass
class PassReport:
    """What one pass did."""

    scheduled: int = 0
    sent: int = 0
    found: int = 0
    """In doubt after a crash or an ambiguous error, and found sent in Twilio's list."""
    retrying: int = 0
    failed: int = 0
    skipped: int = 0
    sids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Outgoing:
    """A claimed row, ready to send."""

    id: int
    kind: str
    token: str
    to: str
    body: str
    verify_first: bool
    since: dt.datetime


def backoff(attempts: int) -> dt.timedelta:
    """The pause before attempt ``attempts + 1``: 30 s, 1 min, 2 min… at most 30 min."""
    pause: dt.timedelta = _FIRST_BACKOFF * 2 ** max(attempts - 1, 0)
    return min(pause, _MAX_BACKOFF)


def claim(
    session: Session, now: dt.datetime, instance: str, limit: int = BATCH
) -> list[Notification]:
    """Claim up to ``limit`` due rows (or rows whose claim lapsed) for this instance."""
    due = or_(
        and_(Notification.state == State.PENDING.value, Notification.due_at <= now),
        and_(Notification.state == State.SENDING.value, Notification.lease_until < now),
    )
    picked = (
        select(Notification.id)
        .where(due)
        .order_by(Notification.due_at, Notification.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Locked first, then updated: inside ``IN (…)`` PostgreSQL may run a LIMIT … SKIP
        # LOCKED subquery more than once and claim more rows than asked.
        chosen: Any = list(session.scalars(picked))
        if not chosen:
            return []
    else:
        # SQLite has no row locks: the conditional UPDATE is the claim (writers take turns).
        chosen = picked.scalar_subquery()
    token = str(uuid.uuid4())
    session.execute(
        update(Notification)
        .where(Notification.id.in_(chosen), due)
        .values(
            state=State.SENDING.value,
            claim_token=token,
            claimed_by=instance,
            claimed_at=now,
            lease_until=now + LEASE,
            attempts=Notification.attempts + 1,
            # A lapsed claim may have sent: look before sending again.
            verify_first=case(
                (Notification.state == State.SENDING.value, True),
                else_=Notification.verify_first,
            ),
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return list(session.scalars(
        select(Notification)
        .where(Notification.claim_token == token)
        .order_by(Notification.due_at, Notification.id)
        .execution_options(populate_existing=True)
    ))


def _skip(row: Notification, reason: str, now: dt.datetime) -> None:
    row.state = State.SKIPPED.value
    row.error_code = reason
    row.updated_at = now


def _appointment_text(
    session: Session, practice: PracticeConfig, row: Notification, now: dt.datetime
) -> tuple[str | None, str | None, str]:
    """(number, words, "") for a text about an appointment, or (number, None, reason)."""
    assert row.appointment_id is not None
    try:
        info = agenda.get_appointment(session, practice, row.appointment_id)
    except agenda.AgendaError:
        return None, None, "appointment-missing"
    kind = NotificationKind(row.kind)
    if kind is NotificationKind.REMINDER:
        if not practice.sms.reminders or row.lead_hours not in practice.sms.reminder_hours:
            return None, None, "disabled"
        if info.start - now < dt.timedelta(hours=row.lead_hours or 0) / 2:
            return None, None, "expired"
    elif not practice.sms.confirmations:
        return None, None, "disabled"
    if kind is not NotificationKind.CANCELLED and info.status != agenda.AppointmentStatus.BOOKED:
        return None, None, f"appointment-{info.status}"
    if info.start <= now:
        return None, None, "past"
    if info.patient.sms_refused:
        return None, None, "refused"
    number, problem = textable(info.patient.phone)
    if problem is not None:
        return number, None, problem.value
    catalogue = texts()
    values = catalogue.appointment_values(practice, info.start, info.practitioner_name)
    return number, catalogue.render(kind.value, **values), ""


def _ready_text(
    session: Session, practice: PracticeConfig, row: Notification
) -> tuple[str | None, str | None, str]:
    if not practice.sms.ready:
        return None, None, "disabled"
    if transcripts.get_message(session, row.inbox_message_id or 0) is None:
        return None, None, "message-missing"
    number, problem = textable(row.to_number)
    if problem is not None:
        return number, None, problem.value
    catalogue = texts()
    document = catalogue.documents[row.document or "document"]
    return number, catalogue.render("ready", document=document, **practice_values(practice)), ""


def prepare(
    session: Session, practice: PracticeConfig, rows: list[Notification], now: dt.datetime
) -> list[Outgoing]:
    """Check each claimed row and write down its number and words; skip the ones not to send."""
    ready: list[Outgoing] = []
    for row in rows:
        if row.kind == NotificationKind.READY.value:
            number, body, reason = _ready_text(session, practice, row)
        else:
            number, body, reason = _appointment_text(session, practice, row, now)
        if body is not None and number is not None and session.get(OptOut, number) is not None:
            body, reason = None, "opted-out"
        if body is None or number is None:
            row.to_number = number or row.to_number
            _skip(row, reason, now)
            SMS_TEXTS.labels(kind=row.kind, outcome="skipped").inc()
            continue
        if not (row.verify_first and row.body and row.to_number):
            # In doubt, what to look for is what was written before the first send.
            row.to_number, row.body = number, body
        assert row.to_number is not None and row.body is not None
        ready.append(Outgoing(
            row.id, row.kind, row.claim_token or "", row.to_number, row.body, row.verify_first,
            row.created_at,
        ))
    return ready


def _record(
    session: Session, outgoing: Outgoing, now: dt.datetime, **values: object
) -> bool:
    result = session.execute(
        update(Notification)
        .where(Notification.id == outgoing.id, Notification.claim_token == outgoing.token)
        .values(updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def _failed(
    session: Session, outgoing: Outgoing, error: SendError, attempts: int, now: dt.datetime
) -> str:
    """Store the error; pending again with back-off when retrying can help. Returns the
    outcome (``retry`` or ``failed``)."""
    common = {"error_code": error.code[:32], "error_message": error.message}
    if error.retry is Retry.NEVER or attempts >= MAX_ATTEMPTS:
        _record(session, outgoing, now, state=State.FAILED.value, **common)
        if error.code == UNSUBSCRIBED and session.get(OptOut, outgoing.to) is None:
            session.add(OptOut(phone=outgoing.to, source="twilio", at=now))
        return "failed"
    _record(
        session, outgoing, now, state=State.PENDING.value, due_at=now + backoff(attempts),
        verify_first=outgoing.verify_first or error.retry is Retry.VERIFY, **common,
    )
    return "retry"


def status_callback(public_base: str | None, outgoing: Outgoing) -> str | None:
    """Where Twilio reports delivery; the row and attempt ride along (the SID may come first)."""
    if public_base is None:
        return None
    return f"{public_base}{STATUS_PATH}?n={outgoing.id}&a={outgoing.token}"


def send_one(
    context: AppContext, messaging: Messaging, outgoing: Outgoing, now: dt.datetime,
    report: PassReport,
) -> None:
    """Look first when in doubt, then send, then record; every write checks our claim."""
    sid: str | None = None
    outcome = "sent"
    try:
        if outgoing.verify_first:
            sid = messaging.find_sent(outgoing.to, outgoing.body, outgoing.since)
            outcome = "found" if sid else outcome
        if sid is None:
            sid = messaging.send(
                outgoing.to, outgoing.body, status_callback(context.settings.public_base, outgoing)
            ).sid
    except SendError as error:
        with context.db.session() as session:
            attempts = session.scalar(
                select(Notification.attempts).where(Notification.id == outgoing.id)) or 0
            outcome = _failed(session, outgoing, error, attempts, now)
        SMS_TEXTS.labels(kind=outgoing.kind, outcome=outcome).inc()
        report.retrying += outcome == "retry"
        report.failed += outcome == "failed"
        _LOGGER.warning("text not sent", extra={
            "notification": outgoing.id, "to": mask_phone(outgoing.to), "code": error.code,
            "retry": error.retry.value, "outcome": outcome})
        return
    with context.db.session() as session:
        mine = _record(
            session, outgoing, now, state=State.SENT.value, twilio_sid=sid, sent_at=now,
            error_code=None, error_message=None,
        )
    if not mine:
        _LOGGER.error("a text's claim was taken while it was sent", extra={
            "notification": outgoing.id})
    SMS_TEXTS.labels(kind=outgoing.kind, outcome=outcome).inc()
    report.sids.append(sid)
    if outcome == "found":
        report.found += 1
    else:
        report.sent += 1


def run_pass(
    context: AppContext,
    messaging: Messaging | None,
    *,
    now: dt.datetime | None = None,
    batch: int = BATCH,
) -> PassReport:
    """Schedule what is new, then send what is due (blocking).

    Args:
        context: The app context (database, settings, the practice's current settings).
        messaging: Twilio Messaging; None when not configured (rows are still scheduled).
        now: The moment the pass believes it is (tests move it; defaults to now).
        batch: Rows claimed at a time.
    """
    now = now or dt.datetime.now(dt.UTC)
    practice = context.practice
    report = PassReport()
    with context.db.session() as session:
        report.scheduled = schedule_changes(session, practice, now)
        report.scheduled += schedule_reminders(session, practice, now)
    if messaging is None:
        return report
    instance = context.settings.standardiste_instance
    for _ in range(MAX_BATCHES):
        with context.db.session() as session:
            rows = claim(session, now, instance, batch)
            claimed = len(rows)
            outgoing = prepare(session, practice, rows, now)
            report.skipped += claimed - len(outgoing)
        for one in outgoing:
            send_one(context, messaging, one, now, report)
        if claimed < batch:
            break
    return report
