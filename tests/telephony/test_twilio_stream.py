"""The Twilio Media Streams protocol on frames shaped exactly as Twilio sends them."""

from __future__ import annotations

import base64
import json

import pytest

from telephony.twilio_stream import (
    Connected,
    Dtmf,
    Mark,
    Media,
    MediaFormat,
    ProtocolError,
    ProtocolErrorCode,
    Start,
    Stop,
    clear_message,
    mark_message,
    media_message,
    parse_message,
)

SID = "MZ0123456789abcdef0123456789abcdef"
# The real first inbound payload of Twilio's connect-basic capture: 160 bytes of μ-law.
PAYLOAD = (
    "6/jk2NbZ3uXj5Oz+bmhiYnD07+XWy8bIzdjg6mpNPzk3Nzc2Njg/UXXl2s7Cu7u+xcnLzdr7aGp98/94++PTztXc3NfV"
    "3PRnYGNhXVtfe9vMxcXJzM/X81JAOjY0MjEwMzlDVX3dzsK6tre8wsfK0OxdVFtx/nZw89fMzNLb3NPS3v5kYXZvXl5q"
    "3snBvb3BxsrYakY3Ly0sKysrLjZCZA=="
)
CONNECTED = '{"event":"connected","protocol":"Call","version":"1.0.0"}'
START = json.dumps(
    {
        "event": "start",
        "sequenceNumber": "1",
        "start": {
            "accountSid": "AC0123456789abcdef0123456789abcdef",
            "streamSid": SID,
            "callSid": "CA0123456789abcdef0123456789abcdef",
            "tracks": ["inbound"],
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            "customParameters": {"token": "tok-123"},
        },
        "streamSid": SID,
    }
)
MEDIA = json.dumps(
    {
        "event": "media",
        "sequenceNumber": "2",
        "media": {"track": "inbound", "chunk": "1", "timestamp": "52", "payload": PAYLOAD},
        "streamSid": SID,
    }
)
DTMF = json.dumps(
    {
        "event": "dtmf",
        "streamSid": SID,
        "sequenceNumber": "5",
        "dtmf": {"track": "inbound_track", "digit": "1"},
    }
)
MARK = json.dumps(
    {
        "event": "mark",
        "sequenceNumber": "103",
        "streamSid": SID,
        "mark": {"name": "Repeat message 0"},
    }
)
STOP = json.dumps(
    {
        "event": "stop",
        "sequenceNumber": "5",
        "stop": {
            "accountSid": "AC0123456789abcdef0123456789abcdef",
            "callSid": "CA0123456789abcdef0123456789abcdef",
        },
        "streamSid": SID,
    }
)


def _start_with(**start_changes: object) -> str:
    message = json.loads(START)
    message["start"].update(start_changes)
    for key, value in start_changes.items():
        if value is None:
            del message["start"][key]
    return json.dumps(message)


def test_connected() -> None:
    assert parse_message(CONNECTED) == Connected(protocol="Call", version="1.0.0")


def test_start_with_custom_parameters() -> None:
    event = parse_message(START)
    assert isinstance(event, Start)
    assert event.sequence_number == 1
    assert event.stream_sid == SID
    assert event.call_sid == "CA0123456789abcdef0123456789abcdef"
    assert event.tracks == ("inbound",)
    assert event.media_format == MediaFormat("audio/x-mulaw", 8000, 1)
    assert event.media_format.supported
    assert event.custom_parameters == {"token": "tok-123"}


@pytest.mark.parametrize("parameters", [None, {}])
def test_start_without_custom_parameters(parameters: dict[str, str] | None) -> None:
    event = parse_message(_start_with(customParameters=parameters))
    assert isinstance(event, Start)
    assert event.custom_parameters == {}


def test_start_with_another_media_format_is_parsed_but_not_supported() -> None:
    event = parse_message(
        _start_with(mediaFormat={"encoding": "audio/x-l16", "sampleRate": 16000, "channels": 1})
    )
    assert isinstance(event, Start)
    assert event.media_format.sample_rate == 16000
    assert not event.media_format.supported


def test_media_with_the_real_payload() -> None:
    event = parse_message(MEDIA)
    assert isinstance(event, Media)
    assert len(event.payload) == 160
    assert event.payload == base64.b64decode(PAYLOAD)
    assert (event.sequence_number, event.chunk, event.timestamp_ms) == (2, 1, 52)
    assert event.track == "inbound"
    assert event.stream_sid == SID


