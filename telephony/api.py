"""Twilio's HTTP side: the incoming-call webhook, the status callback, the connect and dial
actions, and the static fallback.

Twilio plays its own English error when a webhook fails: the incoming-call webhook answers even
when the database does not (from the practice settings last read, the call record spooled).
"""

from __future__ import annotations

import datetime as dt
import logging

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

import dialogue
import transcripts
from core import (
    CALL_OUTCOMES,
    CALLS,
    AppContext,
    CheckerDep,
    ContextDep,
    Decision,
    PracticeConfig,
    PracticeDep,
    SessionDep,
    SignedForm,
    decide,
    mask_phone,
)
from telephony import media_ws, twiml

_LOGGER = logging.getLogger(__name__)
router = APIRouter(prefix="/twilio", tags=["twilio"])
_XML = "application/xml"
TRANSFER_FAILED = "transfer_failed"
"""The call's outcome, and the stream mode, when the secretariat did not pick up a transfer."""
_ANSWERED = frozenset({"completed", "answered"})
"""``DialCallStatus`` values of a transfer someone picked up (the call is over after it)."""


@router.post("/voice", response_class=Response)
def incoming_call(params: SignedForm, context: ContextDep, checker: CheckerDep) -> Response:
    """Twilio's incoming-call webhook: who answers, as TwiML.

    Twilio retries a webhook that timed out or failed: the same CallSid then gets the same
    record and the same TwiML (the decision stored with the first request, not a new one).
    When the database does not answer, the decision comes from the settings last read and the
    call record waits in the spool: the caller is answered all the same.
    """
    call_sid = params.get("CallSid", "")
    caller = params.get("From") or None
    try:
        practice, answered_by, created, reason = _open_call(context, params)
    except transcripts.DATABASE_UNREACHABLE as exc:
        practice, answered_by, reason = _open_call_later(context, params)
        created = True
        _LOGGER.error(
            "database unreachable at the incoming call; answered from the cached settings",
            extra={"call_sid": call_sid, "error": type(exc).__name__},
        )
    if created:
        CALLS.labels(answered_by=answered_by.value).inc()
    _LOGGER.info(
        "incoming call" if created else "incoming call retried",
        extra={
            "call_sid": call_sid,
            "caller": mask_phone(caller),
            "decision": answered_by.value,
            "reason": reason,
        },
    )
    transfer_to = practice.answering.outside_hours.transfer_number
    if answered_by is Decision.TRANSFER and transfer_to:
        return _xml(_transfer(context, checker, transfer_to))
    return _xml(_stream(checker, call_sid, caller, answered_by))


def _open_call(
    context: AppContext, params: dict[str, str]
) -> tuple[PracticeConfig, Decision, bool, str]:
    practice = context.practice
    decision = decide(practice, dt.datetime.now(dt.UTC))
    with context.db.session() as session:
        call, created = transcripts.open_call_once(
            session,
            call_sid=params.get("CallSid", ""),
            caller=params.get("From") or None,
            called=params.get("To") or None,
            answered_by=decision.decision.value,
        )
        # Committed before answering (on leaving the block): Twilio opens the media stream as
        # soon as it has the TwiML, and the stream (perhaps on another instance) must find it.
    answered_by = _stored_decision(call.answered_by, decision.decision)
    return practice, answered_by, created, decision.reason if created else "retry"


def _open_call_later(
    context: AppContext, params: dict[str, str]
) -> tuple[PracticeConfig, Decision, str]:
    """The decision from the cached settings; the call record spooled, opened at replay."""
    practice = context.practice_store.cached
    now = dt.datetime.now(dt.UTC)
    decision = decide(practice, now)
    settings = context.settings
    spool = transcripts.spool_for(settings.standardiste_var_dir, settings.standardiste_instance)
    spool.set_aside(
        transcripts.call_write(
            params.get("CallSid", ""),
            caller=params.get("From") or None,
            called=params.get("To") or None,
            answered_by=decision.decision.value,
            started_at=now,
        )
    )
    return practice, decision.decision, f"{decision.reason} (cached settings)"


def _stored_decision(stored: str, fresh: Decision) -> Decision:
    try:
        return Decision(stored)
    except ValueError:  # a record opened by another channel under this id
        return fresh


def _stream(checker: CheckerDep, call_sid: str, caller: str | None, mode: Decision | str) -> str:
    return twiml.connect_stream(
        stream_url=checker.wss_url(twiml.MEDIA_PATH),
        action_url=checker.https_url(twiml.CONNECT_ACTION_PATH),
        call_sid=call_sid,
        caller=caller,
        token=checker.stream_token(call_sid),
        mode=mode,
    )


def _transfer(context: AppContext, checker: CheckerDep, number: str) -> str:
    """Ring the secretariat; unanswered, Twilio asks the dial action what next."""
    return twiml.transfer(
        number,
        timeout_s=context.settings.transfer_ring_timeout_s,
        action_url=checker.https_url(twiml.DIAL_ACTION_PATH),
    )


def _xml(document: str) -> Response:
    return Response(document, media_type=_XML)


