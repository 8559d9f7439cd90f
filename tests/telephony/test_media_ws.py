"""``WS /twilio/media`` through the real app under uvicorn: signatures, token, malformed frames,
greeting audio, the outside-hours message and the announcement. No Rasa needed here: the
assistant's greeting comes from the dialogue's catalogue, and the other modes do not converse.

The recognizer is scripted (French words cannot come out of the Korean model); everything else
is real: the WebSocket, VAD and end of turn on real speech, Piper, the database.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

import transcripts
from standardiste.simulator import CallerTurn, parse_twiml, sign, simulate_call
from telephony.tts_piper import PiperSynthesizer
from tests.support import AUTH_TOKEN, PUBLIC_BASE, call_params, form_body
from tests.telephony.calls import SID, dtmf, media, silence, text_frames
from tests.telephony.conftest import VoiceGateway

WSS = PUBLIC_BASE.replace("https://", "wss://") + "/twilio/media"


def webhook(gateway: VoiceGateway, call_sid: str) -> tuple[str, dict[str, str]]:
    """Post the signed incoming-call webhook; the stream URL and parameters of its TwiML."""
    import httpx

    params = call_params(call_sid)
    signature = sign(AUTH_TOKEN, f"{PUBLIC_BASE}/twilio/voice", params)
    reply = httpx.post(
        f"{gateway.gateway.url}/twilio/voice",
        content=form_body(params),
        headers={
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert reply.status_code == 200, reply.text
    url, custom = parse_twiml(reply.text)
    assert url == WSS
    return url, custom


async def open_stream(
    gateway: VoiceGateway, custom: dict[str, str], *, signature: str | None = None
) -> ClientConnection:
    ws = await connect(
        gateway.gateway.url.replace("http://", "ws://") + "/twilio/media",
        additional_headers={"X-Twilio-Signature": signature or sign(AUTH_TOKEN, WSS, {})},
        compression=None,
    )
    await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
    start = {
        "streamSid": SID, "callSid": custom.get("callSid", ""), "accountSid": "AC" + "0" * 32,
        "tracks": ["inbound"], "customParameters": custom,
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
    }
    await ws.send(json.dumps({"event": "start", "sequenceNumber": "1", "start": start,
                              "streamSid": SID}))
    return ws


async def receive_until_mark(ws: ClientConnection) -> tuple[list[dict[str, Any]], str]:
    """Messages up to the first mark; echo it back like Twilio; the mark's name."""
    seen: list[dict[str, Any]] = []
    async with asyncio.timeout(30):
        while True:
            message = json.loads(await ws.recv())
            seen.append(message)
            if message["event"] == "mark":
                await ws.send(json.dumps(message))
                return seen, message["mark"]["name"]


def test_a_forged_upgrade_is_refused_with_403(voice_gateway: VoiceGateway) -> None:
    async def main() -> None:
        _, custom = webhook(voice_gateway, "CA" + "f" * 32)
        for signature in ("forged", sign("another-token", WSS, {})):
            with pytest.raises(InvalidStatus) as refused:
                await open_stream(voice_gateway, custom, signature=signature)
            assert refused.value.response.status_code == 403

    asyncio.run(main())


def test_a_start_without_the_calls_token_is_closed(voice_gateway: VoiceGateway) -> None:
    async def main() -> None:
        _, custom = webhook(voice_gateway, "CA" + "e" * 32)
        ws = await open_stream(voice_gateway, {**custom, "token": "0" * 32})
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)
        assert ws.close_code == 1008

    asyncio.run(main())


def test_greeting_audio_comes_as_media_then_its_mark(voice_gateway: VoiceGateway) -> None:
    voice_gateway.answering("assistant")
    voice_gateway.hears()

    async def main() -> None:
        _, custom = webhook(voice_gateway, "CA" + "d" * 32)
        assert custom["mode"] == "assistant"
        ws = await open_stream(voice_gateway, custom)
        seen, name = await receive_until_mark(ws)
        assert name.endswith("-utter_greet")
        assert [m["event"] for m in seen[:-1]] == ["media"] * (len(seen) - 1)
        assert all(m["streamSid"] == SID and set(m["media"]) == {"payload"} for m in seen[:-1])
        assert sum(len(base64.b64decode(m["media"]["payload"])) for m in seen[:-1]) > 8000
        await ws.close()

    asyncio.run(main())


