"""``WS /twilio/media``: Twilio's bidirectional Media Stream, checked, then handed to a session.

The upgrade's ``x-twilio-signature`` is checked against the configured public wss URL before the
socket is accepted; a forged upgrade is refused (close before accept: HTTP 403). Then the
``start`` message must carry this call's ``token`` parameter (an HMAC of the CallSid made by
the signature-checked webhook), which binds the stream to the webhook even behind proxies.
Which conversation answers depends on the ``mode`` parameter the webhook chose: the assistant,
the outside-hours message taker, or the practice's announcement.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator

from fastapi import APIRouter, WebSocket
from starlette.concurrency import run_in_threadpool

import dialogue
import transcripts
from core import WEBHOOK_REJECTED, AppContext, Decision, PracticeConfig, get_checker, mask_phone
from telephony.call_inputs import CallPhrases
from telephony.heartbeat import CallHeartbeat
from telephony.opening import OpeningConversation
from telephony.recording_consent import RecordingConsent, recording_consent
from telephony.session import CallSession
from telephony.twilio_stream import Connected, ProtocolError, Start, parse_message
from telephony.twiml import MEDIA_PATH
from telephony.voice_service import voice_service

_LOGGER = logging.getLogger(__name__)
router = APIRouter(tags=["twilio"])
"""Included by `telephony.api.router` (prefix ``/twilio``): the route is `MEDIA_PATH`."""
_ROUTE = MEDIA_PATH.removeprefix("/twilio")
POLICY_VIOLATION = 1008
"""Close code for a refused stream (before accept, the client sees HTTP 403)."""
_OPEN_ATTEMPTS = 2
_HANDSHAKE_FRAMES = 10
"""Frames read looking for ``start`` (it comes right after ``connected``)."""


async def _frames(websocket: WebSocket) -> AsyncIterator[str | bytes]:
    """The socket's frames, as they come, until the peer closes it."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        yield text if text is not None else (message.get("bytes") or b"")


async def _read_start(frames: AsyncIterator[str | bytes], call_log: dict[str, str]) -> Start | None:
    count = 0
    async for frame in frames:
        event = parse_message(frame)
        if isinstance(event, Start):
            return event
        if isinstance(event, ProtocolError):
            _LOGGER.warning(
                "malformed frame before start; ignored",
                extra={**call_log, "code": event.code.value, "event": event.event},
            )
        elif not isinstance(event, Connected):
            _LOGGER.warning("frame before start; ignored", extra=call_log)
        count += 1
        if count >= _HANDSHAKE_FRAMES:
            break
    return None


def _mode(mode: str) -> dialogue.ConversationMode:
    try:
        return dialogue.ConversationMode(mode)
    except ValueError:
        return dialogue.ConversationMode.ASSISTANT


async def _conversation(
    context: AppContext, mode: str, call_sid: str, caller: str | None
) -> tuple[dialogue.Conversation, bool]:
    """The call's conversation, and whether it is the assistant's (which may ask consent)."""
    chosen = _mode(mode)
    unreachable = False
    for attempt in range(_OPEN_ATTEMPTS):
        try:
            conversation = await dialogue.open_conversation(
                context, chosen, conversation_id=call_sid, caller=caller, channel="voice"
            )
            return conversation, chosen is dialogue.ConversationMode.ASSISTANT
        except Exception as exc:  # no traceback: database errors quote the caller's number
            # Twilio may connect before the webhook's call record is committed: the second
            # attempt then finds the record instead of racing to create it.
            extra = {"call_sid": call_sid, "error": exc.__class__.__name__}
            _LOGGER.warning("conversation open failed", extra=extra)
            unreachable = isinstance(exc, transcripts.DATABASE_UNREACHABLE)
            if attempt + 1 < _OPEN_ATTEMPTS:
                await asyncio.sleep(0.2)
    # The caller can still leave a message rather than hear nothing; and the call record,
    # which the webhook may have spooled on another instance, is spooled here too (once).
    _LOGGER.error("conversation unavailable; taking a message", extra={"call_sid": call_sid})
    await run_in_threadpool(
        _open_call_later, context, call_sid, caller, chosen.value, unreachable
    )
    fallback = dialogue.fallback_conversation(context, conversation_id=call_sid, caller=caller)
    return fallback, False


def _open_call_later(
    context: AppContext, call_sid: str, caller: str | None, mode: str, unreachable: bool
) -> None:
    """The call record, written (or found) now, or spooled: at once when the database just
    failed (no retry while the caller waits for the greeting)."""
    settings = context.settings
    spool = transcripts.spool_for(settings.standardiste_var_dir, settings.standardiste_instance)
    write = transcripts.call_write(
        call_sid, caller=caller, called=None, answered_by=mode, started_at=dt.datetime.now(dt.UTC)
    )
    if unreachable:
        spool.set_aside(write)
    else:
        transcripts.write_durably(context.db, spool, write)