@router.post("/status", response_class=Response)
def call_status(params: SignedForm, session: SessionDep) -> Response:
    """Twilio's call-status callback: closes the call record on a terminal status.

    Idempotent: a retried callback finds the record closed and changes nothing (nor counts
    the outcome twice).
    """
    call_sid = params.get("CallSid", "")
    before = transcripts.get_call(session, call_sid)
    was_open = before is not None and before.ended_at is None
    duration = params.get("CallDuration") or ""
    call = transcripts.record_status(
        session,
        call_sid=call_sid,
        status=params.get("CallStatus", ""),
        duration_s=int(duration) if duration.isascii() and duration.isdigit() else None,
    )
    if was_open and call is not None and call.ended_at is not None and call.outcome:
        CALL_OUTCOMES.labels(outcome=call.outcome).inc()
    return Response(status_code=204)


@router.post("/connect-action", response_class=Response)
def connect_action(
    params: SignedForm,
    context: ContextDep,
    practice: PracticeDep,
    session: SessionDep,
    checker: CheckerDep,
) -> Response:
    """When our media stream closes, Twilio asks what next: a transfer, the end of the call,
    or, when the stream dropped without the call being closed (its instance died), a new
    stream on whichever instance the load balancer picks, where the caller hears an apology
    and leaves a message.

    A call is resumed once: the outcome ``dropped`` noted here makes a second drop hang up.
    """
    call_sid = params.get("CallSid", "")
    call = transcripts.get_call(session, call_sid)
    number = practice.answering.transfer_number
    if call is not None and call.outcome == "transferred" and number:
        return _xml(_transfer(context, checker, number))
    # Twilio also asks after the caller hung up (CallStatus completed): nobody to resume.
    line_open = params.get("CallStatus", "in-progress") == "in-progress"
    if (
        line_open
        and call is not None
        and call.ended_at is None
        and call.status == transcripts.CallStatus.IN_PROGRESS.value
        and call.outcome is None
    ):
        transcripts.set_outcome(session, call_sid=call_sid, outcome="dropped")
        session.commit()
        _LOGGER.warning("media stream dropped; resuming to take a message",
                        extra={"call_sid": call_sid, "held_by": call.instance})
        return _xml(_stream(checker, call_sid, call.caller, twiml.RESUMED_MODE))
    return _xml(twiml.hangup())


@router.post("/dial-action", response_class=Response)
async def dial_action(params: SignedForm, context: ContextDep, checker: CheckerDep) -> Response:
    """After a transfer's ``<Dial>``: picked up, the call is over; unanswered, busy or failed,
    the caller is taken back to leave a message (a stream in ``transfer_failed`` mode, whose
    inbox message says the transfer failed). A caller who hung up while it rang leaves their
    request in the inbox all the same."""
    call_sid = params.get("CallSid", "")
    status = params.get("DialCallStatus", "")
    if status in _ANSWERED:
        return _xml(twiml.hangup())
    caller = await run_in_threadpool(_note_transfer_failed, context, call_sid)
    line_open = params.get("CallStatus", "in-progress") == "in-progress"
    _LOGGER.warning(
        "transfer not answered",
        extra={"call_sid": call_sid, "dial_status": status, "caller_waiting": line_open},
    )
    if not line_open:
        await dialogue.leave_transfer_failed(
            context, call_sid, caller=caller or params.get("From") or None, dial_status=status
        )
        return _xml(twiml.hangup())
    return _xml(
        _stream(checker, call_sid, caller or params.get("From") or None, TRANSFER_FAILED)
    )


def _note_transfer_failed(context: AppContext, call_sid: str) -> str | None:
    """The call's outcome becomes ``transfer_failed``; returns the caller's number (None when
    the database does not answer: the stream still takes the message, spooled)."""
    try:
        with context.db.session() as session:
            transcripts.set_outcome(session, call_sid=call_sid, outcome=TRANSFER_FAILED)
            call = transcripts.get_call(session, call_sid)
            return call.caller if call is not None else None
    except transcripts.DATABASE_UNREACHABLE:
        return None


@router.post("/fallback", response_class=Response)
def fallback(params: SignedForm, context: ContextDep) -> Response:
    """Twilio's *Fallback URL* for the number, when the incoming-call webhook failed: a
    French apology, then the practice's own line (or the emergency numbers and an invitation
    to call back). Reads nothing but the settings last cached: whatever failed may be the
    database. A TwiML Bin with the same document covers a gateway that does not answer at all
    (docs/deployment.md)."""
    practice = context.practice_store.cached
    _LOGGER.error("twilio fallback used", extra={"call_sid": params.get("CallSid", "")})
    return _xml(fallback_twiml(practice, timeout_s=context.settings.transfer_ring_timeout_s))


def fallback_twiml(practice: PracticeConfig, *, timeout_s: int) -> str:
    """The fallback document: `twiml.fallback` with the practice's words and number."""
    answering = practice.answering
    number = answering.transfer_number or answering.outside_hours.transfer_number
    return twiml.fallback(
        apology=dialogue.say("utter_fallback_apology", practice).text,
        number=number,
        timeout_s=timeout_s,
        closing=dialogue.say("utter_fallback_closed", practice).text,
    )


# The media stream WebSocket (`telephony.media_ws`) lives under the same /twilio prefix.
router.include_router(media_ws.router)