def test_malformed_frames_are_logged_and_the_call_goes_on(
    voice_gateway: VoiceGateway, piper: PiperSynthesizer, caplog: pytest.LogCaptureFixture
) -> None:
    voice_gateway.answering("message")
    voice_gateway.hears("Jean Dupont, rappelez-moi pour mes résultats")
    call_sid = "CA" + "c" * 32
    caplog.set_level(logging.WARNING, logger="telephony")

    async def main() -> None:
        _, custom = webhook(voice_gateway, call_sid)
        ws = await open_stream(voice_gateway, custom)
        _, name = await receive_until_mark(ws)
        assert name.endswith("utter_outside_hours_message")
        bad_base64 = json.loads(media(b"\x00" * 160))
        bad_base64["media"]["payload"] = "%%% not base64 %%%"
        for frame in ("{not json", json.dumps(bad_base64), '{"event": "wiggle"}', "[1, 2]"):
            await ws.send(frame)
        await ws.send(b"\x7f" * 160)
        await ws.send(dtmf("5"))
        frames = text_frames(piper, "Rappelez-moi.") + silence(1.5)
        for index, frame in enumerate(frames):
            await ws.send(media(frame, index + 1))

        async def quiet_line() -> None:
            # The line stays quiet, as fast as 4x real time, until the message is over (3 s).
            for index in range(len(frames), len(frames) + 1500):
                await ws.send(media(silence(0.02)[0], index + 1))
                await asyncio.sleep(0.005)

        line = asyncio.create_task(quiet_line())
        _, name = await receive_until_mark(ws)
        assert name.endswith("utter_message_recorded")
        _, name = await receive_until_mark(ws)
        assert name.endswith("utter_message_taken")
        line.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
            await line
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)
        assert ws.close_code == 1000

    asyncio.run(main())
    codes = [getattr(r, "code", None) for r in caplog.records]
    for code in ("invalid-json", "bad-base64", "unknown-event", "not-an-object", "binary-frame"):
        assert code in codes
    assert "%%%" not in caplog.text
    with voice_gateway.context.db.session() as session:
        [message] = transcripts.messages_for_call(session, call_sid)
        assert message.kind == "message"
        assert message.details["text"] == "Jean Dupont, rappelez-moi pour mes résultats"
        call = transcripts.get_call(session, call_sid)
        assert call is not None and call.outcome == "message"


def test_the_announcement_plays_then_the_gateway_hangs_up(
    voice_gateway: VoiceGateway,
) -> None:
    voice_gateway.answering("announcement")
    call = asyncio.run(simulate_call(voice_gateway.twilio(), [], end="wait"))
    assert call.mode == "announcement"
    assert call.keys == ["utter_outside_hours_announcement"]
    assert call.close_code == 1000
    assert call.next_twiml is not None and "<Hangup" in call.next_twiml
    assert len(call.assistant_audio) > 8000


def test_the_outside_hours_message_by_simulator_leaves_what_was_said(
    voice_gateway: VoiceGateway, piper: PiperSynthesizer
) -> None:
    voice_gateway.answering("message")
    voice_gateway.hears("c'est pour un renouvellement d'ordonnance")
    turns = [CallerTurn("renouvellement", tuple(text_frames(piper, "Un renouvellement.")))]
    call = asyncio.run(simulate_call(voice_gateway.twilio(), turns, end="wait"))
    assert call.keys == [
        "utter_outside_hours_message", "utter_message_recorded", "utter_message_taken"
    ]
    assert call.greeting_latency_s is not None
    assert call.turn_latencies_s[0] is not None
    with voice_gateway.context.db.session() as session:
        [message] = transcripts.messages_for_call(session, call.call_sid)
        assert message.details["text"] == "c'est pour un renouvellement d'ordonnance"
