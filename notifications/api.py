"""Twilio's SMS webhooks: a patient's text (`POST /twilio/sms`) and delivery reports
(`POST /twilio/sms/status`), both signature-checked exactly like the voice webhook.

In the Twilio console, on the number (or the Messaging Service): *A message comes in* →
``https://<PUBLIC_BASE_URL>/twilio/sms``. Delivery reports need no setting: each text names
its status callback.

The assembly builds the routes with `sms_router`, giving it the dialogue's emergency net: a
text is heard like a call, and this component may not import the dialogue.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from twilio.twiml.messaging_response import MessagingResponse

import transcripts
from core import AppContext, ContextDep, SignedForm
from notifications.models import Notification, State
from notifications.replies import EmergencyCheck, handle_reply, reply_offline

_LOGGER = logging.getLogger(__name__)
_TWIML = "application/xml"
# Twilio's delivery states, from worse to better news, as stored on the row.
_DELIVERY = frozenset({
    "accepted", "scheduled", "queued", "sending", "sent", "delivered", "undelivered", "failed",
    "read", "canceled",
})


def sms_router(emergency: EmergencyCheck) -> APIRouter:
    """The two SMS webhooks, with the emergency net every patient's text goes through."""
    router = APIRouter(prefix="/twilio", tags=["twilio"])

    @router.post("/sms")
    async def incoming_text(params: SignedForm, context: ContextDep) -> Response:
        return await _answer_text(params, context, emergency)

    router.add_api_route("/sms/status", delivery_status, methods=["POST"], status_code=204)
    return router


async def _answer_text(
    params: Mapping[str, str], context: AppContext, emergency: EmergencyCheck
) -> Response:
    """A patient's text: ANNULER, STOP, START, or a message for the inbox; TwiML answers."""
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    sender = params.get("From") or ""
    reply = MessagingResponse()
    if sid and sender:

        def work() -> str | None:
            practice = context.practice  # reads the database: off the event loop
            with context.db.session() as session:
                return handle_reply(
                    session, practice, message_sid=sid[:40], from_number=sender,
                    body=params.get("Body") or "", emergency=emergency,
                ).answer

        def offline() -> str | None:
            settings = context.settings
            spool = transcripts.spool_for(
                settings.standardiste_var_dir, settings.standardiste_instance)
            return reply_offline(
                context.db, spool, context.practice_store.cached, message_sid=sid[:40],
                from_number=sender, body=params.get("Body") or "", emergency=emergency,
            ).answer

        try:
            answer = await run_in_threadpool(work)
        except transcripts.DATABASE_UNREACHABLE:
            answer = await run_in_threadpool(offline)
        if answer:
            reply.message(answer)
    return Response(str(reply), media_type=_TWIML)


async def delivery_status(
    params: SignedForm,
    context: ContextDep,
    n: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    a: Annotated[str | None, Query(max_length=36)] = None,
) -> Response:
    """Twilio's news of a text (queued, sent, delivered, undelivered…) onto its row."""
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    status = (params.get("MessageStatus") or params.get("SmsStatus") or "").lower()
    if not sid or status not in _DELIVERY:
        return Response(status_code=204)
    error = params.get("ErrorCode") or None

    def work() -> None:
        now = dt.datetime.now(dt.UTC)
        with context.db.session() as session:
            row = session.scalar(select(Notification).where(Notification.twilio_sid == sid))
            if row is None and n is not None:
                claimed = session.get(Notification, n)
                # The callback can beat our own record of the SID (or a crash lost it): the
                # attempt's token in its URL proves it is this row's text.
                if claimed is not None and claimed.claim_token == a and not claimed.twilio_sid:
                    row = claimed
                    row.twilio_sid, row.state, row.sent_at = sid, State.SENT.value, now
            if row is None:
                return
            row.delivery_status = status
            if error:
                row.error_code = error[:32]
            row.updated_at = now

    await run_in_threadpool(work)
    return Response(status_code=204)
