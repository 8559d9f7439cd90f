"""Twilio's HTTP side: the incoming-call webhook, the status callback and the connect action."""

from __future__ import annotations

import datetime as dt
import logging

from fastapi import APIRouter, Response

import transcripts
from standardiste.deps import PracticeDep, SessionDep
from standardiste.metrics import CALL_OUTCOMES, CALLS
from standardiste.privacy import mask_phone
from telephony import media_ws, twiml
from telephony.answering_hours import Decision, decide
from telephony.webhooks import CheckerDep, SignedForm

_LOGGER = logging.getLogger(__name__)
router = APIRouter(prefix="/twilio", tags=["twilio"])
_XML = "application/xml"


@router.post("/voice", response_class=Response)
def incoming_call(
    params: SignedForm, practice: PracticeDep, session: SessionDep, checker: CheckerDep
) -> Response:
    """Twilio's incoming-call webhook: who answers, as TwiML."""
    call_sid = params.get("CallSid", "")
    caller = params.get("From") or None
    decision = decide(practice, dt.datetime.now(dt.UTC))
    transcripts.open_call(
        session,
        call_sid=call_sid,
        caller=caller,
        called=params.get("To") or None,
        answered_by=decision.decision.value,
    )
    # Commit before answering: Twilio opens the media stream as soon as it has the TwiML, and
    # the stream (perhaps on another instance) must find the call record.
    session.commit()
    CALLS.labels(answered_by=decision.decision.value).inc()
    _LOGGER.info(
        "incoming call",
        extra={
            "call_sid": call_sid,
            "caller": mask_phone(caller),
            "decision": decision.decision.value,
            "reason": decision.reason,
        },
    )
    transfer_to = practice.answering.outside_hours.transfer_number
    if decision.decision is Decision.TRANSFER and transfer_to:
        return Response(twiml.transfer(transfer_to), media_type=_XML)
    document = twiml.connect_stream(
        stream_url=checker.wss_url(twiml.MEDIA_PATH),
        action_url=checker.https_url(twiml.CONNECT_ACTION_PATH),
        call_sid=call_sid,
        caller=caller,
        token=checker.stream_token(call_sid),
        mode=decision.decision,
    )
    return Response(document, media_type=_XML)


@router.post("/status", response_class=Response)
def call_status(params: SignedForm, session: SessionDep) -> Response:
    """Twilio's call-status callback: closes the call record on a terminal status."""
    duration = params.get("CallDuration")
    call = transcripts.record_status(
        session,
        call_sid=params.get("CallSid", ""),
        status=params.get("CallStatus", ""),
        duration_s=int(duration) if duration and duration.isdigit() else None,
    )
    if call is not None and call.ended_at is not None and call.outcome:
        CALL_OUTCOMES.labels(outcome=call.outcome).inc()
    return Response(status_code=204)


@router.post("/connect-action", response_class=Response)
def connect_action(params: SignedForm, practice: PracticeDep, session: SessionDep) -> Response:
    """When our media stream closes, Twilio asks what next: a transfer or the end of the call."""
    call = transcripts.get_call(session, params.get("CallSid", ""))
    number = practice.answering.transfer_number
    if call is not None and call.outcome == "transferred" and number:
        return Response(twiml.transfer(number), media_type=_XML)
    return Response(twiml.hangup(), media_type=_XML)


# The media stream WebSocket (`telephony.media_ws`) lives under the same /twilio prefix.
router.include_router(media_ws.router)
