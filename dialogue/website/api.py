"""The website chat's API, for the widget: no staff token, the practice's origins only, limits.

``POST /public/chat`` opens a conversation (201, its unguessable id and the opening);
``POST /public/chat/{id}`` sends one message; ``POST /public/chat/{id}/end`` ends it. The same
conversations as on the phone answer (`open_conversation`, channel ``web``): the emergency
check before anything else, the assistant or, outside the answering hours the practitioners
set, the message taking or the announcement. Nothing lives in this process: the call record,
its turns and Rasa's tracker hold the conversation, the database holds the counters.

Refusals carry a French ``detail`` (from the catalogue) and a ``code``: 403 a foreign origin
(`cors.py`), 404 an unknown conversation, 409 an ended one, 410 an expired one, 413 a message
too long, 429 too many requests (with ``Retry-After``), 503 the database away.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import secrets
from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

import transcripts
from core import AppContext, ContextDep, Decision, PracticeConfig, decide
from dialogue import catalogue
from dialogue.conversation import WEBSITE_CHANNEL, TurnResult
from dialogue.modes import ConversationMode, open_conversation, resume_conversation
from dialogue.session import DialogueSession
from dialogue.website.cors import WebsiteError, WebsiteRoute, preflight, too_long
from dialogue.website.expiry import close_once, idle_for
from dialogue.website.limits import MAX_TEXT, Limit, hit, limits_of
from dialogue.website.widget import check_practice

router = APIRouter(route_class=WebsiteRoute, tags=["website chat"])
_ID = re.compile(r"^web-[A-Za-z0-9_-]{32}$")
_UNAVAILABLE_AFTER_S = "30"


class StartIn(BaseModel):
    """Opening a conversation from the widget."""

    practice: str | None = Field(
        default=None, max_length=100, description="The embed tag's data-practice."
    )


class MessageIn(BaseModel):
    """What the patient typed (at most 1000 characters: 413 beyond)."""

    text: str = Field(min_length=1)


class ReplyOut(BaseModel):
    """One message of the assistant."""

    text: str
    key: str | None
    emergency: bool


class TurnOut(BaseModel):
    """The assistant's answer to one message."""

    replies: list[ReplyOut]
    ended: bool
    expecting: str


class StartedOut(TurnOut):
    """The opening of a new conversation."""

    conversation_id: str


class RefusalOut(BaseModel):
    """Why a request was refused, in French."""

    detail: str
    code: str


_REFUSALS: dict[int | str, dict[str, Any]] = {
    code: {"model": RefusalOut, "description": what}
    for code, what in (
        (403, "The page's origin is not one the practice declared."),
        (404, "No such conversation (or another practice's tag)."),
        (409, "The conversation is over."),
        (410, "The conversation expired."),
        (413, "The message is too long."),
        (429, "Too many requests; Retry-After says when to try again."),
        (503, "The database does not answer."),
    )
}


def _out(result: TurnResult) -> dict[str, Any]:
    return {
        "replies": [
            ReplyOut(text=r.text, key=r.key, emergency=r.emergency) for r in result.replies
        ],
        "ended": result.ended,
        "expecting": result.expecting.value,
    }


def _address(request: Request) -> str:
    # Behind the reverse proxy, uvicorn sets the client from X-Forwarded-For (proxy_headers).
    return request.client.host if request.client else "unknown"


async def _refused(
    context: AppContext, code: int, name: str, key: str, **values: Any
) -> WebsiteError:
    text = catalogue.say(key, await context.fetch_practice(), **values).text
    headers = {"Retry-After": str(values["wait"])} if "wait" in values else None
    return WebsiteError(code, name, text, headers)


def _unavailable(context: AppContext) -> WebsiteError:
    practice = context.practice_store.cached
    said = catalogue.say("utter_web_unavailable", practice, practice_phone=practice.practice.phone)
    return WebsiteError(
        status.HTTP_503_SERVICE_UNAVAILABLE, "unavailable", said.text,
        {"Retry-After": _UNAVAILABLE_AFTER_S},
    )


async def _limit(context: AppContext, *counted: tuple[Limit, str]) -> None:
    """Count this request against each limit; 429 with Retry-After past any of them."""
    now = dt.datetime.now(dt.UTC)

    def _count() -> int:
        with context.db.session() as session:
            waits = [hit(session, limit, key, now) for limit, key in counted]
        return max((w for w in waits if w is not None), default=0)

    wait = await run_in_threadpool(_count)
    if wait:
        raise await _refused(
            context, status.HTTP_429_TOO_MANY_REQUESTS, "too_many", "utter_web_too_many",
            wait=wait,
        )


def mode_at(practice: PracticeConfig, now: dt.datetime) -> ConversationMode:
    """Who answers the website at ``now``: the same answering hours as the phone. Outside
    them, a message is taken (a chat cannot be transferred) or the announcement is shown."""
    decision = decide(practice, now).decision
    if decision is Decision.ASSISTANT:
        return ConversationMode.ASSISTANT
    if decision is Decision.ANNOUNCEMENT:
        return ConversationMode.ANNOUNCEMENT
    return ConversationMode.MESSAGE


