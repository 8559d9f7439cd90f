"""« Appels à revoir »: the calls that ended badly, with what callers actually said.

Not understood twice, gave up or stayed silent, a failed booking, a transfer nobody answered,
an emergency, a technical failure. Each call opens with its transcript and, when recorded, its
audio, as a message does in the inbox; anyone on the staff marks it reviewed.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request, Response, status
from fastapi.responses import FileResponse, RedirectResponse

import transcripts
from core import ContextDep, RowId
from staff import labels_fr
from staff.auth_web import PageSession
from staff.security import with_security_headers
from staff.stats_figures import TROUBLE_KEYS
from staff.stats_pages import AskedQuery
from staff.templating import templates

router = APIRouter(prefix="/review", include_in_schema=False)
PAGE_SIZE = 50
_STATES: dict[str, bool | None] = {"todo": False, "done": True, "all": None}


def _row(item: transcripts.ReviewItem) -> dict[str, Any]:
    return {
        "id": item.call_id,
        "started_at": item.started_at,
        "channel": labels_fr.CHANNEL_LABELS.get(item.channel, item.channel),
        "answered_by": labels_fr.ANSWERED_BY_LABELS.get(item.answered_by, item.answered_by),
        "outcome": labels_fr.OUTCOME_GROUP_LABELS[item.group.value],
        "duration": _duration(item.duration_s),
        "reasons": [(r.value, labels_fr.REVIEW_REASON_LABELS[r.value]) for r in item.reasons],
        "reviewed_by": item.reviewed_by,
        "reviewed_at": item.reviewed_at,
    }


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


@router.get("")
def review_list(
    request: Request,
    context: ContextDep,
    current: PageSession,
    wanted: AskedQuery,
    state: Annotated[str, Query(max_length=8)] = "todo",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """The period's calls that ended badly, newest first, those still to review by default."""
    state = state if state in _STATES else "todo"
    start, end = wanted.period.bounds(context.practice.tz)
    with context.db.session() as session:
        items = transcripts.calls_to_review(
            session, start, end, trouble_keys=TROUBLE_KEYS, reviewed=_STATES[state],
            channel=wanted.channel.only, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE,
        )
        total, reviewed = transcripts.review_counts(
            session, start, end, trouble_keys=TROUBLE_KEYS, channel=wanted.channel.only
        )
    return templates.render(
        request,
        "review.html",
        {
            "rows": [_row(i) for i in items[:PAGE_SIZE]],
            "more": len(items) > PAGE_SIZE,
            "page": page,
            "total": total,
            "reviewed": reviewed,
            "problem": wanted.problem,
            "period": wanted.period,
            "preset": wanted.period.preset.value,
            "channel": wanted.channel.value,
            "state": state,
            "presets": labels_fr.PERIOD_LABELS,
            "channels": labels_fr.STATS_CHANNEL_LABELS,
            "states": labels_fr.REVIEW_FILTERS,
        },
    )


@router.get("/{call_id}")
def review_call(
    call_id: RowId, request: Request, context: ContextDep, current: PageSession
) -> Response:
    """One call: why it is here, its transcript, its recording, the messages it left."""
    with context.db.session() as session:
        item = transcripts.review_item(session, call_id, TROUBLE_KEYS)
        if item is None:
            return templates.render(
                request, "review_missing.html", {"problem": labels_fr.REVIEW_MISSING},
                status_code=status.HTTP_404_NOT_FOUND,
            )
        turns = transcripts.list_turns(session, item.call_sid)
        messages = [
            {"id": m.id, "kind_label": transcripts.kind_label(m.kind), "summary": m.summary}
            for m in transcripts.messages_for_call(session, item.call_sid)
        ]
    recording = transcripts.existing_recording(
        context.settings.standardiste_var_dir, item.call_sid
    )
    return templates.render(
        request,
        "review_call.html",
        {
            "call": _row(item),
            "turns": turns,
            "messages": messages,
            "has_recording": recording is not None,
            "speakers": labels_fr.SPEAKER_LABELS,
        },
    )


@router.post("/{call_id}/reviewed")
def mark_reviewed(
    call_id: RowId,
    context: ContextDep,
    current: PageSession,
    reviewed: Annotated[str, Form(max_length=4)] = "1",
) -> Response:
    """Mark the call reviewed (``reviewed=0``: back to « à revoir »)."""
    with context.db.session() as session:
        found = transcripts.mark_reviewed(
            session, call_id, by=current.user.username if reviewed != "0" else None,
            now=dt.datetime.now(dt.UTC),
        )
    if not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, labels_fr.REVIEW_MISSING)
    target = "/review" if reviewed != "0" else f"/review/{call_id}"
    return with_security_headers(RedirectResponse(target, status.HTTP_303_SEE_OTHER))


@router.get("/{call_id}/recording")
def recording(call_id: RowId, context: ContextDep, current: PageSession) -> Response:
    """The call's recording (WAV), when one exists."""
    with context.db.session() as session:
        item = transcripts.review_item(session, call_id, TROUBLE_KEYS)
    path = transcripts.existing_recording(
        context.settings.standardiste_var_dir, item.call_sid if item else None
    )
    if path is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    return with_security_headers(FileResponse(path, media_type="audio/wav"))