@pytest.mark.parametrize("size", [0, 1, 80, 161, 8000])
def test_media_of_any_length(size: int) -> None:
    message = json.loads(MEDIA)
    message["media"]["payload"] = base64.b64encode((bytes(range(256)) * 40)[:size]).decode()
    event = parse_message(json.dumps(message))
    assert isinstance(event, Media)
    assert len(event.payload) == size


def test_media_with_unusable_counters_keeps_its_audio() -> None:
    message = json.loads(MEDIA)
    message["media"]["chunk"] = "one"
    message["sequenceNumber"] = None
    event = parse_message(json.dumps(message))
    assert isinstance(event, Media)
    assert event.chunk is None and event.sequence_number is None
    assert len(event.payload) == 160


def test_dtmf_mark_stop() -> None:
    assert parse_message(DTMF) == Dtmf(5, SID, "inbound_track", "1")
    assert parse_message(MARK) == Mark(103, SID, "Repeat message 0")
    assert parse_message(STOP) == Stop(
        5, SID, "CA0123456789abcdef0123456789abcdef", "AC0123456789abcdef0123456789abcdef"
    )


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (b'{"event":"connected"}', ProtocolErrorCode.BINARY_FRAME),
        ('{"event":"media",', ProtocolErrorCode.INVALID_JSON),
        ("", ProtocolErrorCode.INVALID_JSON),
        ('["media"]', ProtocolErrorCode.NOT_AN_OBJECT),
        ('{"streamSid":"MZ1"}', ProtocolErrorCode.MISSING_FIELD),
        ('{"event":"transcription","streamSid":"MZ1"}', ProtocolErrorCode.UNKNOWN_EVENT),
        ('{"event":"media","streamSid":"MZ1"}', ProtocolErrorCode.MISSING_FIELD),
        ('{"event":"media","media":"abc"}', ProtocolErrorCode.BAD_FIELD),
        ('{"event":"media","media":{"payload":"@@not base64@@"}}', ProtocolErrorCode.BAD_BASE64),
        ('{"event":"media","media":{"payload":"6/jk2"}}', ProtocolErrorCode.BAD_BASE64),
        ('{"event":"media","media":{"payload":42}}', ProtocolErrorCode.BAD_FIELD),
        ('{"event":"dtmf","dtmf":{"digit":"12"}}', ProtocolErrorCode.BAD_FIELD),
        ('{"event":"dtmf","dtmf":{}}', ProtocolErrorCode.MISSING_FIELD),
        ('{"event":"mark","mark":{}}', ProtocolErrorCode.MISSING_FIELD),
        ('{"event":"start","streamSid":"MZ1"}', ProtocolErrorCode.MISSING_FIELD),
        ('{"event":"start","start":{"tracks":["inbound"]}}', ProtocolErrorCode.MISSING_FIELD),
    ],
)
def test_malformed_frames_become_protocol_errors(
    frame: str | bytes, code: ProtocolErrorCode
) -> None:
    result = parse_message(frame)
    assert isinstance(result, ProtocolError)
    assert result.code is code


def test_bad_start_fields_are_errors() -> None:
    for changes in (
        {"customParameters": ["token"]},
        {"customParameters": {"token": {"nested": 1}}},
        {"mediaFormat": "mulaw"},
        {"tracks": "inbound"},
    ):
        result = parse_message(_start_with(**changes))
        assert isinstance(result, ProtocolError), changes
        assert result.code is ProtocolErrorCode.BAD_FIELD
        assert result.event == "start"


def test_errors_never_echo_values() -> None:
    secret = "+33612345678"
    result = parse_message(_start_with(customParameters={"caller": {"n": secret}}))
    assert isinstance(result, ProtocolError)
    assert secret not in result.detail


def test_outbound_media_carries_only_the_payload() -> None:
    frame = base64.b64decode(PAYLOAD)
    message = json.loads(media_message(SID, frame))
    assert message == {"event": "media", "streamSid": SID, "media": {"payload": PAYLOAD}}


def test_outbound_mark_and_clear() -> None:
    assert json.loads(mark_message(SID, "u1-greeting")) == {
        "event": "mark",
        "streamSid": SID,
        "mark": {"name": "u1-greeting"},
    }
    assert json.loads(clear_message(SID)) == {"event": "clear", "streamSid": SID}


def test_our_outbound_mark_parses_back_as_twilio_echoes_it() -> None:
    echoed = json.loads(mark_message(SID, "u3-reply"))
    echoed["sequenceNumber"] = "40"
    assert parse_message(json.dumps(echoed)) == Mark(40, SID, "u3-reply")
