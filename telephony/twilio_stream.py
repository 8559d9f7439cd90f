"""Twilio Media Streams wire protocol: inbound JSON text frames to typed events, outbound builders.

Pure translation, no socket: the media WebSocket hands every received frame to `parse_message`
and sends what `media_message`, `mark_message` and `clear_message` build. Field shapes follow
docs/twilio-media-streams (``sequenceNumber``, ``chunk`` and ``timestamp`` are strings;
``sampleRate`` and ``channels`` are numbers; ``customParameters`` may be empty or absent).

A malformed frame never raises: it becomes a `ProtocolError` with a stable code, so the session
can log it and go on with the call. Error details name fields, never their values, because
custom parameters and payloads carry the caller's number and voice.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

MULAW_ENCODING = "audio/x-mulaw"
MULAW_RATE = 8000


class ProtocolErrorCode(StrEnum):
    """Why an inbound frame was not understood."""

    BINARY_FRAME = "binary-frame"
    INVALID_JSON = "invalid-json"
    NOT_AN_OBJECT = "not-an-object"
    UNKNOWN_EVENT = "unknown-event"
    MISSING_FIELD = "missing-field"
    BAD_FIELD = "bad-field"
    BAD_BASE64 = "bad-base64"


@dataclass(frozen=True)
class ProtocolError:
    """An inbound frame that could not be turned into an event; the call goes on."""

    code: ProtocolErrorCode
    detail: str
    event: str | None = None
    """The frame's ``event`` value when it had one (for logs)."""


@dataclass(frozen=True)
class MediaFormat:
    """The stream's audio format; bidirectional streams are always 8 kHz μ-law mono."""

    encoding: str = MULAW_ENCODING
    sample_rate: int = MULAW_RATE
    channels: int = 1

    @property
    def supported(self) -> bool:
        """True for the only format this gateway decodes."""
        return (self.encoding, self.sample_rate, self.channels) == (MULAW_ENCODING, MULAW_RATE, 1)


@dataclass(frozen=True)
class Connected:
    """First message on the socket."""

    protocol: str
    version: str


@dataclass(frozen=True)
class Start:
    """Stream metadata, sent once after `Connected`."""

    sequence_number: int | None
    stream_sid: str
    call_sid: str
    account_sid: str
    tracks: tuple[str, ...]
    media_format: MediaFormat
    custom_parameters: Mapping[str, str] = field(default_factory=dict)
    """The TwiML ``<Parameter>`` values; empty when the TwiML had none (absent or ``{}``)."""


@dataclass(frozen=True)
class Media:
    """Caller audio: raw 8 kHz μ-law bytes of any length (20 ms = 160 bytes in practice)."""

    sequence_number: int | None
    stream_sid: str
    track: str
    chunk: int | None
    timestamp_ms: int | None
    payload: bytes


@dataclass(frozen=True)
class Dtmf:
    """One keypad digit pressed by the caller."""

    sequence_number: int | None
    stream_sid: str
    track: str
    digit: str


@dataclass(frozen=True)
class Mark:
    """A mark we sent, echoed back when its audio was played or cleared."""

    sequence_number: int | None
    stream_sid: str
    name: str


@dataclass(frozen=True)
class Stop:
    """The stream ended (the caller hung up or the call ended)."""

    sequence_number: int | None
    stream_sid: str
    call_sid: str
    account_sid: str


InboundEvent = Connected | Start | Media | Dtmf | Mark | Stop
ParseResult = InboundEvent | ProtocolError


