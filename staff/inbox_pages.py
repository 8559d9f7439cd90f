"""The secretaries' inbox: the list (kept current by HTMX polling), one message, its actions
(among them « votre ordonnance / votre certificat est disponible » by text)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request, Response, status
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

import agenda
import notifications
from core import AppContext, ContextDep, RowId
from staff import labels_fr, labels_sms_fr
from staff.accounts import list_accounts
from staff.auth_web import PageSession
from staff.security import with_security_headers
from staff.templating import templates
from transcripts import (
    NOTE_MAX,
    OPEN_STATUSES,
    InboxMessage,
    MessageKind,
    MessageStatus,
    annotate_message,
    assign_message,
    existing_recording,
    find_messages,
    get_message,
    inbox_state,
    kind_label,
    list_turns,
    read_recording,
    set_message_status,
    status_label,
    urgency_label,
)

router = APIRouter(prefix="/inbox", include_in_schema=False)
POLL_SECONDS = 5
_KIND_LABELS = {kind: kind_label(kind) for kind in MessageKind}


def _statuses(value: str) -> tuple[MessageStatus, ...]:
    if value == "open":
        return OPEN_STATUSES
    if value == "all":
        return ()
    try:
        return (MessageStatus(value),)
    except ValueError:
        return OPEN_STATUSES


def _kinds(value: str) -> tuple[MessageKind, ...]:
    try:
        return (MessageKind(value),) if value else ()
    except ValueError:
        return ()


KindQuery = Annotated[str, Query(max_length=32)]
StatusQuery = Annotated[str, Query(alias="status", max_length=32)]


def _row(message: InboxMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "kind": message.kind,
        "kind_label": kind_label(message.kind),
        "urgency": message.urgency,
        "urgency_label": urgency_label(message.urgency),
        "status": message.status,
        "status_label": status_label(message.status),
        "summary": message.summary,
        "last_name": message.last_name,
        "first_name": message.first_name,
        "callback_number": message.callback_number,
        "assigned_to": message.assigned_to,
        "created_at": message.created_at,
        "channel": message.call.channel if message.call is not None else None,
    }


def _list_values(session: Session, kind: str, status_filter: str) -> dict[str, Any]:
    messages = find_messages(session, kinds=_kinds(kind), statuses=_statuses(status_filter))
    return {
        "rows": [_row(m) for m in messages],
        "channels": labels_fr.CHANNEL_LABELS,
        "kind": kind if _kinds(kind) else "",
        "status_filter": status_filter if status_filter in labels_fr.STATUS_FILTERS else "open",
        "state": inbox_state(session),
        "poll_seconds": POLL_SECONDS,
    }


@router.get("")
def inbox_page(
    request: Request,
    context: ContextDep,
    current: PageSession,
    kind: KindQuery = "",
    status_filter: StatusQuery = "open",
) -> Response:
    """Messages, most urgent first, then newest; filters by kind and status."""
    with context.db.session() as session:
        values = _list_values(session, kind, status_filter)
    values.update(kinds=_KIND_LABELS, status_filters=labels_fr.STATUS_FILTERS)
    return templates.render(request, "inbox.html", values)


@router.get("/rows")
def inbox_rows(
    request: Request,
    context: ContextDep,
    current: PageSession,
    kind: KindQuery = "",
    status_filter: StatusQuery = "open",
) -> Response:
    """The list's rows alone (HTMX swaps them in when the inbox changed)."""
    with context.db.session() as session:
        values = _list_values(session, kind, status_filter)
    return templates.render(request, "_inbox_rows.html", values)


@router.get("/changes")
def inbox_changes(
    request: Request,
    context: ContextDep,
    current: PageSession,
    since: Annotated[str, Query(max_length=64)] = "",
    kind: KindQuery = "",
    status_filter: StatusQuery = "open",
) -> Response:
    """The polled status line; when the inbox moved, ``HX-Trigger: inbox-changed`` too."""
    with context.db.session() as session:
        state = inbox_state(session)
    headers = {"HX-Trigger": "inbox-changed"} if state.marker != since else {}
    return templates.render(
        request,
        "_inbox_live.html",
        {
            "state": state,
            "kind": kind,
            "status_filter": status_filter,
            "poll_seconds": POLL_SECONDS,
            "changed": bool(headers),
        },
        headers=headers,
    )


