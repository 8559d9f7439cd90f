"""`GET /api/inbox`: the messages the assistant left for the secretariat.

`router` is what the app includes; its lifespan also runs the hourly retention purge.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from core import SessionDep, StaffDep
from transcripts.inbox import list_messages
from transcripts.labels_fr import kind_label, status_label, urgency_label
from transcripts.models import InboxMessage, MessageKind, MessageStatus
from transcripts.retention import retention_lifespan
from transcripts.turns import list_turns, transcript_lines

router = APIRouter(prefix="/api", tags=["inbox"], lifespan=retention_lifespan)


class InboxMessageOut(BaseModel):
    """One message, with its French labels and the call's transcript."""

    id: int
    kind: str
    kind_label: str
    urgency: str
    urgency_label: str
    status: str
    status_label: str
    summary: str
    last_name: str | None
    first_name: str | None
    birth_date: dt.date | None
    callback_number: str | None
    details: dict[str, Any]
    appointment_id: int | None
    call_sid: str | None
    created_at: dt.datetime
    transcript: list[dict[str, str | None]]


@router.get("/inbox", response_model=list[InboxMessageOut])
def inbox(
    session: SessionDep,
    _staff: StaffDep,
    kind: Annotated[MessageKind | None, Query()] = None,
    status: Annotated[MessageStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[InboxMessageOut]:
    """Messages, most urgent first, then newest first."""
    return [_out(session, m) for m in list_messages(session, kind=kind, status=status, limit=limit)]


def _out(session: Any, message: InboxMessage) -> InboxMessageOut:
    call_sid = message.call.call_sid if message.call is not None else None
    return InboxMessageOut(
        id=message.id,
        kind=message.kind,
        kind_label=kind_label(message.kind),
        urgency=message.urgency,
        urgency_label=urgency_label(message.urgency),
        status=message.status,
        status_label=status_label(message.status),
        summary=message.summary,
        last_name=message.last_name,
        first_name=message.first_name,
        birth_date=message.birth_date,
        callback_number=message.callback_number,
        details=dict(message.details or {}),
        appointment_id=message.appointment_id,
        call_sid=call_sid,
        created_at=message.created_at,
        transcript=transcript_lines(list_turns(session, call_sid)) if call_sid else [],
    )
