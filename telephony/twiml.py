"""TwiML documents the gateway returns, built with the `twilio` library."""

from __future__ import annotations

from twilio.twiml.voice_response import Connect, Dial, VoiceResponse

from core import Decision

MEDIA_PATH = "/twilio/media"
CONNECT_ACTION_PATH = "/twilio/connect-action"
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


def transfer(number: str, caller_id: str | None = None) -> str:
    """`<Dial>` the practice's number; the call ends when that leg ends."""
    response = VoiceResponse()
    dial = Dial(caller_id=caller_id) if caller_id else Dial()
    dial.number(number)
    response.append(dial)
    return str(response)


def hangup() -> str:
    """End the call."""
    response = VoiceResponse()
    response.hangup()
    return str(response)
