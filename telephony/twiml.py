"""TwiML documents the gateway returns, built with the `twilio` library."""

from __future__ import annotations

from twilio.twiml.voice_response import Connect, Dial, Say, VoiceResponse

from core import Decision

MEDIA_PATH = "/twilio/media"
CONNECT_ACTION_PATH = "/twilio/connect-action"
DIAL_ACTION_PATH = "/twilio/dial-action"
FALLBACK_PATH = "/twilio/fallback"
SAY_LANGUAGE = "fr-FR"
"""Twilio's own voice, said only by the fallback (our voice is not there when it is needed)."""
RESUMED_MODE = "resumed"
"""The stream mode of a call whose first stream dropped (its instance died): a message is
taken, after an apology (`telephony.voice_modes.MessageTaker`)."""


def connect_stream(
    *,
    stream_url: str,
    action_url: str,
    call_sid: str,
    caller: str | None,
    token: str,
    mode: Decision | str,
) -> str:
    """`<Connect><Stream>` to our media WebSocket; Twilio asks ``action_url`` what next after.

    Every mode goes through our own stream, so that whatever the caller hears (the assistant,
    an announcement, a message prompt) is synthesised on the practice's server.
    """
    response = VoiceResponse()
    connect = Connect(action=action_url, method="POST")
    stream = connect.stream(url=stream_url)
    stream.parameter(name="callSid", value=call_sid)
    stream.parameter(name="caller", value=caller or "")
    stream.parameter(name="token", value=token)
    stream.parameter(name="mode", value=mode.value if isinstance(mode, Decision) else mode)
    response.append(connect)
    return str(response)


def transfer(
    number: str, *, timeout_s: int, action_url: str, caller_id: str | None = None
) -> str:
    """`<Dial>` the practice's number for ``timeout_s`` seconds of ringing; when that leg
    ends, picked up or not, Twilio asks ``action_url`` what next (with ``DialCallStatus``)."""
    response = VoiceResponse()
    extra = {"caller_id": caller_id} if caller_id else {}
    dial = Dial(timeout=timeout_s, action=action_url, method="POST", **extra)
    dial.number(number)
    response.append(dial)
    return str(response)


def fallback(*, apology: str, number: str | None, timeout_s: int, closing: str) -> str:
    """For Twilio's Fallback URL (or a TwiML Bin): an apology in Twilio's French voice, the
    practice's line when it has one, then the closing words (emergency numbers, call back)."""
    response = VoiceResponse()
    response.append(Say(apology, language=SAY_LANGUAGE))
    if number:
        # No action: once the dialled leg ends, the document goes on to the closing words.
        dial = Dial(timeout=timeout_s)
        dial.number(number)
        response.append(dial)
    response.append(Say(closing, language=SAY_LANGUAGE))
    response.hangup()
    return str(response)


def hangup() -> str:
    """End the call."""
    response = VoiceResponse()
    response.hangup()
    return str(response)
