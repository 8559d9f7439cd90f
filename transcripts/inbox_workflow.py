"""The secretariat's work on inbox messages: filtered lists, assignment, notes, handling.

Complements `transcripts.inbox` (which creates messages) with what the staff pages do to them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from transcripts.inbox import move_status
from transcripts.models import InboxMessage, MessageKind, MessageStatus

OPEN_STATUSES = (MessageStatus.NEW, MessageStatus.IN_PROGRESS)
NOTE_MAX = 4000


def find_messages(
    session: Session,
    *,
    kinds: Collection[MessageKind] = (),
    statuses: Collection[MessageStatus] = (),
    limit: int = 200,
) -> list[InboxMessage]:
    """Messages of these kinds and statuses (all when empty), most urgent first, then newest."""
    statement = select(InboxMessage).options(joinedload(InboxMessage.call))
    if kinds:
        statement = statement.where(InboxMessage.kind.in_([k.value for k in kinds]))
    if statuses:
        statement = statement.where(InboxMessage.status.in_([s.value for s in statuses]))
    statement = statement.order_by(
        InboxMessage.urgency_rank, InboxMessage.created_at.desc(), InboxMessage.id.desc()
    ).limit(limit)
    return list(session.scalars(statement))


def get_message(session: Session, message_id: int) -> InboxMessage | None:
    """One message with its call, or None."""
    return session.get(InboxMessage, message_id, options=[joinedload(InboxMessage.call)])


def _touch(message: InboxMessage) -> None:
    message.updated_at = dt.datetime.now(dt.UTC)


def assign_message(session: Session, message_id: int, assignee: str | None) -> InboxMessage | None:
    """Give a message to someone (None: to nobody); a new message becomes « en cours »."""
    message = session.get(InboxMessage, message_id)
    if message is None:
        return None
    message.assigned_to = (assignee or "").strip()[:120] or None
    if message.assigned_to and message.status == MessageStatus.NEW.value:
        message.status = MessageStatus.IN_PROGRESS.value
    _touch(message)
    return message


def annotate_message(session: Session, message_id: int, note: str) -> InboxMessage | None:
    """Replace the message's note (what was done, who to call back); empty clears it."""
    message = session.get(InboxMessage, message_id)
    if message is None:
        return None
    message.note = note.strip()[:NOTE_MAX] or None
    _touch(message)
    return message


def set_status(session: Session, message_id: int, status: MessageStatus) -> InboxMessage | None:
    """Move a message to ``status`` (``done`` marks it handled; back to ``new`` reopens it)."""
    message = session.get(InboxMessage, message_id)
    if message is None:
        return None
    move_status(message, status, dt.datetime.now(dt.UTC))
    _touch(message)
    return message


def mark_handled(session: Session, message_id: int) -> InboxMessage | None:
    """The secretariat dealt with it."""
    return set_status(session, message_id, MessageStatus.DONE)


@dataclass(frozen=True)
class InboxState:
    """Enough to tell whether the inbox changed since a page was drawn."""

    open_count: int
    urgent_open: int
    marker: str
    """Changes whenever a message is added, changed or removed."""


def inbox_state(session: Session) -> InboxState:
    """Counts and a change marker, read in one query (cheap enough to poll every few seconds)."""
    open_values = [s.value for s in OPEN_STATUSES]
    row = session.execute(
        select(
            func.count(InboxMessage.id),
            func.max(InboxMessage.id),
            func.max(InboxMessage.updated_at),
            func.count(InboxMessage.id).filter(InboxMessage.status.in_(open_values)),
            func.count(InboxMessage.id).filter(
                InboxMessage.status.in_(open_values), InboxMessage.urgency_rank == 0
            ),
        )
    ).one()
    total, last_id, last_update, open_count, urgent_open = row
    raw = f"{total}:{last_id}:{last_update}".encode()
    return InboxState(
        open_count=int(open_count or 0),
        urgent_open=int(urgent_open or 0),
        marker=hashlib.sha256(raw).hexdigest()[:16],
    )