def _appointment(context: AppContext, session: Session, appointment_id: int | None) -> Any:
    if appointment_id is None:
        return None
    try:
        return agenda.get_appointment(session, context.practice, appointment_id)
    except agenda.AgendaError:
        return None


@router.get("/{message_id}")
def message_page(
    message_id: RowId,
    request: Request,
    context: ContextDep,
    current: PageSession,
    sms: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    """One message: summary, caller, callback link, transcript, recording, appointment."""
    with context.db.session() as session:
        message = get_message(session, message_id)
        if message is None:
            return templates.render(
                request, "message_missing.html", {"problem": labels_fr.MESSAGE_MISSING},
                status_code=status.HTTP_404_NOT_FOUND,
            )
        call = message.call
        turns = list_turns(session, call.call_sid) if call is not None else []
        values = {
            "message": _row(message),
            "details": dict(message.details or {}),
            "birth_date": message.birth_date,
            "note": message.note or "",
            "call": call,
            "turns": turns,
            "has_recording": existing_recording(
                context.settings.standardiste_var_dir, call.call_sid if call else None
            ) is not None,
            "appointment": _appointment(context, session, message.appointment_id),
            "accounts": list_accounts(session),
            "speakers": labels_fr.SPEAKER_LABELS,
            "detail_labels": labels_fr.DETAIL_LABELS,
            "channels": labels_fr.CHANNEL_LABELS,
            "appointment_statuses": labels_fr.APPOINTMENT_STATUS_LABELS,
            "statuses": {s.value: status_label(s.value) for s in MessageStatus},
            "ready_document": (
                notifications.ready_document(message.kind) if context.practice.sms.ready else None
            ),
            "ready_text": notifications.ready_text(session, message.id),
            "ready_notice": labels_sms_fr.READY_OUTCOMES.get(sms),
        }
    return templates.render(request, "message.html", values)


def _back(message_id: int) -> Response:
    return with_security_headers(
        RedirectResponse(f"/inbox/{message_id}", status.HTTP_303_SEE_OTHER)
    )


def _found(message: InboxMessage | None) -> None:
    if message is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, labels_fr.MESSAGE_MISSING)


@router.post("/{message_id}/assign")
def assign(
    message_id: RowId,
    context: ContextDep,
    current: PageSession,
    assignee: Annotated[str, Form(max_length=120)] = "",
) -> Response:
    """Give the message to someone (``me``: to whoever is logged in)."""
    who = current.user.username if assignee == "me" else assignee
    with context.db.session() as session:
        _found(assign_message(session, message_id, who or None))
    return _back(message_id)


@router.post("/{message_id}/note")
def annotate(
    message_id: RowId,
    context: ContextDep,
    current: PageSession,
    note: Annotated[str, Form(max_length=NOTE_MAX)] = "",
) -> Response:
    """Replace the message's note."""
    with context.db.session() as session:
        _found(annotate_message(session, message_id, note))
    return _back(message_id)


@router.post("/{message_id}/status")
def change_status(
    message_id: RowId,
    context: ContextDep,
    current: PageSession,
    new_status: Annotated[MessageStatus, Form(alias="status")],
) -> Response:
    """Mark handled, in progress, or reopen."""
    with context.db.session() as session:
        _found(set_message_status(session, message_id, new_status))
    if new_status is MessageStatus.DONE:
        return with_security_headers(RedirectResponse("/inbox", status.HTTP_303_SEE_OTHER))
    return _back(message_id)


@router.post("/{message_id}/ready")
def send_ready(message_id: RowId, context: ContextDep, current: PageSession) -> Response:
    """Text the patient that their prescription or certificate can be collected (once)."""
    with context.db.session() as session:
        outcome = notifications.request_ready(
            session, context.practice, message_id, dt.datetime.now(dt.UTC)
        )
    return with_security_headers(RedirectResponse(
        f"/inbox/{message_id}?sms={outcome.value}#ready", status.HTTP_303_SEE_OTHER
    ))


@router.get("/{message_id}/recording")
def recording(message_id: RowId, context: ContextDep, current: PageSession) -> Response:
    """The call's recording (WAV), when one exists."""
    with context.db.session() as session:
        message = get_message(session, message_id)
        call_sid = message.call.call_sid if message is not None and message.call else None
    path = existing_recording(context.settings.standardiste_var_dir, call_sid)
    if path is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    return with_security_headers(Response(read_recording(path), media_type="audio/wav"))