class _MalformedError(Exception):
    def __init__(self, code: ProtocolErrorCode, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _object(message: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = message.get(key)
    if value is None:
        raise _MalformedError(ProtocolErrorCode.MISSING_FIELD, f"`{key}` is missing")
    if not isinstance(value, dict):
        raise _MalformedError(ProtocolErrorCode.BAD_FIELD, f"`{key}` is not an object")
    return value


def _text(message: Mapping[str, Any], key: str, *, default: str | None = None) -> str:
    value = message.get(key)
    if value is None:
        if default is not None:
            return default
        raise _MalformedError(ProtocolErrorCode.MISSING_FIELD, f"`{key}` is missing")
    if not isinstance(value, str):
        raise _MalformedError(ProtocolErrorCode.BAD_FIELD, f"`{key}` is not a string")
    return value


def _number(message: Mapping[str, Any], key: str) -> int | None:
    """A counter Twilio sends as a string ("52"); tolerate a JSON number, None when unusable.

    Counters are informational: a bad one must not cost the caller's audio.
    """
    value = message.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _decimal(value.strip()):
        return int(value)
    return None


def _decimal(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also accepts "²" or "٣", which ``int`` refuses."""
    return text.isascii() and text.isdigit()


def _parameters(start: Mapping[str, Any]) -> dict[str, str]:
    raw = start.get("customParameters")
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _MalformedError(
            ProtocolErrorCode.BAD_FIELD, "`start.customParameters` is not an object"
        )
    params: dict[str, str] = {}
    for name, value in raw.items():
        if isinstance(value, str):
            params[name] = value
        elif isinstance(value, int | float | bool):
            params[name] = json.dumps(value)
        else:
            raise _MalformedError(
                ProtocolErrorCode.BAD_FIELD, f"`start.customParameters.{name}` is not a string"
            )
    return params


def _media_format(start: Mapping[str, Any]) -> MediaFormat:
    raw = start.get("mediaFormat")
    if raw is None:
        return MediaFormat()
    if not isinstance(raw, dict):
        raise _MalformedError(ProtocolErrorCode.BAD_FIELD, "`start.mediaFormat` is not an object")
    rate = raw.get("sampleRate", MULAW_RATE)
    channels = raw.get("channels", 1)
    if isinstance(rate, str) and _decimal(rate):
        rate = int(rate)
    if isinstance(channels, str) and _decimal(channels):
        channels = int(channels)
    if not isinstance(rate, int) or not isinstance(channels, int):
        raise _MalformedError(ProtocolErrorCode.BAD_FIELD, "`start.mediaFormat` has a bad number")
    return MediaFormat(_text(raw, "encoding", default=MULAW_ENCODING), rate, channels)


def _parse_start(message: Mapping[str, Any]) -> Start:
    start = _object(message, "start")
    tracks = start.get("tracks", ["inbound"])
    if not isinstance(tracks, list) or not all(isinstance(t, str) for t in tracks):
        raise _MalformedError(
            ProtocolErrorCode.BAD_FIELD, "`start.tracks` is not a list of strings"
        )
    stream_sid = message.get("streamSid") or start.get("streamSid")
    if not isinstance(stream_sid, str) or not stream_sid:
        raise _MalformedError(ProtocolErrorCode.MISSING_FIELD, "`streamSid` is missing")
    return Start(
        sequence_number=_number(message, "sequenceNumber"),
        stream_sid=stream_sid,
        call_sid=_text(start, "callSid", default=""),
        account_sid=_text(start, "accountSid", default=""),
        tracks=tuple(tracks),
        media_format=_media_format(start),
        custom_parameters=_parameters(start),
    )


def _parse_media(message: Mapping[str, Any]) -> Media:
    media = _object(message, "media")
    encoded = _text(media, "payload")
    try:
        payload = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _MalformedError(
            ProtocolErrorCode.BAD_BASE64, "`media.payload` is not base64"
        ) from exc
    return Media(
        sequence_number=_number(message, "sequenceNumber"),
        stream_sid=_text(message, "streamSid", default=""),
        track=_text(media, "track", default="inbound"),
        chunk=_number(media, "chunk"),
        timestamp_ms=_number(media, "timestamp"),
        payload=payload,
    )


def _parse_dtmf(message: Mapping[str, Any]) -> Dtmf:
    dtmf = _object(message, "dtmf")
    digit = _text(dtmf, "digit")
    if len(digit) != 1 or digit not in "0123456789*#ABCD":
        raise _MalformedError(ProtocolErrorCode.BAD_FIELD, "`dtmf.digit` is not a keypad key")
    return Dtmf(
        sequence_number=_number(message, "sequenceNumber"),
        stream_sid=_text(message, "streamSid", default=""),
        track=_text(dtmf, "track", default="inbound_track"),
        digit=digit,
    )


def _parse_mark(message: Mapping[str, Any]) -> Mark:
    return Mark(
        sequence_number=_number(message, "sequenceNumber"),
        stream_sid=_text(message, "streamSid", default=""),
        name=_text(_object(message, "mark"), "name"),
    )


def _parse_stop(message: Mapping[str, Any]) -> Stop:
    raw = message.get("stop")
    stop = raw if isinstance(raw, dict) else {}
    return Stop(
        sequence_number=_number(message, "sequenceNumber"),
        stream_sid=_text(message, "streamSid", default=""),
        call_sid=_text(stop, "callSid", default=""),
        account_sid=_text(stop, "accountSid", default=""),
    )


def _parse_connected(message: Mapping[str, Any]) -> Connected:
    return Connected(
        protocol=_text(message, "protocol", default=""),
        version=_text(message, "version", default=""),
    )


_PARSERS: dict[str, Callable[[Mapping[str, Any]], InboundEvent]] = {
    "connected": _parse_connected,
    "start": _parse_start,
    "media": _parse_media,
    "dtmf": _parse_dtmf,
    "mark": _parse_mark,
    "stop": _parse_stop,
}


def parse_message(frame: str | bytes) -> ParseResult:
    """Turn one WebSocket frame from Twilio into an event, or a `ProtocolError`.

    Args:
        frame: The frame as received: text (JSON) or, wrongly, binary.

    Returns:
        The typed event, or a `ProtocolError` saying why the frame was not understood.
        Never raises on bad input.
    """
    if isinstance(frame, bytes | bytearray):
        return ProtocolError(ProtocolErrorCode.BINARY_FRAME, "binary frame; Twilio sends JSON text")
    try:
        message = json.loads(frame)
    except (ValueError, RecursionError):  # nested deeper than the parser goes: not Twilio's
        return ProtocolError(ProtocolErrorCode.INVALID_JSON, "frame is not valid JSON")
    if not isinstance(message, dict):
        return ProtocolError(ProtocolErrorCode.NOT_AN_OBJECT, "frame is not a JSON object")
    event = message.get("event")
    if not isinstance(event, str):
        return ProtocolError(ProtocolErrorCode.MISSING_FIELD, "`event` is missing")
    parser = _PARSERS.get(event)
    if parser is None:
        return ProtocolError(ProtocolErrorCode.UNKNOWN_EVENT, "unknown event", event=event[:40])
    try:
        return parser(message)
    except _MalformedError as exc:
        return ProtocolError(exc.code, exc.detail, event=event)


def _dump(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"))


def media_message(stream_sid: str, payload: bytes) -> str:
    """Outbound audio: raw 8 kHz μ-law bytes, no header; Twilio plays messages in order.

    Only ``payload`` goes in ``media``: Twilio rejects unexpected fields (error 31951).
    """
    encoded = base64.b64encode(payload).decode("ascii")
    return _dump({"event": "media", "streamSid": stream_sid, "media": {"payload": encoded}})


def mark_message(stream_sid: str, name: str) -> str:
    """A mark Twilio echoes back once the audio sent before it has played (or was cleared)."""
    return _dump({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}})


def clear_message(stream_sid: str) -> str:
    """Empty Twilio's buffer of our audio; Twilio then echoes every pending mark."""
    return _dump({"event": "clear", "streamSid": stream_sid})
