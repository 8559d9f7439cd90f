"""Inbox messages: what the assistant hands to the secretariat."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from transcripts.models import Call, InboxMessage, MessageKind, MessageStatus, Urgency
from transcripts.summaries import CallerIdentity, build_summary

DEFAULT_URGENCY: dict[MessageKind, Urgency] = {
    MessageKind.EMERGENCY: Urgency.URGENT,
    MessageKind.SICK_LEAVE: Urgency.HIGH,
    MessageKind.FAILED_BOOKING: Urgency.HIGH,
}


def leave_message(
    session: Session,
    *,
    call_sid: str | None,
    kind: MessageKind,
    identity: CallerIdentity,
    details: Mapping[str, Any] | None = None,
    urgency: Urgency | None = None,
    appointment_id: int | None = None,
    once_per_call: bool = False,
    same_request: bool = False,
) -> InboxMessage:
    """Create an inbox message with its summary.

    Args:
        session: The database session.
        call_sid: The call (or chat session) it comes from, when any.
        kind: What it asks of the practice.
        identity: Who called and the number to call back.
        details: What the dialogue understood (see `build_summary` for the keys).
        urgency: Defaults by kind (urgent for emergencies).
        appointment_id: The appointment it concerns, when any.
        once_per_call: Return the call's existing message of this kind and ``request``
            detail instead of adding a second one (a call closed twice, a retried turn); a more
            urgent one replaces what it says (a doubt noted, then the emergency confirmed). An
            ``interrupted`` request only finds another interrupted one: a request completed
            earlier in the call is another request.
        same_request: Update the call's message for this request left set aside earlier (same
            kind, same ``request`` detail, marked ``set_aside``) instead of adding a second
            one: a request the caller left for another and came back to is one request, and
            what it says now (completed, or set aside again) replaces what it said.

    Returns:
        The message (new, or the existing one with ``once_per_call``).
    """
    call = (
        session.scalar(select(Call).where(Call.call_sid == call_sid)) if call_sid else None
    )
    level = urgency or DEFAULT_URGENCY.get(kind, Urgency.NORMAL)
    data = dict(details or {})
    existing = _same_write(session, call, kind, data) if once_per_call and call else None
    if same_request and call is not None:
        left = _set_aside(session, call, kind, data.get("request"))
        if left is not None:
            _replace(left, level, identity, build_summary(kind, identity, data), data)
            if appointment_id is not None:
                left.appointment_id = appointment_id
            return left
    if existing is not None:
        if level.rank < existing.urgency_rank:
            existing.urgency, existing.urgency_rank = level.value, level.rank
            existing.details = data
            existing.summary = build_summary(kind, identity, data)
            existing.status = MessageStatus.NEW.value
            existing.updated_at = dt.datetime.now(dt.UTC)
        return existing
    message = InboxMessage(
        call_id=call.id if call else None,
        kind=kind.value,
        urgency=level.value,
        urgency_rank=level.rank,
        status=MessageStatus.NEW.value,
        last_name=identity.last_name,
        first_name=identity.first_name,
        birth_date=identity.birth_date,
        callback_number=identity.callback_number,
        summary=build_summary(kind, identity, data),
        details=data,
        appointment_id=appointment_id,
    )
    session.add(message)
    session.flush()
    return message


def close_set_aside(
    session: Session,
    *,
    call_sid: str,
    kind: MessageKind,
    request: str | None,
    identity: CallerIdentity,
    done: str,
    appointment_id: int | None = None,
) -> InboxMessage | None:
    """Close the call's message for a request set aside earlier that the assistant completed
    after all (booked, moved, cancelled, told): it says what was done, is « traité », and
    becomes `MessageKind.APPOINTMENT_HANDLED`, so the secretariat is left no to-do for
    something already done. None when there is none.

    Args:
        session: The database session.
        call_sid: The call (or chat session).
        kind: The request's message kind.
        request: Its ``request`` detail (book, move, cancel, check).
        identity: Who the caller is, as known now.
        done: What was done, in the words the caller heard (the slot booked…); may be empty.
        appointment_id: The appointment concerned.
    """
    call = session.scalar(select(Call).where(Call.call_sid == call_sid))
    left = _set_aside(session, call, kind, request) if call is not None else None
    if left is None:
        return None
    details = {
        k: v for k, v in (left.details or {}).items() if k not in ("set_aside", "interrupted")
    }
    details["done"] = done
    handled = MessageKind.APPOINTMENT_HANDLED
    summary = build_summary(handled, identity, details)
    _replace(left, Urgency.NORMAL, identity, summary, details, status=MessageStatus.DONE)
    left.kind = handled.value
    if appointment_id is not None:
        left.appointment_id = appointment_id
    return left


def _of_call(session: Session, call: Call, kind: MessageKind) -> list[InboxMessage]:
    # A few messages per call at most: the JSON details are read by the callers rather than
    # queried (encrypted), the same on SQLite and PostgreSQL.
    return list(session.scalars(
        select(InboxMessage)
        .where(InboxMessage.call_id == call.id, InboxMessage.kind == kind.value)
        .order_by(InboxMessage.id)
    ))


def _same_write(
    session: Session, call: Call, kind: MessageKind, data: Mapping[str, Any]
) -> InboxMessage | None:
    for message in _of_call(session, call, kind):
        details = message.details or {}
        if details.get("request") != data.get("request"):
            continue
        if data.get("interrupted") and not details.get("interrupted"):
            continue
        return message
    return None


def _set_aside(
    session: Session, call: Call, kind: MessageKind, request: Any
) -> InboxMessage | None:
    for message in _of_call(session, call, kind):
        details = message.details or {}
        if details.get("set_aside") and details.get("request") == request:
            return message
    return None


def _replace(
    message: InboxMessage,
    level: Urgency,
    identity: CallerIdentity,
    summary: str,
    details: dict[str, Any],
    *,
    status: MessageStatus = MessageStatus.NEW,
) -> None:
    """What the message says, replaced; by default « nouveau » (what it asks changed: to be
    read again)."""
    message.urgency, message.urgency_rank = level.value, level.rank
    message.last_name, message.first_name = identity.last_name, identity.first_name
    message.birth_date, message.callback_number = identity.birth_date, identity.callback_number
    message.details, message.summary = details, summary
    now = dt.datetime.now(dt.UTC)
    move_status(message, status, now)
    message.updated_at = now


def list_messages(
    session: Session,
    *,
    kind: MessageKind | None = None,
    status: MessageStatus | None = None,
    limit: int = 200,
) -> list[InboxMessage]:
    """Messages, most urgent first, then newest first."""
    statement = select(InboxMessage)
    if kind is not None:
        statement = statement.where(InboxMessage.kind == kind.value)
    if status is not None:
        statement = statement.where(InboxMessage.status == status.value)
    statement = statement.order_by(
        InboxMessage.urgency_rank, InboxMessage.created_at.desc(), InboxMessage.id.desc()
    ).limit(limit)
    return list(session.scalars(statement))


def messages_for_call(session: Session, call_sid: str) -> list[InboxMessage]:
    """The messages a call produced, in order."""
    statement = (
        select(InboxMessage)
        .join(Call, InboxMessage.call_id == Call.id)
        .where(Call.call_sid == call_sid)
        .order_by(InboxMessage.id)
    )
    return list(session.scalars(statement))


def set_message_status(
    session: Session,
    message_id: int,
    status: MessageStatus,
    *,
    assigned_to: str | None = None,
    note: str | None = None,
) -> InboxMessage | None:
    """Move a message along (nouveau → en cours → traité); None when it does not exist."""
    message = session.get(InboxMessage, message_id)
    if message is None:
        return None
    now = dt.datetime.now(dt.UTC)
    move_status(message, status, now)
    if assigned_to is not None:
        message.assigned_to = assigned_to
    if note is not None:
        message.note = note
    message.updated_at = now
    return message


def move_status(message: InboxMessage, status: MessageStatus, now: dt.datetime) -> None:
    """Set the status; the first move to « traité » stamps ``handled_at``, reopening clears it."""
    if status is MessageStatus.DONE:
        if message.status != MessageStatus.DONE.value or message.handled_at is None:
            message.handled_at = now
    else:
        message.handled_at = None
    message.status = status.value
