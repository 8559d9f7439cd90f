"""The text channel: talk to the assistant over HTTP (staff try-outs, the CLI, tests).

``POST /api/chat`` opens a conversation in a mode (the assistant by default; ``message`` or
``announcement`` as outside hours) and returns its opening; ``POST /api/chat/{id}`` sends one
caller turn. The same conversations run the voice channel. Each request rebuilds the
conversation from the database and Rasa's tracker store, so any gateway process can serve any
turn.
``GET /api/appointments`` shows what conversations booked.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated, Any

import phonenumbers
from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, field_validator, model_validator
from starlette.concurrency import run_in_threadpool

import agenda
import transcripts
from core import ContextDep, StaffDep
from dialogue import catalogue
from dialogue.conversation import TurnResult
from dialogue.modes import ConversationMode, open_conversation, resume_conversation
from dialogue.session import DialogueSession

router = APIRouter(prefix="/api", tags=["chat"])
CHANNEL = "chat"
_MAX_TEXT = 1000


class ChatStart(BaseModel):
    """Opening a chat conversation."""

    caller: str | None = Field(default=None, description="The caller's number, as on a call.")
    mode: ConversationMode = Field(
        default=ConversationMode.ASSISTANT,
        description="Who answers: the assistant, outside-hours message taking, or the "
        "announcement.",
    )

    @field_validator("mode")
    @classmethod
    def _chat_mode(cls, value: ConversationMode) -> ConversationMode:
        if value is ConversationMode.RESUMED:
            raise ValueError("only a voice call is resumed")
        return value
    at: dt.datetime | None = Field(
        default=None,
        description="Pretend the conversation happens at this moment (aware datetime), "
        "e.g. to try the assistant outside opening hours.",
    )

    @field_validator("caller")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            number = phonenumbers.parse(value, "FR")
        except phonenumbers.NumberParseException as exc:
            raise ValueError("not a phone number") from exc
        if not phonenumbers.is_valid_number(number):
            raise ValueError("not a valid phone number")
        return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))

    @field_validator("at")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("needs a timezone (e.g. 2026-12-01T10:00:00+01:00)")
        return value


class ChatInput(BaseModel):
    """One caller turn: words, keypad digits, or silence (exactly one)."""

    text: str | None = Field(default=None, max_length=_MAX_TEXT)
    digits: str | None = Field(default=None, pattern=r"^[0-9*#]{1,20}$")
    silence: bool = False

    @model_validator(mode="after")
    def _exactly_one(self) -> ChatInput:
        given = [self.text is not None, self.digits is not None, self.silence]
        if sum(given) != 1:
            raise ValueError("send exactly one of text, digits or silence")
        return self


class ReplyOut(BaseModel):
    """One utterance of the assistant."""

    text: str
    key: str | None
    interruptible: bool


class ChatTurnOut(BaseModel):
    """The assistant's answer to one turn."""

    replies: list[ReplyOut]
    ended: bool
    end: str | None = None
    transfer_to: str | None = None
    expecting: str
    pace: str | None = Field(
        default=None, description="'slower' when the caller asked to hear it slower or louder."
    )


class ChatStartedOut(ChatTurnOut):
    """The greeting of a new conversation."""

    session_id: str


def _turn_out(result: TurnResult) -> dict[str, Any]:
    return {
        "replies": [
            ReplyOut(text=r.text, key=r.key, interruptible=r.interruptible) for r in result.replies
        ],
        "ended": result.ended,
        "end": result.end.value if result.end else None,
        "transfer_to": result.transfer_to,
        "expecting": result.expecting.value,
        "pace": result.pace.value if result.pace else None,
    }


_UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    status.HTTP_503_SERVICE_UNAVAILABLE: {
        "model": ChatTurnOut,
        "description": "The database did not answer: the technical-problem reply; what the "
        "caller said is kept and written to the inbox once the database is back.",
    }
}
_RETRY_AFTER = {"Retry-After": "5"}


def _unavailable(result: TurnResult) -> JSONResponse:
    body = ChatTurnOut(**_turn_out(result)).model_dump(mode="json")
    return JSONResponse(body, status.HTTP_503_SERVICE_UNAVAILABLE, headers=_RETRY_AFTER)


def _no_database() -> HTTPException:
    text = catalogue.response("utter_technical_problem").text
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, text, headers=_RETRY_AFTER)


