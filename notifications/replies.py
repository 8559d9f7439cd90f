"""Texts from patients: ANNULER cancels, STOP and START opt out and in, the rest goes to the inbox.

« ANNULER » (and its common forms: « annulation », « je veux annuler mon rdv svp ») cancels the
appointment of the last text sent to that number, once the agenda has freed the slot, and the
answer confirms it. STOP (Twilio's keywords and « ARRET ») records the number as opted out,
honoured by every later text; START removes it. Twilio answers these two itself (its opt-out
management). Any other text is an inbox message of kind SMS: nothing a patient writes is
lost. A text that describes an emergency (the dialogue's net, given by the assembly as an
`EmergencyCheck`: this component cannot import the dialogue) is answered at once with the
numbers to call (15 / 112 / 114, or 3114) and reaches the inbox marked urgent. Each received
text is handled once (by its Twilio SID). With the database away, a text waits in the spool for
the inbox (`reply_offline`) and an emergency is answered all the same.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

import agenda
import transcripts
from core import SMS_REPLIES, Database, PracticeConfig, mask_phone
from notifications.models import Notification, NotificationKind, OptOut, Reply, State
from notifications.numbers import textable
from notifications.scheduling import SMS_ACTOR
from notifications.texts import practice_values, texts

_LOGGER = logging.getLogger(__name__)
# Twilio's own opt-out and opt-in keywords, whole message, any case; « ARRET » for French.
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRET"})
START_WORDS = frozenset({"START", "UNSTOP", "YES"})
# Words that may come with ANNULER without changing what is asked.
_AROUND_CANCEL = frozenset({
    "JE", "J", "VEUX", "VOUDRAIS", "SOUHAITE", "AIMERAIS", "DOIS", "MON", "MA", "LE", "LA", "CE",
    "RDV", "RENDEZ", "VOUS", "SVP", "STP", "S", "IL", "PLAIT", "MERCI", "BONJOUR", "OUI", "DE",
    "DU", "CORDIALEMENT", "PAR", "AVANCE", "DESOLE", "DESOLEE", "ANNULER",
})
_CANCEL = re.compile(r"^ANNUL(E|ER|EZ|ATION|LER|LE)?$")
EmergencyCheck = Callable[[str], str | None]
"""The emergency net on a patient's words: ``"medical"`` (15 / 112), ``"suicidal"`` (3114), or
None when the words describe no emergency."""
_EMERGENCY_TEXTS = {"medical": "emergency", "suicidal": "emergency_suicidal"}
_APPOINTMENT_KINDS = (
    NotificationKind.BOOKED.value, NotificationKind.MOVED.value, NotificationKind.REMINDER.value,
)


class Action(StrEnum):
    """What was done with a received text."""

    CANCELLED = "cancelled"
    NOTHING_TO_CANCEL = "nothing-to-cancel"
    STOP = "stop"
    START = "start"
    INBOX = "inbox"
    EMERGENCY = "emergency"


@dataclass(frozen=True)
class Handled:
    """A received text, handled: what was done and what to answer (None: no answer)."""

    action: Action
    answer: str | None


def _words(body: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", body)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).upper()
    return re.findall(r"[A-Z0-9]+", plain)


def classify(body: str) -> Action:
    """STOP, START, ANNULER, or anything else (INBOX)."""
    words = _words(body)
    if len(words) == 1 and words[0] in START_WORDS:
        return Action.START
    if words and words[0] in STOP_WORDS and len(words) <= 3:
        return Action.STOP
    if any(_CANCEL.match(w) for w in words) and all(
        _CANCEL.match(w) or w in _AROUND_CANCEL for w in words
    ):
        return Action.CANCELLED
    return Action.INBOX


def _last_text(session: Session, number: str) -> Notification | None:
    return session.scalar(
        select(Notification)
        .where(
            Notification.to_number == number,
            Notification.state == State.SENT.value,
            Notification.kind.in_(_APPOINTMENT_KINDS),
        )
        .order_by(Notification.sent_at.desc(), Notification.id.desc())
        .limit(1)
    )


def _cancel(
    session: Session, practice: PracticeConfig, number: str, now: dt.datetime
) -> tuple[int | None, str | None]:
    """(appointment, answer) when cancelled; (appointment or None, None) when it could not be."""
    last = _last_text(session, number)
    if last is None or last.appointment_id is None:
        return None, None
    try:
        info = agenda.get_appointment(session, practice, last.appointment_id)
        if info.start <= now:
            return info.id, None
        info = agenda.cancel_appointment(session, practice, info.id, by=SMS_ACTOR, now=now)
    except agenda.AgendaError:
        return last.appointment_id, None
    catalogue = texts()
    values = catalogue.appointment_values(practice, info.start, info.practitioner_name)
    values.pop("address")
    return info.id, catalogue.render("cancelled", **values)


def _to_inbox(
    session: Session,
    practice: PracticeConfig,
    number: str,
    body: str,
    appointment_id: int | None,
    *,
    urgent: bool = False,
) -> int:
    patient = None
    if appointment_id is not None:
        try:
            patient = agenda.get_appointment(session, practice, appointment_id).patient
        except agenda.AgendaError:
            patient = None
    identity = transcripts.CallerIdentity(
        last_name=patient.last_name if patient else None,
        first_name=patient.first_name if patient else None,
        birth_date=patient.birth_date if patient else None,
        callback_number=number,
    )
    message = transcripts.leave_message(
        session, call_sid=None, kind=transcripts.MessageKind.SMS, identity=identity,
        details={"text": body.strip()}, appointment_id=appointment_id,
        urgency=transcripts.Urgency.URGENT if urgent else None,
    )
    return message.id


def handle_reply(
    session: Session,
    practice: PracticeConfig,
    *,
    message_sid: str,
    from_number: str,
    body: str,
    emergency: EmergencyCheck,
    now: dt.datetime | None = None,
) -> Handled:
    """Act on a patient's text once (a second delivery of the same SID gets the same answer).

    ``emergency`` is asked about every text that is not a keyword (ANNULER, STOP, START):
    those are a few fixed words, and any other text may be a patient in danger.

    Commits: a cancellation is committed by the agenda before its answer is written.
    """
    now = now or dt.datetime.now(dt.UTC)
    done = session.scalar(select(Reply).where(Reply.message_sid == message_sid))
    if done is not None:
        return Handled(Action(done.action), done.answer)
    number = _sender(from_number)
    action = classify(body)
    answer: str | None = None
    appointment_id: int | None = None
    message_id: int | None = None
    if action is Action.STOP:
        if session.get(OptOut, number) is None:
            session.add(OptOut(phone=number, source="stop", at=now))
    elif action is Action.START:
        opted = session.get(OptOut, number)
        if opted is not None:
            session.delete(opted)
    elif action is Action.CANCELLED:
        appointment_id, answer = _cancel(session, practice, number, now)
        if answer is None:
            action = Action.NOTHING_TO_CANCEL
            answer = texts().render("nothing_to_cancel", **practice_values(practice))
    else:
        answer = _emergency_answer(body, action, practice, emergency)
        action = Action.EMERGENCY if answer is not None else action
    if action in (Action.INBOX, Action.NOTHING_TO_CANCEL, Action.EMERGENCY):
        if action is not Action.NOTHING_TO_CANCEL:
            last = _last_text(session, number)
            appointment_id = last.appointment_id if last is not None else None
        message_id = _to_inbox(
            session, practice, number, body, appointment_id,
            urgent=action is Action.EMERGENCY)
    session.add(Reply(
        message_sid=message_sid, from_number=number, action=action.value,
        appointment_id=appointment_id, inbox_message_id=message_id, answer=answer,
        received_at=now,
    ))
    session.commit()
    SMS_REPLIES.labels(action=action.value).inc()
    _LOGGER.info("text received", extra={
        "from": mask_phone(number), "action": action.value, "appointment_id": appointment_id})
    return Handled(action, answer)


def reply_offline(
    db: Database,
    spool: transcripts.Spool,
    practice: PracticeConfig,
    *,
    message_sid: str,
    from_number: str,
    body: str,
    emergency: EmergencyCheck,
    now: dt.datetime | None = None,
) -> Handled:
    """A patient's text while the database does not answer: kept for the inbox, whatever it says
    (an ANNULER or a STOP cannot be acted on now, so the secretariat sees it), in the spool until
    the database is back; an emergency is answered at once all the same."""
    now = now or dt.datetime.now(dt.UTC)
    number = _sender(from_number)
    answer = _emergency_answer(body, classify(body), practice, emergency)
    transcripts.write_durably(db, spool, transcripts.text_write(
        message_sid, from_number=number, body=body.strip(), at=now,
        urgency=transcripts.Urgency.URGENT if answer is not None else None,
    ))
    _LOGGER.warning("text kept while the database is away", extra={
        "from": mask_phone(number), "emergency": answer is not None})
    return Handled(Action.INBOX if answer is None else Action.EMERGENCY, answer)


def _sender(from_number: str) -> str:
    return textable(from_number)[0] or from_number.strip()[:20]


def _emergency_answer(
    body: str, action: Action, practice: PracticeConfig, emergency: EmergencyCheck
) -> str | None:
    """The text that gives the numbers to call, when ``body`` describes an emergency.

    ``action`` is the caller's verdict from `classify`: a keyword (ANNULER, STOP, START) is a
    few fixed words and is never asked about, so the net sees each other text exactly once."""
    kind = emergency(body) if action is Action.INBOX else None
    if kind is None:
        return None
    return texts().render(_EMERGENCY_TEXTS.get(kind, "emergency"), **practice_values(practice))