@router.post(
    "/public/chat", response_model=StartedOut, status_code=status.HTTP_201_CREATED,
    responses=_REFUSALS,
)
async def start_chat(
    request: Request, context: ContextDep, body: StartIn | None = None
) -> StartedOut:
    """Open a conversation; its id (the only key to it) and the opening come back."""
    try:
        await _limit(context, (limits_of(context.settings)["start"], _address(request)))
    except transcripts.DATABASE_UNREACHABLE:
        raise _unavailable(context) from None
    practice = await context.fetch_practice()
    check_practice(practice, body.practice if body else None)
    conversation_id = f"web-{secrets.token_urlsafe(24)}"
    mode = mode_at(practice, dt.datetime.now(dt.UTC))
    try:
        conversation = await open_conversation(
            context, mode, conversation_id=conversation_id, channel=WEBSITE_CHANNEL
        )
    except transcripts.DATABASE_UNREACHABLE:
        raise _unavailable(context) from None
    result = await conversation.start()
    if result.ended:
        await close_once(context, conversation_id, "ended", conversation)
    return StartedOut(conversation_id=conversation_id, **_out(result))


def _load(
    context: AppContext, conversation_id: str
) -> tuple[transcripts.Call | None, dt.datetime | None]:
    with context.db.session() as session:
        call = transcripts.get_call(session, conversation_id)
        if call is None or call.channel != WEBSITE_CHANNEL:
            return None, None
        return call, transcripts.last_activity(session, call)


async def _open_call(
    context: AppContext, conversation_id: str
) -> tuple[transcripts.Call, bool]:
    """The conversation's call record and whether it went idle too long (404 if unknown)."""
    if not _ID.match(conversation_id):
        raise await _refused(context, status.HTTP_404_NOT_FOUND, "unknown", "utter_web_unknown")
    call, last = await run_in_threadpool(_load, context, conversation_id)
    if call is None or last is None:
        raise await _refused(context, status.HTTP_404_NOT_FOUND, "unknown", "utter_web_unknown")
    return call, dt.datetime.now(dt.UTC) - last > idle_for(context)


async def _expired(context: AppContext) -> WebsiteError:
    minutes = round(context.settings.website_chat_idle_minutes)
    return await _refused(
        context, status.HTTP_410_GONE, "expired", "utter_web_expired", minutes=minutes
    )


@router.post("/public/chat/{conversation_id}", response_model=TurnOut, responses=_REFUSALS)
async def chat_turn(
    conversation_id: str, body: MessageIn, request: Request, context: ContextDep
) -> TurnOut | JSONResponse:
    """One message of the patient, and the assistant's answer."""
    limits = limits_of(context.settings)
    # The database away, the dialogue below keeps the words in the spool: no limit to count.
    with contextlib.suppress(*transcripts.DATABASE_UNREACHABLE):
        await _limit(
            context, (limits["turn"], _address(request)), (limits["conversation"], conversation_id)
        )
    if len(body.text) > MAX_TEXT:
        raise too_long(await context.fetch_practice())
    try:
        call, idle = await _open_call(context, conversation_id)
    except transcripts.DATABASE_UNREACHABLE:
        result = await DialogueSession.unreachable_turn(context, conversation_id, body.text)
        return _unavailable_turn(result)
    if idle:
        if call.ended_at is None:
            await close_once(context, conversation_id, "expired")
        raise await _expired(context)
    if call.ended_at is not None:
        raise await _refused(context, status.HTTP_409_CONFLICT, "ended", "utter_web_ended")
    conversation = await resume_conversation(context, conversation_id)
    assert conversation is not None  # its call record was just read
    result = await conversation.handle_text(body.text)
    if result.ended:
        await close_once(context, conversation_id, "ended", conversation)
    if conversation.database_down:
        return _unavailable_turn(result)
    return TurnOut(**_out(result))


def _unavailable_turn(result: TurnResult) -> JSONResponse:
    """503 with the technical-problem reply: the words wait in the spool for the database."""
    body = TurnOut(**_out(result)).model_dump(mode="json")
    headers = {"Retry-After": _UNAVAILABLE_AFTER_S}
    return JSONResponse(body, status.HTTP_503_SERVICE_UNAVAILABLE, headers=headers)


@router.post(
    "/public/chat/{conversation_id}/end",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_REFUSALS,
)
async def end_chat(conversation_id: str, request: Request, context: ContextDep) -> Response:
    """The patient ends the conversation: what was asked half-way goes to the inbox."""
    limits = limits_of(context.settings)
    try:
        await _limit(
            context, (limits["turn"], _address(request)), (limits["conversation"], conversation_id)
        )
        call, _ = await _open_call(context, conversation_id)
    except transcripts.DATABASE_UNREACHABLE:
        raise _unavailable(context) from None
    if call.ended_at is None:
        await close_once(context, conversation_id, "hangup")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.options("/public/chat", include_in_schema=False)
@router.options("/public/chat/{conversation_id}", include_in_schema=False)
@router.options("/public/chat/{conversation_id}/end", include_in_schema=False)
def chat_preflight(request: Request) -> Response:
    """CORS preflight of the widget's POSTs (the origin is checked by `WebsiteRoute`)."""
    return preflight(request)