@router.post(
    "/chat",
    response_model=ChatStartedOut,
    status_code=status.HTTP_201_CREATED,
    responses={status.HTTP_503_SERVICE_UNAVAILABLE: {"description": "The database is down."}},
)
async def start_chat(body: ChatStart, context: ContextDep, _staff: StaffDep) -> ChatStartedOut:
    """Open a conversation; the greeting comes back with its session id."""
    session_id = f"chat-{secrets.token_hex(12)}"
    try:
        dialogue = await open_conversation(
            context,
            body.mode,
            conversation_id=session_id,
            caller=body.caller,
            channel=CHANNEL,
            simulated_start=body.at,
        )
    except transcripts.DATABASE_UNREACHABLE:
        raise _no_database() from None
    result = await dialogue.start()
    return ChatStartedOut(session_id=session_id, **_turn_out(result))


@router.post("/chat/{session_id}", response_model=ChatTurnOut, responses=_UNAVAILABLE)
async def chat_turn(
    session_id: str, body: ChatInput, context: ContextDep, _staff: StaffDep
) -> ChatTurnOut | JSONResponse:
    """One caller turn; ``ended`` tells the client the conversation is over.

    When the database does not answer, the answer is a 503 carrying the technical-problem
    reply: the caller's words and a callback request wait in the spool for the database.
    """
    try:
        call = await run_in_threadpool(_load_call, context, session_id)
    except transcripts.DATABASE_UNREACHABLE:
        said = body.text if body.text is not None else body.digits or ""
        return _unavailable(await DialogueSession.unreachable_turn(context, session_id, said))
    if call is None or call.channel != CHANNEL:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "conversation inconnue")
    if call.ended_at is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, "conversation terminée")
    dialogue = await resume_conversation(context, session_id)
    assert dialogue is not None  # the call row was just read
    if body.text is not None:
        result = await dialogue.handle_text(body.text)
    elif body.digits is not None:
        result = await dialogue.handle_digits(body.digits)
    else:
        result = await dialogue.handle_silence()
    if result.ended:
        await dialogue.close("ended")
    if dialogue.database_down:
        return _unavailable(result)
    return ChatTurnOut(**_turn_out(result))


@router.delete(
    "/chat/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={status.HTTP_503_SERVICE_UNAVAILABLE: {"description": "The database is down."}},
)
async def hang_up(session_id: str, context: ContextDep, _staff: StaffDep) -> None:
    """The caller leaves mid-conversation: what was understood goes to the inbox."""
    try:
        call = await run_in_threadpool(_load_call, context, session_id)
    except transcripts.DATABASE_UNREACHABLE:
        raise _no_database() from None
    if call is None or call.channel != CHANNEL:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "conversation inconnue")
    if call.ended_at is None:
        dialogue = await resume_conversation(context, session_id)
        assert dialogue is not None
        await dialogue.close("hangup")


def _load_call(context: Any, session_id: str) -> transcripts.Call | None:
    with context.db.session() as session:
        return transcripts.get_call(session, session_id)


class AppointmentOut(BaseModel):
    """An appointment as a chat client sees it."""

    id: int
    status: str
    practitioner_id: str
    practitioner_name: str
    appointment_type_id: str
    appointment_type_label: str
    start: dt.datetime
    end: dt.datetime
    patient_last_name: str | None
    patient_first_name: str | None
    call_sid: str | None


@router.get("/appointments", response_model=list[AppointmentOut])
def list_appointments(
    context: ContextDep,
    _staff: StaffDep,
    start: Annotated[dt.datetime | None, Query(description="Default: now.")] = None,
    days: Annotated[int, Query(ge=1, le=366)] = 90,
    session_id: Annotated[str | None, Query(description="Only this conversation's.")] = None,
) -> list[AppointmentOut]:
    """Appointments from ``start`` for ``days`` days (optionally one conversation's)."""
    begin = start or dt.datetime.now(dt.UTC)
    if begin.tzinfo is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, "start needs a timezone")
    with context.db.session() as session:
        found = agenda.appointments_between(
            session, context.practice, begin, begin + dt.timedelta(days=days)
        )
    return [
        AppointmentOut(
            id=a.id,
            status=a.status,
            practitioner_id=a.practitioner_id,
            practitioner_name=a.practitioner_name,
            appointment_type_id=a.appointment_type_id,
            appointment_type_label=a.appointment_type_label,
            start=a.start,
            end=a.end,
            patient_last_name=a.patient.last_name,
            patient_first_name=a.patient.first_name,
            call_sid=a.call_sid,
        )
        for a in found
        if session_id is None or a.call_sid == session_id
    ]