def _practice(context: AppContext) -> PracticeConfig:
    """The current settings, or the last read when the database does not answer."""
    try:
        return context.practice
    except transcripts.DATABASE_UNREACHABLE:
        return context.practice_store.cached


@router.websocket(_ROUTE)
async def media_stream(websocket: WebSocket) -> None:
    """One call's media stream, from Twilio's ``connected`` to ``stop`` or our hang-up."""
    context: AppContext = websocket.app.state.context
    checker = get_checker(context)
    if not checker.check_upgrade(MEDIA_PATH, websocket.headers.get("x-twilio-signature")):
        WEBHOOK_REJECTED.labels(route=MEDIA_PATH).inc()
        _LOGGER.warning(
            "media stream upgrade refused",
            extra={
                "had_signature": "x-twilio-signature" in websocket.headers,
                "configured": checker.configured,
            },
        )
        await websocket.close(code=POLICY_VIOLATION)
        return
    await websocket.accept()
    frames = _frames(websocket)
    start = await _read_start(frames, {"path": MEDIA_PATH})
    params = start.custom_parameters if start else {}
    call_sid = start.call_sid if start else ""
    if (
        start is None
        or not checker.check_stream_token(call_sid, params.get("token"))
        or params.get("callSid", call_sid) != call_sid
    ):
        _LOGGER.warning("media stream without a valid start; closed", extra={"call_sid": call_sid})
        await websocket.close(code=POLICY_VIOLATION)
        return
    caller = params.get("caller") or None
    mode = params.get("mode", Decision.ASSISTANT.value)
    if not start.media_format.supported:
        _LOGGER.error("unsupported media format", extra={"call_sid": call_sid})
    _LOGGER.info(
        "media stream started",
        extra={"call_sid": call_sid, "caller": mask_phone(caller), "mode": mode},
    )
    settings = context.settings
    heartbeat = CallHeartbeat(
        context.db, call_sid, settings.standardiste_instance, settings.standardiste_heartbeat_s
    )
    # From here the call is this instance's: if it dies, another one closes the call.
    async with heartbeat:
        reason = await _serve_call(websocket, context, frames, start, mode, caller)
    _LOGGER.info("media stream ended", extra={"call_sid": call_sid, "reason": reason})


async def _serve_call(
    websocket: WebSocket,
    context: AppContext,
    frames: AsyncIterator[str | bytes],
    start: Start,
    mode: str,
    caller: str | None,
) -> str:
    """The call itself, from the greeting to its end; returns the reason it ended.

    The first words play from ready audio at once, while the conversation opens (in the
    background: `telephony.opening`); they are known from the settings last read, which the
    conversation then reads afresh.
    """
    call_sid = start.call_sid
    try:
        voice = await voice_service(context)
        practice = context.practice_store.cached
        prompt_audio = voice.prompt_audio(practice)
        recognizer = await voice.recognizers.open()
    except Exception:  # nothing can speak to the caller: Twilio goes on to connect-action
        _LOGGER.exception("speech engines unavailable", extra={"call_sid": call_sid})
        await websocket.close(code=1011)
        return "speech-unavailable"
    fresh: list[PracticeConfig] = []

    async def opening() -> tuple[dialogue.Conversation, bool]:
        fresh.append(await run_in_threadpool(_practice, context))
        return await _conversation(context, mode, call_sid, caller)

    conversation = OpeningConversation(call_sid, opening())

    def recording() -> RecordingConsent | None:
        # Consent is asked only on calls the assistant converses on (not messages,
        # announcements), once the conversation is open, as the settings say now.
        if not conversation.assistant:
            return None
        return recording_consent(context, fresh[0] if fresh else practice, call_sid)

    async def hang_up() -> None:
        await websocket.close(code=1000)

    session = CallSession(
        call_sid=call_sid,
        stream_sid=start.stream_sid,
        conversation=conversation,
        recognizer=recognizer,
        voice=voice,
        prompt_audio=prompt_audio,
        send=websocket.send_text,
        hang_up=hang_up,
        mode=mode,
        recording=recording,
        phrases=CallPhrases(
            technical_problem=dialogue.say("utter_technical_problem", practice),
            say_again=dialogue.say("utter_say_again", practice),
        ),
        first_words=dialogue.first_words(_mode(mode), practice),
    )
    return await session.run(frames)
