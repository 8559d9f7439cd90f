"""Twilio's HTTP side: the incoming-call webhook, the status callback and the connect action."""

from __future__ import annotations

import datetime as dt
import logging

from fastapi import APIRouter, Response

import transcripts
from core import (
    CALL_OUTCOMES,
    CALLS,
    CheckerDep,
    Decision,
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


@router.post("/voice", response_class=Response)
def incoming_call(
    params: SignedForm, practice: PracticeDep, session: SessionDep, checker: CheckerDep
) -> Response:
    """Twilio's incoming-call webhook: who answers, as TwiML.

    Twilio retries a webhook that timed out or failed: the same CallSid then gets the same
    record and the same TwiML (the decision stored with the first request, not a new one).
    """
    call_sid = params.get("CallSid", "")
    caller = params.get("From") or None
    decision = decide(practice, dt.datetime.now(dt.UTC))
    call, created = transcripts.open_call_once(
        session,
        call_sid=call_sid,
        caller=caller,
        called=params.get("To") or None,
        answered_by=decision.decision.value,
    )
    # Commit before answering: Twilio opens the media stream as soon as it has the TwiML, and
    # the stream (perhaps on another instance) must find the call record.
    session.commit()
    answered_by = _stored_decision(call.answered_by, decision.decision)
    if created:
        CALLS.labels(answered_by=answered_by.value).inc()
    _LOGGER.info(
        "incoming call" if created else "incoming call retried",
        extra={
            "call_sid": call_sid,
            "caller": mask_phone(caller),
            "decision": answered_by.value,
            "reason": decision.reason if created else "retry",
        },
    )
    transfer_to = practice.answering.outside_hours.transfer_number
    if answered_by is Decision.TRANSFER and transfer_to:
        return Response(twiml.transfer(transfer_to), media_type=_XML)
    document = twiml.connect_stream(
        stream_url=checker.wss_url(twiml.MEDIA_PATH),
        action_url=checker.https_url(twiml.CONNECT_ACTION_PATH),
        call_sid=call_sid,
        caller=caller,
        token=checker.stream_token(call_sid),
        mode=answered_by,
    )
    return Response(document, media_type=_XML)


def _stored_decision(stored: str, fresh: Decision) -> Decision:
    try:
        return Decision(stored)
    except ValueError:  # a record opened by another channel under this id
        return fresh


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
    params: SignedForm, practice: PracticeDep, session: SessionDep, checker: CheckerDep
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
        return Response(twiml.transfer(number), media_type=_XML)
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
        document = twiml.connect_stream(
            stream_url=checker.wss_url(twiml.MEDIA_PATH),
            action_url=checker.https_url(twiml.CONNECT_ACTION_PATH),
            call_sid=call_sid,
            caller=call.caller,
            token=checker.stream_token(call_sid),
            mode=twiml.RESUMED_MODE,
        )
        return Response(document, media_type=_XML)
    return Response(twiml.hangup(), media_type=_XML)


# The media stream WebSocket (`telephony.media_ws`) lives under the same /twilio prefix.
router.include_router(media_ws.router)
